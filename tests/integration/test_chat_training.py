"""A real CPU run of a tiny Llama-architecture model with a ChatML template, from a local
folder, on a conversational and an Alpaca file: the saved tokenizer carries the template (the
model's own, or the one chosen for a base model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.trainkit.packages import published_snapshot, training_env, write_rows
from tests.trainkit.tiny_llama import build_tiny_llama
from trainpkg_app.core.chat_format import TEMPLATES
from trainpkg_app.package.builder import build_package

CHATML = TEMPLATES["chatml"][1]
CHAT_ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {n} plus {n}?"},
            {"role": "assistant", "content": f"It is {2 * n}."},
        ]
    }
    for n in range(16)
]
ALPACA_ROWS = [
    {"instruction": f"Add {n} and {n}.", "input": "", "output": f"{2 * n}"} for n in range(16)
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows))
    return path


def _dataset(path: Path, kind: str, mapping: dict) -> dict:
    return {
        "source": "upload",
        "dataset_id": path.name,
        "upload_id": path.name,
        "format": kind,
        "mapping": mapping,
    }


@pytest.mark.parametrize(
    ("own", "choice", "saved_template"),
    [(CHATML, "family", CHATML), (None, "llama3", TEMPLATES["llama3"][1])],
    ids=["the model's ChatML", "a base model, Llama 3 chosen"],
)
def test_a_chat_and_an_alpaca_file_train_in_one_template(tmp_path, own, choice, saved_template):
    llama_folder = build_tiny_llama(tmp_path / "model", own)
    chat = _write(tmp_path / "chat.jsonl", CHAT_ROWS)
    alpaca = _write(tmp_path / "alpaca.jsonl", ALPACA_ROWS)
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"),
        max_steps=4,
        model_folder=llama_folder,
        config={"lora_target_modules": "q_proj, v_proj"},
    )
    mapping = {"instruction": "instruction", "input": "input", "output": "output"}
    snapshot["dataset"]["chat_template"] = choice
    snapshot["dataset"]["datasets"] = [
        _dataset(chat, "chat", {"messages": "messages"}),
        _dataset(alpaca, "alpaca", mapping),
    ]
    folder = build_package("chat-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    spec = yaml.safe_load((folder / "package.yaml").read_text())
    assert spec["config"]["train_on"] == "answers"
    assert spec["dataset"]["chat_template"] == choice
    run = subprocess.run(
        [sys.executable, "train.py"],
        cwd=folder,
        env=training_env(tmp_path / "no-cache", tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["global_step"] == 4
    card = summary["evaluation"]  # chat samples go through the chat template, with EM/F1
    assert card["eval_rows"] == 8 and len(card["samples"]) == 8
    assert all(s["reference"] and s["prompt"] for s in card["samples"])
    assert set(card["scores"]) == {"base", "tuned"}
    saved = json.loads((folder / "output" / "tokenizer_config.json").read_text())
    template = saved.get("chat_template") or (folder / "output" / "chat_template.jinja").read_text()
    assert template == saved_template
