"""What the wizard tells the user about their choices: memory fit and effective arguments."""

from __future__ import annotations

from trainpkg_app.core.hardware import find_flavor
from trainpkg_app.core.memory import check_fit, estimate_memory
from trainpkg_app.core.training_args import training_yaml
from trainpkg_app.core.validation import validate_step
from trainpkg_app.core.workflow import StepId

Forms = dict[str, dict[str, str]]


def _config(forms: Forms):
    result = validate_step(StepId.CONFIG, forms["config"])
    return result.data.config if result.ok else None


def target_gpu(forms: Forms) -> tuple[float | None, str]:
    """GPU memory per GPU of the chosen target, and how to name it."""
    deploy = forms["deploy"]
    if deploy.get("target") in ("hf_space", "hf_job"):
        flavor = find_flavor(
            deploy["space_flavor" if deploy["target"] == "hf_space" else "job_flavor"]
        )
        if flavor and flavor.gpus:
            return float(flavor.gpu_memory_gb), flavor.label
        return None, "a CPU flavor"
    if deploy.get("target") == "local" and deploy.get("gpu_memory_gb"):
        try:
            return float(deploy["gpu_memory_gb"]), "this machine's GPU"
        except ValueError:
            return None, "this machine"
    return None, "the GPU"


def memory_fit(forms: Forms) -> dict[str, str]:
    """Peak memory against the target, or {} while the model size or config is unknown."""
    config = _config(forms)
    try:
        parameters = int(forms["model"].get("parameters") or 0)
    except ValueError:
        parameters = 0
    if config is None or parameters <= 0:
        return {}
    estimate = estimate_memory(
        parameters=parameters,
        method=config.method,
        precision=config.precision,
        optimizer=config.optimizer,
        batch_size=config.per_device_batch_size,
        seq_length=config.max_seq_length,
        gradient_checkpointing=config.gradient_checkpointing,
        lora_r=config.lora_r,
    )
    memory, label = target_gpu(forms)
    fit = check_fit(estimate.total_gb, memory, label)
    return {
        "total_gb": f"{estimate.total_gb:.1f}",
        "verdict": fit.verdict,
        "message": fit.message,
        "formula": estimate.formula,
    }


def arguments_yaml(forms: Forms) -> str:
    config = _config(forms)
    return training_yaml(config) if config else "# Fix the config errors to see the arguments."
