"""Typed data of the four steps. Every field rule lives here, once."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trainpkg_app.core.hardware import find_flavor, flavors_for

LORA_FIELDS = ("lora_r", "lora_alpha", "lora_dropout", "lora_target_modules")
PACKAGE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$"


class StepModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def check_repo_id(value: str) -> str:
    try:
        validate_repo_id(value)
    except HFValidationError:
        raise ValueError(
            "Not a valid Hub id: use owner/name with letters, digits, '-', '_' or '.' "
            "(no '--' or '..', at most 96 characters)."
        ) from None
    return value


HubId = Annotated[str, Field(min_length=1, max_length=200)]


class PackageName(StepModel):
    name: str = Field(min_length=1, max_length=100, pattern=PACKAGE_NAME_PATTERN)


class ModelInfo(StepModel):
    source: Literal["hub", "local"] = "hub"  # before model_id: its validator reads it
    model_id: HubId
    revision: str | None = None  # the Hub commit sha, pinned when known
    parameters: int | None = Field(default=None, ge=1)
    parameters_by_dtype: dict[str, int] = Field(default_factory=dict)

    @field_validator("parameters_by_dtype", mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    size_gb: float | None = Field(default=None, ge=0)
    license: str | None = None
    gated: bool = False
    architecture: str | None = None

    @field_validator("model_id")
    @classmethod
    def _hub_id_or_folder(cls, value: str, info) -> str:
        if info.data.get("source") == "local":
            if not (Path(value).expanduser() / "config.json").is_file():
                raise ValueError(f"{value} is not a model folder: it has no config.json.")
            return value
        return check_repo_id(value)


class TrainingConfig(StepModel):
    method: Literal["full", "lora", "qlora"]
    learning_rate: float = Field(default=2e-4, gt=0, le=1)
    num_epochs: int = Field(default=3, ge=1, le=100)
    max_steps: int | None = Field(default=None, ge=1)
    per_device_batch_size: int = Field(default=4, ge=1, le=1024)
    gradient_accumulation_steps: int = Field(default=4, ge=1, le=1024)
    max_seq_length: int = Field(default=1024, ge=32, le=131072)
    warmup_ratio: float = Field(default=0.03, ge=0, le=0.5)
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = "cosine"
    optimizer: Literal["adamw_torch", "adamw_8bit", "paged_adamw_8bit", "adafactor", "sgd"] = (
        "adamw_torch"
    )
    weight_decay: float = Field(default=0.0, ge=0, le=1)
    precision: Literal["bf16", "fp16", "fp32"] = "bf16"
    gradient_checkpointing: bool = True
    seed: int = Field(default=42, ge=0, le=2**32 - 1)
    eval_strategy: Literal["no", "steps", "epoch"] = "epoch"
    save_strategy: Literal["no", "steps", "epoch"] = "epoch"
    lora_r: int = Field(default=16, gt=0, le=1024)
    lora_alpha: int = Field(default=32, gt=0, le=4096)
    lora_dropout: float = Field(default=0.05, ge=0, lt=1)
    lora_target_modules: list[str] = Field(default_factory=lambda: ["all-linear"], min_length=1)
    qlora_quant_type: Literal["nf4", "fp4"] = "nf4"
    qlora_double_quant: bool = True

    @field_validator("lora_target_modules", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @model_validator(mode="before")
    @classmethod
    def _ignore_lora_fields_for_full(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("method") == "full":
            return {key: value for key, value in data.items() if key not in LORA_FIELDS}
        return data


class DatasetRef(StepModel):
    source: Literal["hub", "upload"] = "hub"
    dataset_id: HubId
    config: str | None = None
    split: str = "train"
    format: str | None = None
    rows: int | None = Field(default=None, ge=0)
    name: str | None = None  # the uploaded file's name, for display
    revision: str | None = None  # the Hub commit sha, pinned when known
    content_hash: str | None = None  # sha256 of the uploaded file
    path: str | None = None  # where an upload is stored (per package, outside the web root)
    mapping: dict[str, str] = Field(default_factory=dict)  # format field -> column
    mean_tokens: float | None = Field(default=None, ge=0)

    @field_validator("mapping", mode="before")
    @classmethod
    def _mapping_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) and value else (value or {})

    @field_validator("dataset_id")
    @classmethod
    def _hub_ids_are_valid(cls, value: str, info) -> str:
        return check_repo_id(value) if info.data.get("source", "hub") == "hub" else value


class DatasetStep(StepModel):
    datasets: list[DatasetRef] = Field(min_length=1)
    train_split_percent: float = Field(default=90, gt=0, le=100)
    split_seed: int = Field(default=42, ge=0, le=2**32 - 1)


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


class LocalTarget(StepModel):
    target: Literal["local"]
    output_dir: str = Field(min_length=1)
    num_gpus: int = Field(ge=0, le=64)
    gpu_memory_gb: float | None = Field(default=None, gt=0, le=1024)
    max_hours: float | None = Field(default=None, gt=0, le=24 * 30)  # a time cap

    @field_validator("output_dir")
    @classmethod
    def _usable_directory(cls, value: str) -> str:
        path = Path(value).expanduser().resolve()
        existing = _nearest_existing(path)
        if not existing.is_dir():
            raise ValueError(f"{existing} exists and is not a folder.")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ValueError(f"Cannot write to {existing}: choose a folder you own.")
        return value


class SpaceTarget(StepModel):
    target: Literal["hf_space"]
    space_name: HubId
    space_flavor: str
    private: bool = True
    sleep_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)

    _check_name = field_validator("space_name")(check_repo_id)

    @field_validator("space_flavor")
    @classmethod
    def _space_flavor(cls, value: str) -> str:
        return _catalog_flavor(value, "hf_space")


class JobTarget(StepModel):
    target: Literal["hf_job"]
    job_flavor: str
    timeout_minutes: int = Field(ge=5, le=7 * 24 * 60)

    @field_validator("job_flavor")
    @classmethod
    def _job_flavor(cls, value: str) -> str:
        return _catalog_flavor(value, "hf_job")


def _catalog_flavor(value: str, target: str) -> str:
    if find_flavor(value) not in flavors_for(target):
        raise ValueError(f"Choose a hardware flavor from the catalog ({value!r} is not one).")
    return value


DeployTarget = Annotated[LocalTarget | SpaceTarget | JobTarget, Field(discriminator="target")]


class ModelStep(StepModel):
    model: ModelInfo


class ConfigStep(StepModel):
    config: TrainingConfig


class DeployStep(StepModel):
    deploy: DeployTarget
