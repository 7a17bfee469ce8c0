"""One-line summaries of validated step data, shown in collapsed step headers."""

from __future__ import annotations

import json

from pydantic import BaseModel

from trainpkg_app.core.step_data import (
    ConfigStep,
    DatasetStep,
    DeployStep,
    JobTarget,
    LocalTarget,
    ModelStep,
)


def human_count(count: int) -> str:
    """494032768 -> '0.49 B'; 124000 -> '124 K'."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if count >= size * (0.25 if unit == "B" else 1):
            return f"{count / size:.2f} {unit}" if unit == "B" else f"{count / size:.0f} {unit}"
    return str(count)


METHOD_LABELS = {"full": "Full fine-tune", "lora": "LoRA", "qlora": "QLoRA"}


def _model(data: ModelStep) -> str:
    parts = [data.model.model_id]
    if data.model.parameters:
        parts.append(f"{human_count(data.model.parameters)} params")
    if data.model.size_gb is not None:
        parts.append(f"{data.model.size_gb:g} GB")
    return " · ".join(parts)


def _config(data: ConfigStep) -> str:
    config = data.config
    length = f"{config.max_steps} steps" if config.max_steps else f"{config.num_epochs} epochs"
    parts = [METHOD_LABELS[config.method], f"lr {config.learning_rate:g}", length]
    parts.append(f"batch {config.per_device_batch_size}×{config.gradient_accumulation_steps}")
    if config.method != "full":
        parts.append(f"r {config.lora_r}")
    return " · ".join(parts)


def _dataset(data: DatasetStep) -> str:
    count = len(data.datasets)
    names = ", ".join(ref.dataset_id for ref in data.datasets[:2])
    more = f" +{count - 2}" if count > 2 else ""
    train = data.train_split_percent
    return f"{names}{more} · split {train:g}/{100 - train:g}"


def _deploy(data: DeployStep) -> str:
    target = data.deploy
    if isinstance(target, LocalTarget):
        gpus = "CPU" if target.num_gpus == 0 else f"{target.num_gpus} GPU"
        return f"This machine · {gpus} · {target.output_dir}"
    if isinstance(target, JobTarget):
        return f"HF Job · {target.job_flavor} · timeout {target.timeout_minutes} min"
    return f"HF Space · {target.space_name} · {target.space_flavor}"


_SUMMARIES = {ModelStep: _model, ConfigStep: _config, DatasetStep: _dataset, DeployStep: _deploy}


def summarize(data: BaseModel | None) -> str:
    """A one-line summary, or an empty string when there is no valid data yet."""
    return _SUMMARIES[type(data)](data) if data is not None else ""


def model_facts(form: dict[str, str]) -> list[dict[str, str]]:
    """What the Hub told us about the chosen model, as label/value rows for the model step."""
    facts = []
    if form.get("parameters_by_dtype"):
        by_dtype = json.loads(form["parameters_by_dtype"])
        facts.append(
            {
                "label": "Parameters by dtype",
                "value": ", ".join(f"{dtype} {count:,}" for dtype, count in by_dtype.items()),
            }
        )
    for label, key in (("License", "license"), ("Architecture", "architecture")):
        if form.get(key):
            facts.append({"label": label, "value": form[key]})
    if form.get("gated"):
        facts.append(
            {"label": "Gated", "value": "yes" if form["gated"].lower() == "true" else "no"}
        )
    if form.get("revision"):
        facts.append({"label": "Revision (pinned)", "value": form["revision"][:12]})
    if form.get("source") == "local":
        facts.append({"label": "Source", "value": "a folder on this machine"})
    return facts
