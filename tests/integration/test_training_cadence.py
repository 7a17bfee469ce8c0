"""A real tiny CPU run evaluates about as often as the core planned, keeps the best and the
latest checkpoint, and trains packed (bfd, padding-free) with the package's own arguments."""

import json
import subprocess
import sys

import pytest
import yaml

pytest.importorskip("trl", reason="the training libraries come with the train extra")

from tests.trainkit.packages import published_snapshot, training_env, write_rows
from trainpkg_app.core.cadence import planned_evaluations
from trainpkg_app.package.builder import build_package

STEPS = 24


def test_a_packed_run_evaluates_as_planned_and_keeps_the_best_checkpoint(tmp_path, hf_cache):
    upload = write_rows(tmp_path / "qa.jsonl")
    config = {"eval_strategy": "steps", "save_strategy": "steps", "packing": "true"}
    snapshot = published_snapshot(upload, max_steps=STEPS, config=config)
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    sft = yaml.safe_load((folder / "package.yaml").read_text())["training_arguments"]["sft"]
    assert sft["packing"] and sft["padding_free"] and sft["load_best_model_at_end"]
    run = subprocess.run(
        [sys.executable, "train.py"],
        cwd=folder,
        env=training_env(hf_cache, tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    records = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    evaluations = [r["step"] for r in records if "eval_loss" in r]
    assert planned_evaluations(STEPS) == 12
    assert evaluations == list(range(2, STEPS + 1, 2))  # every ceil(24 x 1/12) = 2 steps
    assert len([r for r in records if "loss" in r]) == STEPS  # short runs log every step
    kept = sorted(p.name for p in (folder / "checkpoints").glob("checkpoint-*"))
    assert 1 <= len(kept) <= 2 and f"checkpoint-{STEPS}" in kept  # the best and the latest
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["global_step"] == STEPS
