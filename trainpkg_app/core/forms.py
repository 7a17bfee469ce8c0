"""The wizard's forms: their defaults, and how typed snapshots go back into them."""

from __future__ import annotations

import json
from typing import Any

from trainpkg_app.core.workflow import STEPS

# Every field the wizard edits, with the value a new draft starts with.
DEFAULT_FORMS: dict[str, dict[str, str]] = {
    "model": {
        "model_id": "",
        "source": "hub",
        "revision": "",
        "parameters": "",
        "parameters_by_dtype": "",
        "size_gb": "",
        "license": "",
        "gated": "",
        "architecture": "",
        "shape": "",
    },
    "config": {
        "method": "",
        "learning_rate": "0.0002",
        "num_epochs": "3",
        "per_device_batch_size": "4",
        "gradient_accumulation_steps": "4",
        "max_seq_length": "1024",
        "warmup_ratio": "0.03",
        "max_steps": "",
        "lr_scheduler": "cosine",
        "optimizer": "adamw_torch",
        "weight_decay": "0",
        "precision": "bf16",
        "gradient_checkpointing": "true",
        "seed": "42",
        "eval_strategy": "steps",
        "save_strategy": "steps",
        "save_total_limit": "2",
        "packing": "false",
        "packing_strategy": "bfd",
        "attn_implementation": "sdpa",
        "use_liger_kernel": "false",
        "fsdp": "false",
        "lora_r": "16",
        "lora_alpha": "32",
        "lora_dropout": "0.05",
        "lora_target_modules": "all-linear",
        "qlora_quant_type": "nf4",
        "qlora_double_quant": "true",
        "train_on": "answers",
        "doctor": "warn",
        "warm_start": "",
    },
    "dataset": {
        "new_dataset_id": "",
        "train_split_percent": "90",
        "split_seed": "42",
        "chat_template": "family",
    },
    "deploy": {
        "target": "",
        "output_dir": "./data/runs",
        "num_gpus": "1",
        "gpu_memory_gb": "",
        "max_hours": "",
        "budget_usd": "",
        "space_name": "",
        "space_flavor": "a10g-small",
        "private": "true",
        "sleep_minutes": "60",
        "job_flavor": "a10g-small",
        "timeout_minutes": "120",
    },
}


def default_forms() -> dict[str, dict[str, str]]:
    return {step: dict(fields) for step, fields in DEFAULT_FORMS.items()}


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True) if value else ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1e-4 or value == 0 else repr(value)
    return str(value)


def form_from_values(step: str, values: dict[str, Any]) -> dict[str, str]:
    """The step's form filled from typed values; fields the snapshot lacks keep defaults."""
    form = dict(DEFAULT_FORMS[step])
    for field in form:
        if field in values:
            form[field] = _as_text(values[field])
    return form


def forms_from_snapshot(snapshot: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        step.value: form_from_values(step.value, snapshot.get(step.value, {})) for step in STEPS
    }


def dataset_row(values: dict[str, Any]) -> dict[str, str]:
    """A dataset reference as the wizard keeps it: text values, empty ones left out."""
    return {key: _as_text(value) for key, value in values.items() if _as_text(value) != ""}
