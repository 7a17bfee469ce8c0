"""The exports to other trainers (core/exports.py). The TRL config is loaded with TRL's own
parser (TrlParser with the dataclasses of `trl sft`, as trl/scripts/sft.py builds it). Axolotl
and LLaMA-Factory cannot be installed here, so their exports are checked against their
documented schemas, whose field names are copied below from the files cited:

- Axolotl (axolotl-ai-cloud/axolotl at 067b021c8b87a9e5e380b9173c704cf7340e30f5):
  src/axolotl/utils/schemas/{config,model,peft,training,datasets}.py (AxolotlInputConfig,
  SFTDataset, UserDefinedPrompterType) and docs/dataset-formats/.
- LLaMA-Factory (hiyouga/LLaMA-Factory at ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30):
  src/llamafactory/hparams/{model,data,finetuning}_args.py (the rest of its YAML is
  transformers' Seq2SeqTrainingArguments, installed here and checked for real), and
  data/README.md plus src/llamafactory/data/parser.py (DatasetAttr) for dataset_info.json.
"""

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from tests.trainkit.packages import published_snapshot, write_rows
from trainpkg_app.core.exports import (
    axolotl_config,
    exports,
    llama_factory_config,
    llama_factory_dataset_info,
)
from trainpkg_app.package.builder import package_spec

AXOLOTL_FIELDS = {  # config.py, model.py, peft.py, training.py
    "base_model", "adapter", "load_in_4bit", "load_in_8bit", "lora_r", "lora_alpha",
    "lora_dropout", "lora_target_modules", "datasets", "val_set_size", "sequence_len",
    "sample_packing", "train_on_inputs", "micro_batch_size", "gradient_accumulation_steps",
    "num_epochs", "max_steps", "learning_rate", "optimizer", "lr_scheduler", "warmup_steps",
    "warmup_ratio", "weight_decay", "bf16", "fp16", "gradient_checkpointing", "seed",
    "output_dir",
}  # fmt: skip
AXOLOTL_DATASET_FIELDS = {  # datasets.py SFTDataset
    "path", "split", "type", "data_files", "ds_type", "name", "field_messages",
    "message_property_mappings", "field", "chat_template", "roles_to_train",
}  # fmt: skip
AXOLOTL_PROMPTER_FIELDS = {  # datasets.py UserDefinedPrompterType
    "system_prompt", "system_format", "field_system", "field_instruction", "field_input",
    "field_output", "format", "no_input_format",
}  # fmt: skip
AXOLOTL_TYPES = {"alpaca", "chat_template", "completion"}  # docs/dataset-formats/*.qmd
LF_OWN_FIELDS = {  # model_args.py, data_args.py, finetuning_args.py
    "model_name_or_path", "model_revision", "quantization_bit", "template", "dataset",
    "dataset_dir", "cutoff_len", "val_size", "train_on_prompt", "packing", "stage",
    "finetuning_type", "lora_rank", "lora_alpha", "lora_dropout", "lora_target",
}  # fmt: skip
LF_ENTRY_FIELDS = {  # data/README.md
    "hf_hub_url", "file_name", "formatting", "subset", "split", "columns", "tags",
}  # fmt: skip
LF_COLUMNS = {"prompt", "query", "response", "history", "messages", "system", "tools"}
LF_TAGS = {"role_tag", "content_tag", "user_tag", "assistant_tag", "system_tag"}

CHAT_REF = {
    "source": "hub",
    "dataset_id": "org/chats",
    "config": "default",
    "split": "train",
    "format": "chat",
    "mapping": json.dumps({"messages": "dialog"}),
}


def _spec(tmp_path: Path, method: str = "lora", refs: list | None = None) -> dict:
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), config={"method": method})
    if refs is not None:
        snapshot["dataset"]["datasets"] = refs
    return package_spec("My Tiny", snapshot)


@pytest.fixture(params=["lora", "qlora", "full"])
def spec(request, tmp_path) -> dict:
    return _spec(tmp_path, request.param)


def _trl_parse(path: Path):
    from trl import DatasetMixtureConfig, ModelConfig, ScriptArguments, SFTConfig, TrlParser

    parser = TrlParser((ScriptArguments, SFTConfig, ModelConfig, DatasetMixtureConfig))
    return parser.parse_args_and_config(args=["--config", str(path)])


def _written(spec: dict, tmp_path: Path, suffix: str) -> Path:
    (found,) = [f for f in exports(spec) if f.filename.endswith(suffix)]
    path = tmp_path / found.filename
    path.write_text(found.text)
    return path


def test_the_trl_config_loads_with_trls_own_parser(spec, tmp_path):
    _script, sft, model, data = _trl_parse(_written(spec, tmp_path, "-trl-sft.yaml"))
    arguments = spec["training_arguments"]["sft"]
    assert model.model_name_or_path == spec["model"]["model_id"]
    assert model.model_revision == spec["model"]["revision"]
    assert sft.learning_rate == arguments["learning_rate"]
    assert sft.max_steps == arguments["max_steps"] and sft.max_length == arguments["max_length"]
    assert sft.per_device_train_batch_size == arguments["per_device_train_batch_size"]
    assert model.use_peft is (spec["config"]["method"] != "full")
    if model.use_peft:
        assert model.lora_r == spec["config"]["lora_r"]
        _targets_the_tiny_models_attention(model)
    assert model.load_in_4bit is (spec["config"]["method"] == "qlora")
    assert [(d.path, d.data_files) for d in data.datasets] == [("json", "data/qa.jsonl")]
    assert data.test_split_size == 0.25  # the 75 % train split


