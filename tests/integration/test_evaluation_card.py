"""A real CPU run of the tiny model writes an evaluation card into summary.json and the model
card: finite base and fine-tuned eval loss, their perplexity, 8 greedy generations from
held-out prompts with EM/F1; a second version of the same dataset gets the same 8 prompts."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl", reason="the training libraries come with the train extra")

from tests.trainkit.packages import published_snapshot, training_env
from trainpkg_app.core.answer_scores import SAMPLES, sample_key
from trainpkg_app.package.builder import build_package

# 40 rows, 75 % for training: 10 held out, so the card has its 8 samples and a choice to make
ROWS = [{"prompt": f"What is {n} plus {n}? ", "completion": f"It is {2 * n}."} for n in range(40)]


def _run(tmp_path: Path, hf_cache: Path, name: str, config: dict) -> dict:
    upload = tmp_path / "qa.jsonl"
    upload.write_text("\n".join(json.dumps(row) for row in ROWS))
    snapshot = published_snapshot(upload, max_steps=4, config=config)
    folder = build_package(name, snapshot, tmp_path / name, uploads=tmp_path)
    run = subprocess.run(
        [sys.executable, "train.py"],
        cwd=folder,
        env=training_env(hf_cache, tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((folder / "summary.json").read_text())
    summary["model_card"] = (folder / "output" / "README.md").read_text()
    summary["metrics"] = (folder / "metrics.jsonl").read_text()
    return summary


def test_a_cpu_run_has_a_card_and_a_second_version_the_same_prompts(tmp_path, hf_cache):
    first = _run(tmp_path, hf_cache, "tiny-v1", {"learning_rate": "0.01"})
    card = first["evaluation"]
    base, tuned = card["base"]["eval_loss"], card["tuned"]["eval_loss"]
    assert math.isfinite(base) and math.isfinite(tuned) and base != tuned
    assert card["base"]["perplexity"] == pytest.approx(math.exp(base))
    assert card["tuned"]["perplexity"] == pytest.approx(math.exp(tuned))
    assert card["improvement"] == pytest.approx((base - tuned) / base)
    assert tuned == first["eval_loss"]  # the fine-tuned loss is the run's own final eval loss
    samples = card["samples"]
    assert len(samples) == SAMPLES == 8 and card["eval_rows"] == 10
    held_out = {row["prompt"]: row["completion"] for row in ROWS}
    assert all(held_out[s["prompt"]] == s["reference"] for s in samples)
    assert all(isinstance(s["base"], str) and isinstance(s["tuned"], str) for s in samples)
    for who in ("base", "tuned"):
        assert 0 <= card["scores"][who]["exact_match"] <= card["scores"][who]["f1"] <= 1
    # the base evaluation is no training step: the metrics have no record of it
    assert "base_eval" not in first["metrics"]
    assert "## Evaluation" in first["model_card"] and samples[0]["prompt"] in first["model_card"]

    second = _run(tmp_path, hf_cache, "tiny-v2", {"learning_rate": "0.02"})
    again = second["evaluation"]
    assert [s["prompt"] for s in again["samples"]] == [s["prompt"] for s in samples]
    assert again["base"]["eval_loss"] == pytest.approx(base)  # the same base, the same split
    # greedy and seeded, with the adapter switched off: the base answers again, word for word
    assert [s["base"] for s in again["samples"]] == [s["base"] for s in samples]
    # chosen by a stable hash of the prompt text, not by position in the file
    keys = [sample_key(s["prompt"]) for s in samples]
    assert keys == sorted(keys)


def test_a_local_run_stores_its_card_on_the_record_the_version_and_the_runs_list(
    migrated, tmp_path, hf_cache
):
    """Through the app (the local backend and the monitor's sync): the card lands on the run
    record, its one-line digest on the version and in the Runs tab's list, and the compare
    view reads it; a second run of the same dataset asks the same prompts."""
    from sqlmodel import Session

    from tests.trainkit.packages import publish_for_new_user
    from tests.trainkit.runs import follow_local, start_local
    from trainpkg_app.core.evaluation import evaluation_view
    from trainpkg_app.db.models import TrainingPackageVersion
    from trainpkg_app.db.versions import list_versions
    from trainpkg_app.deploy import service
    from trainpkg_app.deploy.comparison import compared_runs

    upload = tmp_path / "qa.jsonl"
    upload.write_text("\n".join(json.dumps(row) for row in ROWS))
    owner, version_id = publish_for_new_user(migrated, published_snapshot(upload, max_steps=3))
    done_ids = []
    for attempt in ("first", "second"):
        run_id = start_local(migrated, owner, version_id, tmp_path / attempt, hf_cache)
        done = follow_local(migrated, run_id, lambda d: d.status not in service.ACTIVE)
        assert done.status == "completed", done.log_tail
        done_ids.append(str(run_id))
    card = done.evaluation
    assert math.isfinite(card["base"]["eval_loss"]) and len(card["samples"]) == 8
    view = evaluation_view(card, done.status)
    assert view.available and view.rows[0].label == "Eval loss" and len(view.samples) == 8
    with Session(migrated) as session:
        version = session.get(TrainingPackageVersion, version_id)
        line = version.training_metrics["evaluation"]
        assert line.startswith("eval loss ") and " → " in line
        summaries, _ = list_versions(session, owner_id=owner, package_id=version.package_id)
        assert summaries[0].evaluation == line
        runs = service.list_runs(session, owner_id=owner)
        assert runs[0]["evaluation"] == line
        first, second = compared_runs(session, owner_id=owner, run_ids=done_ids)
    assert [s["prompt"] for s in first.evaluation["samples"]] == [
        s["prompt"] for s in second.evaluation["samples"]
    ]
