"""What the wizard tells the user about their choices: memory fit and effective arguments."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache

from pydantic import ValidationError

from trainpkg_app.core.calibration import (
    Measured,
    calibrated,
    closest,
    duration_text,
    hardware_of,
    price_of,
    static_basis,
)
from trainpkg_app.core.caps import budget_warning
from trainpkg_app.core.cost import estimate_run, training_tokens
from trainpkg_app.core.hardware import find_flavor, hardware_for
from trainpkg_app.core.memory import check_fit, estimate_memory
from trainpkg_app.core.model_shape import ModelShape
from trainpkg_app.core.step_data import CappedTarget, DatasetStep, ModelInfo
from trainpkg_app.core.training_args import training_yaml
from trainpkg_app.core.validation import field_value, validate_step
from trainpkg_app.core.workflow import StepId

Forms = dict[str, dict[str, str]]


def _config(forms: Forms):
    """The valid config, or None: four computed vars ask for it after every edit."""
    return _config_of(tuple(sorted(dict(forms["config"]).items())))


@lru_cache(maxsize=256)
def _config_of(fields: tuple[tuple[str, str], ...]):
    result = validate_step(StepId.CONFIG, dict(fields))
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


def _parameters(forms: Forms) -> int:
    """The model's parameter count when it is a valid one, else 0."""
    return field_value(ModelInfo, "parameters", forms["model"]) or 0


def model_shape(forms: Forms) -> ModelShape | None:
    """The shape the model step read from config.json, or None."""
    text = forms["model"].get("shape") or ""
    try:
        return ModelShape.model_validate_json(text) if text else None
    except ValidationError:
        return None


def memory_fit(forms: Forms) -> dict[str, str]:
    """Peak memory against the target, in parts, or {} while the model or config is unknown."""
    config = _config(forms)
    parameters = _parameters(forms)
    if config is None or parameters <= 0:
        return {}
    hardware = hardware_for(forms["deploy"])
    estimate = estimate_memory(
        parameters=parameters,
        method=config.method,
        precision=config.precision,  # bf16 and fp16 (a T4's choice) weigh the same
        optimizer=config.optimizer,
        batch_size=config.per_device_batch_size,
        seq_length=config.max_seq_length,
        gradient_checkpointing=config.gradient_checkpointing,
        lora_r=config.lora_r,
        shape=model_shape(forms),
        eager_attention=config.attn_implementation == "eager",
        liger=config.use_liger_kernel,
        fsdp_gpus=hardware.gpus if config.fsdp else 1,
    )
    memory, label = target_gpu(forms)
    fit = check_fit(estimate.total_gb, memory, label)
    return {
        "total_gb": f"{estimate.total_gb:.1f}",
        "verdict": fit.verdict,
        "message": fit.message,
        "formula": estimate.formula,
        "parts": estimate.parts,
    }


def arguments_yaml(forms: Forms) -> str:
    config = _config(forms)
    if config is None:
        return "# Fix the config errors to see the arguments."
    return training_yaml(config, hardware_for(forms["deploy"]))


def _dataset_tokens(datasets: list[dict[str, str]], max_seq_length: int) -> tuple[float, list[str]]:
    """Tokens per epoch before the split, and the assumptions behind the number."""
    total, assumptions = 0.0, []
    for ref in datasets:
        rows = float(ref.get("rows") or 0)
        if not rows:
            raise ValueError(f"{ref['dataset_id']} has no known row count")
        mean = float(ref.get("mean_tokens") or 0)
        if not mean:
            mean = max_seq_length / 2
            assumptions.append(
                f"{ref['dataset_id']}: {mean:g} tokens a row assumed (half the "
                "max length; not measured)"
            )
        total += rows * mean
    return total, assumptions


def _row_tokens(datasets: list[dict[str, str]], per_epoch: float, config) -> float:
    """Tokens a sequence of a batch holds, as TRL counts them (num_tokens: no padding): a full
    block when packing, else a mean row cut at the max length."""
    rows = sum(float(ref.get("rows") or 0) for ref in datasets)
    if config.packing or not rows:
        return config.max_seq_length
    return min(per_epoch / rows, config.max_seq_length)


def run_estimate(
    forms: Forms, datasets: list[dict[str, str]], measured: list[dict] | None = None
) -> dict[str, str]:
    """Time and cost of the run on the chosen target, with the formula, what it is based on
    (the owner's closest ``measured`` runs, or the static formula) and any budget warning
    (every key there, '' when it does not apply); or why not yet."""
    return {"formula": "", "budget": "", "basis": ""} | _run_estimate(forms, datasets, measured)


