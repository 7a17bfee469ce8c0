"""The fake Hub's check of a results repo: downloaded with the real client into a folder, it
must load as the Hub's users load it (PEFT's documented layout: adapter_config.json and
adapter_model.safetensors at the root), and its model card must link it to its base model."""

from __future__ import annotations

from pathlib import Path

import yaml


def download(endpoint: str, token: str, repo_id: str, into: Path) -> Path:
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(repo_id, endpoint=endpoint, token=token, local_dir=into))


def load_adapter(folder: Path, base_folder: Path):
    """PeftModel.from_pretrained(base, folder): the trained adapter on its base model."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(base_folder)
    model = PeftModel.from_pretrained(base, folder)
    return model, AutoTokenizer.from_pretrained(folder)


def card_metadata(folder: Path) -> dict:
    """The YAML front matter of the model card (README.md)."""
    text = (folder / "README.md").read_text()
    assert text.startswith("---\n"), "the model card has no metadata block"
    return yaml.safe_load(text.split("---\n")[1])


def check_results_repo(hub, repo_id: str, base_folder: Path, into: Path) -> dict:
    """Everything a user of the results repo relies on; returns its summary.json."""
    import json

    from tests.fakehub.server import VALID_TOKEN

    files = hub.repo("model", repo_id)["files"]
    for name in ["adapter_config.json", "adapter_model.safetensors", "training_metrics.jsonl"]:
        assert name in files, f"{name} is not at the root of {repo_id}: {sorted(files)}"
    assert not any(name.startswith("output/") for name in files)
    folder = download(hub.endpoint, VALID_TOKEN, repo_id, into)
    model, tokenizer = load_adapter(folder, base_folder)
    trained = [p for name, p in model.named_parameters() if "lora_B" in name]
    assert trained and any(p.abs().sum() > 0 for p in trained), "the adapter is untrained"
    base_tokenizer = type(tokenizer).from_pretrained(base_folder)
    assert tokenizer.chat_template == base_tokenizer.chat_template
    summary = json.loads((folder / "summary.json").read_text())
    metadata = card_metadata(folder)
    spec = yaml.safe_load((folder / "package.yaml").read_text())
    assert metadata["base_model"] == spec["model"]["model_id"]
    assert metadata["library_name"] == "peft"
    card = (folder / "README.md").read_text()
    assert f"final train loss: {summary['training_loss']}" in card
    assert f"final eval loss: {summary['eval_loss']}" in card and summary["eval_loss"] > 0
    assert spec["name"] in card and "learning_rate: 0.01" in card
    return summary
