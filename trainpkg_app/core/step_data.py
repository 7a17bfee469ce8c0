"""Typed data of the four steps. Every field rule lives here, once."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from typing import Annotated, Any, Literal

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trainpkg_app.core.dataset_files import UPLOAD_ID_PATTERN
from trainpkg_app.core.doctor import DoctorMode
from trainpkg_app.core.hardware import find_flavor, flavors_for
from trainpkg_app.core.resume import WARM_START
from trainpkg_app.core.throughput import AttentionImplementation, PackingStrategy, packing_problem

ChatTemplateChoice = Literal[
    "family", "chatml", "llama3", "gemma", "mistral", "qwen", "phi", "none"
]
LORA_FIELDS = ("lora_r", "lora_alpha", "lora_dropout", "lora_target_modules")
PACKAGE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._()-]*$"


MAX_PARAMETERS = 10**13  # 10 T: above any model that exists
MAX_STEPS = 1_000_000
Text = Annotated[str, Field(max_length=200)]


class StepModel(BaseModel):
    """Every number finite and bounded, every text bounded: a crafted event may send anything."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, allow_inf_nan=False)


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


PACKAGE_NAME_LENGTH = 100


class PackageName(StepModel):
    name: str = Field(min_length=1, max_length=PACKAGE_NAME_LENGTH, pattern=PACKAGE_NAME_PATTERN)


class ModelInfo(StepModel):
    source: Literal["hub", "local"] = "hub"  # before model_id: its validator reads it
    model_id: HubId
    revision: Text | None = None  # the Hub commit sha, pinned when known
    parameters: int | None = Field(default=None, ge=1, le=MAX_PARAMETERS)
    parameters_by_dtype: dict[Text, Annotated[int, Field(ge=0, le=MAX_PARAMETERS)]] = Field(
        default_factory=dict, max_length=16
    )

    # layers, hidden, heads, vocab (and experts) from config.json: the memory estimate's input
    shape: dict[Text, Annotated[int, Field(ge=0, le=10**9)]] = Field(
        default_factory=dict, max_length=16
    )

    @field_validator("parameters_by_dtype", "shape", mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    size_gb: float | None = Field(default=None, ge=0, le=100_000)
    license: Text | None = None
    gated: bool = False
    architecture: Text | None = None

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
    max_steps: int | None = Field(default=None, ge=1, le=MAX_STEPS)
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
    eval_strategy: Literal["no", "steps", "epoch"] = "steps"
    save_strategy: Literal["no", "steps", "epoch"] = "steps"
    save_total_limit: int = Field(default=2, ge=1, le=100)
    packing: bool = False
    packing_strategy: PackingStrategy = "bfd"
    attn_implementation: AttentionImplementation = "sdpa"
    use_liger_kernel: bool = False
    fsdp: bool = False
    lora_r: int = Field(default=16, gt=0, le=1024)
    lora_alpha: int = Field(default=32, gt=0, le=4096)
    lora_dropout: float = Field(default=0.05, ge=0, lt=1)
    lora_target_modules: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=lambda: ["all-linear"], min_length=1, max_length=64
    )
    qlora_quant_type: Literal["nf4", "fp4"] = "nf4"
    qlora_double_quant: bool = True
    train_on: Literal["answers", "all"] = "answers"  # the loss on the answers, or everything
    doctor: DoctorMode = "warn"  # what the training doctor does about a finding (core/doctor.py)
    # "<run id>:<step>": train from that run's checkpoint weights (core/resume.py, the doctor's
    # retry); the run must be the owner's, checked when the version is deployed.
    warm_start: str = Field(default="", pattern=f"^$|^{WARM_START.pattern}$")

    @field_validator("lora_target_modules", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("packing_strategy")
    @classmethod
    def _packed_rows_stay_apart(cls, value: str, info) -> str:
        problem = packing_problem(bool(info.data.get("packing")), value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("fsdp")
    @classmethod
    def _fsdp_for_full_fine_tunes(cls, value: bool, info) -> bool:
        if value and info.data.get("method") != "full":
            raise ValueError(
                "FSDP shards a full fine-tune over the GPUs; LoRA and QLoRA train with one copy "
                "a GPU (DDP): turn FSDP off or choose full."
            )
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
    config: Text | None = None
    split: Text = "train"
    format: Text | None = None
    rows: int | None = Field(default=None, ge=0, le=10**10)
    name: Text | None = None  # the uploaded file's name, for display
    revision: Text | None = None  # the Hub commit sha, pinned when known
    content_hash: str | None = Field(default=None, max_length=64)  # sha256 of the upload
    # An upload is named by id, never by a path: the server resolves it in the owner's folder.
    upload_id: str | None = Field(default=None, pattern=UPLOAD_ID_PATTERN)
    mapping: dict[Text, Text] = Field(default_factory=dict, max_length=16)  # field -> column
    mean_tokens: float | None = Field(default=None, ge=0, le=10**7)
    # Hub datasets: checked with the dataset viewer (config, split, revision, rows, format and
    # mapping above are then the checked ones); a Hub run refuses a dataset that was not.
    viewer_checked: bool | None = None  # True once checked; None or False: not checked
    size_bytes: int | None = Field(default=None, ge=0, le=10**15)  # the split's Parquet size

    @model_validator(mode="before")
    @classmethod
    def _upload_id_from_old_path(cls, data: Any) -> Any:
        """Drafts saved before uploads had ids kept a server path: only its name is kept."""
        if isinstance(data, dict) and "path" in data:
            old_path = PurePath(str(data["path"] or ""))
            data = {k: v for k, v in data.items() if k != "path"}
            data.setdefault("upload_id", old_path.name or None)
        return data

    @field_validator("mapping", mode="before")
    @classmethod
    def _mapping_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) and value else (value or {})

    @field_validator("dataset_id")
    @classmethod
    def _hub_ids_are_valid(cls, value: str, info) -> str:
        return check_repo_id(value) if info.data.get("source", "hub") == "hub" else value

    @model_validator(mode="after")
    def _an_upload_has_its_file(self) -> DatasetRef:
        if self.source == "upload" and not self.upload_id:
            raise ValueError(f"{self.dataset_id} has no stored file: upload it again.")
        return self


class DatasetStep(StepModel):
    datasets: list[DatasetRef] = Field(min_length=1, max_length=32)
    train_split_percent: float = Field(default=90, gt=0, le=100)
    split_seed: int = Field(default=42, ge=0, le=2**32 - 1)
    # for a model without a chat template (core/chat_format.py); the model's own always wins
    chat_template: ChatTemplateChoice = "family"


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


class CappedTarget(StepModel):
    """A target's caps: the run is refused above its budget and stopped when it reaches it."""

    budget_usd: float | None = Field(default=None, gt=0, le=100_000)


class LocalTarget(CappedTarget):
    target: Literal["local"]
    output_dir: str = Field(min_length=1, max_length=4096)
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


class SpaceTarget(CappedTarget):
    target: Literal["hf_space"]
    space_name: HubId
    space_flavor: str
    private: bool = True
    sleep_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    max_hours: float | None = Field(default=None, gt=0, le=24 * 30)  # a time cap

    _check_name = field_validator("space_name")(check_repo_id)

    @field_validator("space_flavor")
    @classmethod
    def _space_flavor(cls, value: str) -> str:
        return _catalog_flavor(value, "hf_space")


class JobTarget(CappedTarget):
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
