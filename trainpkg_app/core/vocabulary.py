"""The closed sets of values that the schema and the rules share."""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, get_args


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class DeploymentTarget(StrEnum):
    LOCAL = "local"
    HF_SPACE = "hf_space"
    HF_JOB = "hf_job"


class TrainingStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


def sql_in_list(values: type[StrEnum]) -> str:
    """``'a', 'b'`` for a CHECK ... IN (...) clause."""
    return ", ".join(f"'{member.value}'" for member in values)


# Display labels, keyed by the values that the step models (core/step_data.py) accept. The
# values themselves are read from those models, so a value added there shows up in the UI.
METHOD_LABELS = {
    "full": ("Full fine-tune", "Updates every weight. Best quality, most GPU memory."),
    "lora": ("LoRA", "Trains small adapter matrices. A fraction of the memory."),
    "qlora": ("QLoRA", "LoRA on a 4-bit quantised model. Fits large models on one GPU."),
}
TARGET_LABELS = {
    DeploymentTarget.LOCAL: ("This machine", "Runs train.py here, in the background."),
    DeploymentTarget.HF_SPACE: (
        "Hugging Face Space",
        "A private Space with the GPU you pick; paused when done.",
    ),
    DeploymentTarget.HF_JOB: (
        "Hugging Face Job",
        "A one-off job on the Hub; billing stops when it ends.",
    ),
}
SCHEDULER_LABELS = {
    "linear": "Linear",
    "cosine": "Cosine",
    "constant": "Constant",
    "constant_with_warmup": "Constant with warmup",
}
OPTIMIZER_LABELS = {
    "adamw_torch": "AdamW",
    "adamw_8bit": "AdamW 8-bit",
    "paged_adamw_8bit": "Paged AdamW 8-bit",
    "adafactor": "Adafactor",
    "sgd": "SGD",
}
STRATEGY_LABELS = {"no": "No", "steps": "About 12 times a run", "epoch": "Every epoch"}
TRAIN_ON_LABELS = {"answers": "Answers only", "all": "Whole text"}
QUANT_TYPE_LABELS = {"nf4": "NF4", "fp4": "FP4"}
DOCTOR_LABELS = {
    "off": "Off",
    "warn": "Warn: show findings on the run",
    "stop": "Stop: end the run on a NaN, divergence, blow-up or overfitting",
}


def field_values(model: Any, field: str) -> tuple[str, ...]:
    """The values that a pydantic model's ``Literal`` field accepts, in declaration order."""
    return get_args(model.model_fields[field].annotation)


def options(values: Iterable[str], labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select; a value without a label shows as itself."""
    return [(value, labels.get(value, value)) for value in values]


def choices(
    values: Iterable[str], labels: Mapping[str, tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """(value, title, description) triples for radio cards; an unlabelled value shows as itself."""
    return [(value, *labels.get(value, (value, ""))) for value in values]


class QueueStatus(StrEnum):
    """A run queue entry: waiting, started (its run is a deployment now), or cancelled."""

    QUEUED = "queued"
    STARTED = "started"
    CANCELLED = "cancelled"
