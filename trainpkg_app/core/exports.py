"""A trained package as a config for the trainers people already use: an Axolotl YAML, a
LLaMA-Factory YAML with its ``dataset_info.json`` entries, and a TRL ``trl sft --config`` file.
Pure mappings from the run's package.yaml (its spec); an uploaded dataset is named by its path
in the package (``data/<file>``), so the configs run from an unzipped package folder."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from pydantic import BaseModel

from trainpkg_app.core.names import slugify

AXOLOTL_TYPES = {  # our format -> Axolotl's dataset type (docs/dataset-formats/)
    "alpaca": "alpaca",
    "text": "completion",
}
LF_DATASET_DIR = "data"  # where the package keeps uploads, and so dataset_info.json
KINDS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


class ExportFile(BaseModel):
    filename: str
    text: str
    label: str  # what the UI calls it


def _sft(spec: dict) -> dict[str, Any]:
    return spec["training_arguments"]["sft"]


def _method(spec: dict) -> str:
    return spec["config"].get("method", "lora")


def _lora(spec: dict) -> dict[str, Any]:
    return spec["training_arguments"].get("lora") or {}


def _warmup(sft: dict) -> dict[str, Any]:
    """Our warmup_steps (a float below 1 is a ratio, as transformers reads it)."""
    value = sft.get("warmup_steps") or 0
    return {"warmup_ratio": value} if 0 < value < 1 else {"warmup_steps": int(value)}


def _validation_share(spec: dict) -> float:
    return round(1 - float(spec["dataset"].get("train_split_percent", 100)) / 100, 4)


def _header(spec: dict, tool: str) -> str:
    model = spec["model"]
    return (
        f"# {tool} config exported by Training Packages from {spec['name']}\n"
        f"# base model {model['model_id']} at revision {model.get('revision') or 'main'}\n"
    )


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# --- Axolotl ------------------------------------------------------------------------------


def _axolotl_dataset(ref: dict) -> dict[str, Any]:
    mapping = ref.get("mapping") or {}
    entry: dict[str, Any] = {"path": ref.get("path") or ref["dataset_id"]}
    if ref.get("source") == "upload":
        entry["ds_type"] = KINDS.get(_suffix(entry["path"]), "json")
    else:
        entry |= {"name": ref.get("config"), "split": ref.get("split") or "train"}
        entry = {k: v for k, v in entry.items() if v is not None}
    kind = ref.get("format") or "text"
    if kind in ("chat", "sharegpt"):
        entry |= {
            "type": "chat_template",
            "field_messages": mapping.get(_messages(kind), _messages(kind)),
        }
        if kind == "sharegpt":
            entry["message_property_mappings"] = {"role": "from", "content": "value"}
    elif kind == "prompt_completion":
        entry["type"] = {
            "field_instruction": mapping.get("prompt", "prompt"),
            "field_output": mapping.get("completion", "completion"),
            "format": "{instruction}",
            "no_input_format": "{instruction}",
        }
    elif kind == "text":
        entry |= {"type": "completion", "field": mapping.get("text", "text")}
    else:
        entry["type"] = AXOLOTL_TYPES.get(kind, kind)
    return entry


def _messages(kind: str) -> str:
    return "conversations" if kind == "sharegpt" else "messages"


def _suffix(path: str) -> str:
    return "." + path.rpartition(".")[2] if "." in path else ""


def axolotl_config(spec: dict) -> dict[str, Any]:
    sft, lora, method = _sft(spec), _lora(spec), _method(spec)
    config: dict[str, Any] = {"base_model": spec["model"]["model_id"]}
    if method in ("lora", "qlora"):
        config |= {
            "adapter": method,
            "load_in_4bit": method == "qlora",
            "lora_r": lora.get("r"),
            "lora_alpha": lora.get("lora_alpha"),
            "lora_dropout": lora.get("lora_dropout"),
            "lora_target_modules": lora.get("target_modules"),
        }
    config |= {
        "datasets": [_axolotl_dataset(ref) for ref in spec["dataset"]["datasets"]],
        "val_set_size": _validation_share(spec),
        "sequence_len": sft.get("max_length"),
        "sample_packing": bool(sft.get("packing")),
        "train_on_inputs": spec["config"].get("train_on") == "all",
        "micro_batch_size": sft.get("per_device_train_batch_size"),
        "gradient_accumulation_steps": sft.get("gradient_accumulation_steps"),
        "num_epochs": sft.get("num_train_epochs"),
        "learning_rate": sft.get("learning_rate"),
        "optimizer": sft.get("optim"),
        "lr_scheduler": sft.get("lr_scheduler_type"),
        **_warmup(sft),
        "weight_decay": sft.get("weight_decay"),
        "bf16": bool(sft.get("bf16")),
        "fp16": bool(sft.get("fp16")),
        "gradient_checkpointing": bool(sft.get("gradient_checkpointing")),
        "seed": sft.get("seed"),
        "output_dir": f"./outputs/{slugify(spec['name'])}",
    }
    if (sft.get("max_steps") or 0) > 0:
        config["max_steps"] = sft["max_steps"]
    return config


# --- LLaMA-Factory ----------------------------------------------------------------------


def _lf_name(spec: dict, index: int) -> str:
    return f"{slugify(spec['name'])}_{index}"


def _lf_entry(ref: dict) -> dict[str, Any]:
    """One dataset_info.json entry (LLaMA-Factory data/README.md)."""
    mapping = ref.get("mapping") or {}
    kind = ref.get("format") or "text"
    where = (
        {"file_name": ref["path"].removeprefix(f"{LF_DATASET_DIR}/")}
        if ref.get("source") == "upload"
        else {"hf_hub_url": ref["dataset_id"], "split": ref.get("split") or "train"}
        | ({"subset": ref["config"]} if ref.get("config") else {})
    )
    if kind == "chat":
        return where | {
            "formatting": "sharegpt",
            "columns": {"messages": mapping.get("messages", "messages")},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
                "system_tag": "system",
            },
        }
    if kind == "sharegpt":
        return where | {
            "formatting": "sharegpt",
            "columns": {"messages": mapping.get("conversations", "conversations")},
        }
    columns = {
        "alpaca": {
            "prompt": mapping.get("instruction", "instruction"),
            "query": mapping.get("input", "input"),
            "response": mapping.get("output", "output"),
        },
        "prompt_completion": {
            "prompt": mapping.get("prompt", "prompt"),
            "response": mapping.get("completion", "completion"),
        },
        "text": {"prompt": mapping.get("text", "text")},  # pre-training rows (stage pt)
    }[kind]
    return where | {"formatting": "alpaca", "columns": columns}


def llama_factory_dataset_info(spec: dict) -> dict[str, Any]:
    return {
        _lf_name(spec, n): _lf_entry(ref) for n, ref in enumerate(spec["dataset"]["datasets"], 1)
    }


def llama_factory_config(spec: dict) -> dict[str, Any]:
    sft, lora, method = _sft(spec), _lora(spec), _method(spec)
    model = spec["model"]
    config: dict[str, Any] = {"model_name_or_path": model["model_id"]}
    if model.get("revision"):
        config["model_revision"] = model["revision"]
    every_row_text = all(
        (ref.get("format") or "text") == "text" for ref in spec["dataset"]["datasets"]
    )
    config |= {
        "stage": "pt" if every_row_text else "sft",
        "do_train": True,
        "finetuning_type": "full" if method == "full" else "lora",
    }
    if method in ("lora", "qlora"):
        config |= {
            "lora_rank": lora.get("r"),
            "lora_alpha": lora.get("lora_alpha"),
            "lora_dropout": lora.get("lora_dropout"),
            "lora_target": ",".join(lora.get("target_modules") or []) or "all",
        }
    if method == "qlora":
        config["quantization_bit"] = 4
    config |= {
        "dataset": ",".join(llama_factory_dataset_info(spec)),
        "dataset_dir": LF_DATASET_DIR,
        "template": "default",
        "cutoff_len": sft.get("max_length"),
        "val_size": _validation_share(spec),
        "train_on_prompt": spec["config"].get("train_on") == "all",
        "packing": bool(sft.get("packing")),
        "output_dir": f"saves/{slugify(spec['name'])}",
        "per_device_train_batch_size": sft.get("per_device_train_batch_size"),
        "gradient_accumulation_steps": sft.get("gradient_accumulation_steps"),
        "learning_rate": sft.get("learning_rate"),
        "num_train_epochs": float(sft.get("num_train_epochs") or 1),
        "lr_scheduler_type": sft.get("lr_scheduler_type"),
        "optim": sft.get("optim"),
        **_warmup(sft),
        "weight_decay": sft.get("weight_decay"),
        "bf16": bool(sft.get("bf16")),
        "fp16": bool(sft.get("fp16")),
        "gradient_checkpointing": bool(sft.get("gradient_checkpointing")),
        "seed": sft.get("seed"),
        "logging_steps": 10,
        "report_to": "none",
    }
    if (sft.get("max_steps") or 0) > 0:
        config["max_steps"] = sft["max_steps"]
    return config


# --- TRL --------------------------------------------------------------------------------


def _trl_dataset(ref: dict) -> dict[str, Any]:
    """A DatasetMixtureConfig entry (trl/scripts/utils.py DatasetConfig: load_dataset's args)."""
    if ref.get("source") == "upload":
        return {"path": KINDS.get(_suffix(ref["path"]), "json"), "data_files": ref["path"]}
    entry = {"path": ref["dataset_id"], "name": ref.get("config"), "split": ref.get("split")}
    return {k: v for k, v in entry.items() if v}


def _trl_targets(modules: list[str]) -> list[str] | None:
    """TRL's ModelConfig turns a one-item list into a string, which PEFT reads as a regex that
    must match the whole module name: so one module is written as that regex."""
    if len(modules) == 1 and modules[0] != "all-linear":
        return [rf".*\.{re.escape(modules[0])}"]
    return modules or None


def trl_sft_config(spec: dict) -> dict[str, Any]:
    sft, lora, method, model = _sft(spec), _lora(spec), _method(spec), spec["model"]
    config: dict[str, Any] = {"model_name_or_path": model["model_id"]}
    if model.get("revision"):
        config["model_revision"] = model["revision"]
    attention = spec["training_arguments"].get("model", {}).get("attn_implementation")
    if attention:
        config["attn_implementation"] = attention
    if method in ("lora", "qlora"):
        config |= {
            "use_peft": True,
            "lora_r": lora.get("r"),
            "lora_alpha": lora.get("lora_alpha"),
            "lora_dropout": lora.get("lora_dropout"),
            "lora_target_modules": _trl_targets(lora.get("target_modules") or []),
        }
    if method == "qlora":
        config |= {"load_in_4bit": True, "bnb_4bit_quant_type": spec["config"]["qlora_quant_type"]}
    config |= {
        "datasets": [_trl_dataset(ref) for ref in spec["dataset"]["datasets"]],
        "test_split_size": _validation_share(spec) or None,
    }
    kept = {k: v for k, v in sft.items() if k not in ("logging_steps", "logging_strategy")}
    config |= kept | {"output_dir": f"outputs/{slugify(spec['name'])}"}
    return {k: v for k, v in config.items() if v is not None}


def exports(spec: dict) -> list[ExportFile]:
    """Every export of the package, as the files a user downloads."""
    slug = slugify(spec["name"])
    info = json.dumps(llama_factory_dataset_info(spec), indent=2)
    return [
        ExportFile(
            filename=f"{slug}-axolotl.yaml",
            text=_header(spec, "Axolotl") + _dump(axolotl_config(spec)),
            label="Axolotl YAML",
        ),
        ExportFile(
            filename=f"{slug}-llamafactory.yaml",
            text=_header(spec, "LLaMA-Factory") + _dump(llama_factory_config(spec)),
            label="LLaMA-Factory YAML",
        ),
        ExportFile(
            filename="dataset_info.json",
            text=info + "\n",
            label="LLaMA-Factory dataset_info.json (put it in data/)",
        ),
        ExportFile(
            filename=f"{slug}-trl-sft.yaml",
            text=_header(spec, "TRL (trl sft --config)") + _dump(trl_sft_config(spec)),
            label="TRL sft config",
        ),
    ]