LOCAL_STATIC = "This machine: no cloud cost. The time depends on your GPU."


def _run_estimate(
    forms: Forms, datasets: list[dict[str, str]], measured: list[dict] | None
) -> dict[str, str]:
    deploy = forms["deploy"]
    config = _config(forms)
    target = deploy.get("target")
    flavor_id = deploy.get("space_flavor" if target == "hf_space" else "job_flavor")
    flavor = find_flavor(flavor_id or "") if target in ("hf_space", "hf_job") else None
    parameters = _parameters(forms)
    split = (field_value(DatasetStep, "train_split_percent", forms["dataset"]) or 90) / 100
    if target != "local" and flavor is None:
        return {"message": "Choose a target and hardware to see the estimate.", "formula": ""}
    if config is None or parameters <= 0 or not datasets:
        if target == "local":
            return {"message": LOCAL_STATIC, "formula": ""}
        return {
            "message": "The estimate needs the model's parameter count, a valid config and "
            "at least one dataset.",
            "formula": "",
        }
    try:
        per_epoch, assumptions = _dataset_tokens(datasets, config.max_seq_length)
    except ValueError as unknown:
        return {"message": f"No estimate: {unknown}.", "formula": ""}
    gpus = flavor.gpus if flavor else hardware_for(deploy).gpus
    step_tokens = math.ceil(
        config.per_device_batch_size
        * config.gradient_accumulation_steps
        * max(gpus, 1)
        * _row_tokens(datasets, per_epoch, config)
    )
    tokens = training_tokens(
        rows=1,
        train_share=split,
        mean_tokens=per_epoch,
        epochs=config.num_epochs,
        max_steps=config.max_steps,
        tokens_per_step=step_tokens,
    )
    hardware, hardware_label = hardware_of(deploy)
    runs = closest(
        [Measured.model_validate(run) for run in measured or []],
        parameters=parameters,
        method=config.method,
        hardware=hardware,
        tokens=tokens,
    )
    if runs:
        return _calibrated(deploy, tokens, runs, parameters, flavor.label if flavor else None)
    if target == "local":
        basis = static_basis(parameters, hardware_label)
        return {"message": LOCAL_STATIC, "formula": "", "basis": basis}
    total = parameters
    shape = model_shape(forms)
    if shape and shape.is_moe:  # compute follows the experts a token goes through
        active = shape.active_parameters(parameters)
        assumptions.append(f"mixture of experts: {active:,} of {parameters:,} parameters active")
        parameters = active
    estimate = estimate_run(
        parameters=parameters,
        tokens=tokens,
        method=config.method,
        gradient_checkpointing=config.gradient_checkpointing,
        flavor=flavor,
        target=deploy["target"],
        assumptions=assumptions,
    )
    if estimate is None:
        return {
            "message": f"{flavor.label} has no GPU: fine-tuning there is not estimated.",
            "formula": "",
            "basis": static_basis(total, hardware_label),
        }
    budget = field_value(CappedTarget, "budget_usd", deploy)
    return {
        "budget": budget_warning(Decimal(f"{estimate.cost_usd:.2f}"), budget),
        "message": f"About {estimate.hours:.1f} h and ${estimate.cost_usd:.2f} on {flavor.label}.",
        "formula": estimate.formula
        + ("; " + "; ".join(estimate.assumptions) if estimate.assumptions else ""),
        "basis": static_basis(total, hardware_label),
        "cost_usd": f"{estimate.cost_usd:.2f}",
        "hours": f"{estimate.hours:.2f}",
    }


def _calibrated(deploy, tokens, runs, parameters, flavor_label) -> dict[str, str]:
    """The estimate of the owner's closest measured runs (core/calibration.py)."""
    found = calibrated(
        tokens=tokens,
        runs=runs,
        parameters=parameters,
        usd_per_hour=price_of(runs[0].hardware),
    )
    where = flavor_label or runs[0].hardware_label
    cost = f" and ${found.cost_usd:.2f}" if flavor_label else " (no cloud cost)"
    figures = {
        "message": f"About {duration_text(found.hours)}{cost} on {where}.",
        "formula": found.formula,
        "basis": found.basis,
        "hours": f"{found.hours:.4f}",
        "tokens": str(tokens),
        "calibrated_by": ",".join(found.run_ids),
    }
    if not flavor_label:  # this machine: no cost to estimate, cap or record
        return figures
    budget = field_value(CappedTarget, "budget_usd", deploy)
    return figures | {
        "budget": budget_warning(Decimal(f"{found.cost_usd:.2f}"), budget),
        "cost_usd": f"{found.cost_usd:.2f}",
    }