def _targets_the_tiny_models_attention(model_args) -> None:
    """PEFT, given what TRL parsed, finds the modules the package trained (c_attn)."""
    from peft import get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel
    from trl import get_peft_config

    base = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=50))
    peft_model = get_peft_model(base, get_peft_config(model_args))
    adapted = {n.split(".lora_A")[0] for n, _ in peft_model.named_modules() if "lora_A" in n}
    assert adapted and all(name.endswith("attn.c_attn") for name in adapted)


def test_a_hub_dataset_becomes_a_load_dataset_entry_in_trl(tmp_path):
    spec = _spec(tmp_path, refs=[CHAT_REF])
    _script, _sft, _model, data = _trl_parse(_written(spec, tmp_path, "-trl-sft.yaml"))
    (entry,) = data.datasets
    assert (entry.path, entry.name, entry.split) == ("org/chats", "default", "train")


def _axolotl_problems(config: dict) -> list[str]:
    problems = [f"unknown key {k}" for k in set(config) - AXOLOTL_FIELDS]
    for entry in config["datasets"]:
        problems += [f"unknown dataset key {k}" for k in set(entry) - AXOLOTL_DATASET_FIELDS]
        kind = entry.get("type")
        if isinstance(kind, dict):
            problems += [f"unknown prompter key {k}" for k in set(kind) - AXOLOTL_PROMPTER_FIELDS]
        elif kind not in AXOLOTL_TYPES:
            problems.append(f"unknown dataset type {kind}")
    for required in ("base_model", "datasets", "learning_rate"):  # no default in the schema
        if config.get(required) in (None, []):
            problems.append(f"{required} is missing")
    return problems


def test_the_axolotl_config_fits_axolotls_schema(spec, tmp_path):
    path = _written(spec, tmp_path, "-axolotl.yaml")
    config = yaml.safe_load(path.read_text())
    assert _axolotl_problems(config) == []
    assert config["base_model"] == spec["model"]["model_id"]
    assert config.get("adapter") == {"full": None}.get(
        spec["config"]["method"], spec["config"]["method"]
    )
    assert config["sequence_len"] == 64 and config["max_steps"] == 6
    (entry,) = config["datasets"]
    assert entry["path"] == "data/qa.jsonl" and entry["ds_type"] == "json"
    assert entry["type"]["field_output"] == "completion"


def test_a_chat_dataset_uses_axolotls_chat_template_type_with_its_column(tmp_path):
    config = axolotl_config(_spec(tmp_path, refs=[CHAT_REF]))
    assert _axolotl_problems(config) == []
    (entry,) = config["datasets"]
    assert entry == {
        "path": "org/chats",
        "name": "default",
        "split": "train",
        "type": "chat_template",
        "field_messages": "dialog",
    }


def _lf_problems(config: dict, info: dict) -> list[str]:
    from transformers import Seq2SeqTrainingArguments

    known = LF_OWN_FIELDS | {f.name for f in dataclasses.fields(Seq2SeqTrainingArguments)}
    problems = [f"unknown key {k}" for k in set(config) - known]
    for name in config["dataset"].split(","):
        entry = info.get(name)
        if entry is None:
            problems.append(f"{name} is not in dataset_info.json")
            continue
        problems += [f"unknown entry key {k}" for k in set(entry) - LF_ENTRY_FIELDS]
        problems += [f"unknown column {k}" for k in set(entry.get("columns", {})) - LF_COLUMNS]
        problems += [f"unknown tag {k}" for k in set(entry.get("tags", {})) - LF_TAGS]
        if entry.get("formatting") not in ("alpaca", "sharegpt", "openai"):
            problems.append(f"formatting {entry.get('formatting')}")
        if ("file_name" in entry) == ("hf_hub_url" in entry):
            problems.append("an entry names a file or a Hub dataset, one of them")
    return problems


def test_the_llama_factory_config_and_its_dataset_info_fit_its_schema(spec, tmp_path):
    config = yaml.safe_load(_written(spec, tmp_path, "-llamafactory.yaml").read_text())
    info = json.loads(_written(spec, tmp_path, "dataset_info.json").read_text())
    assert _lf_problems(config, info) == []
    method = spec["config"]["method"]
    assert config["finetuning_type"] == ("full" if method == "full" else "lora")
    assert (config.get("quantization_bit") == 4) is (method == "qlora")
    assert config["dataset_dir"] == "data" and config["stage"] == "sft"
    (entry,) = info.values()
    assert entry == {
        "file_name": "qa.jsonl",
        "formatting": "alpaca",
        "columns": {"prompt": "prompt", "response": "completion"},
    }


def test_a_chat_hub_dataset_is_a_sharegpt_entry_with_openai_tags(tmp_path):
    spec = _spec(tmp_path, refs=[CHAT_REF])
    info = llama_factory_dataset_info(spec)
    assert _lf_problems(llama_factory_config(spec), info) == []
    (entry,) = info.values()
    assert entry["hf_hub_url"] == "org/chats" and entry["subset"] == "default"
    assert entry["columns"] == {"messages": "dialog"}
    assert entry["tags"]["role_tag"] == "role" and entry["tags"]["assistant_tag"] == "assistant"


def test_exports_name_their_files_after_the_package(tmp_path):
    names = [f.filename for f in exports(_spec(tmp_path))]
    assert names == [
        "my-tiny-axolotl.yaml",
        "my-tiny-llamafactory.yaml",
        "dataset_info.json",
        "my-tiny-trl-sft.yaml",
    ]
