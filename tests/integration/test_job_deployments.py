"""The Job path against the fake Hub: what the app asks of the Hub, the status mapping, metrics
read from the Job's logs, and train.py in Job mode (metrics in its logs, results pushed)."""

import json
import subprocess
import sys

import pytest

from tests.fakehub.server import VALID_TOKEN
from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    training_env,
    write_rows,
)
from tests.trainkit.runs import (
    cancel_run,
    give_own_token,
    start_run,
    sync_run,
    use_fake_hub_token,
)
from tests.trainkit.tiny_model import build_tiny_model
from trainpkg_app.deploy import hf_job

REPO = "test-user/tiny-v1-job"


@pytest.fixture
def job_version(migrated, fake_hub, tmp_path, monkeypatch):
    use_fake_hub_token(monkeypatch, fake_hub)
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), job_flavor="a10g-small")
    owner, version = publish_for_new_user(migrated, snapshot)
    return give_own_token(migrated, owner), version


def _only_job(fake_hub) -> dict:
    (job,) = fake_hub.jobs.values()
    return job


def test_starting_a_job_uploads_the_package_and_runs_it(migrated, fake_hub, job_version, tmp_path):
    owner, version_id = job_version
    deployment_id, url = start_run(migrated, owner, version_id, tmp_path / "runs")
    repo = fake_hub.repo("model", REPO)
    assert repo["private"]
    assert {"package/train.py", "package/package.yaml", "package/data/qa.jsonl"} <= set(
        repo["files"]
    )
    assert "results_repo: test-user/tiny-v1-job" in repo["files"]["package/package.yaml"].decode()
    job = _only_job(fake_hub)
    spec = job["spec"]
    assert spec["flavor"] == "a10g-small" and spec["timeoutSeconds"] == 30 * 60
    assert spec["secrets"] == {"HF_TOKEN": VALID_TOKEN}
    assert spec["environment"] == {"TRAINPKG_IN_JOB": "1"}
    assert spec["dockerImage"] == hf_job.IMAGE
    assert "hf download test-user/tiny-v1-job" in spec["command"][-1]
    assert url == f"{fake_hub.endpoint}/jobs/test-user/{job['id']}"
    assert sync_run(migrated, deployment_id).status == "pending"  # SCHEDULING


def test_a_job_is_followed_through_its_logs_to_completion_with_its_cost(
    migrated, fake_hub, job_version, tmp_path
):
    owner, version_id = job_version
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    job = _only_job(fake_hub)
    job["stage"] = "RUNNING"
    fake_hub.job_log(job["id"], "Collecting torch")
    fake_hub.job_log(job["id"], 'TRAINPKG_METRICS {"step": 1, "max_steps": 2, "loss": 2.5}')
    running = sync_run(migrated, deployment_id)
    assert running.status == "running"
    assert running.metrics == [{"step": 1, "max_steps": 2, "loss": 2.5}]
    assert "Collecting torch" in running.log_tail
    fake_hub.job_log(job["id"], 'TRAINPKG_SUMMARY {"status": "completed"}')
    job["stage"], job["running_secs"] = "COMPLETED", 150
    done = sync_run(migrated, deployment_id)
    assert done.status == "completed"
    assert float(done.actual_cost) == pytest.approx(3 * 1.00 / 60, abs=1e-4)  # 3 started minutes


def test_a_job_error_fails_the_run_with_the_hub_message(migrated, fake_hub, job_version, tmp_path):
    owner, version_id = job_version
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    job = _only_job(fake_hub)
    job["stage"], job["message"] = "ERROR", "Out of memory"
    done = sync_run(migrated, deployment_id)
    assert done.status == "failed"
    assert "ERROR: Out of memory" in done.error


def test_cancel_cancels_the_job(migrated, fake_hub, job_version, tmp_path):
    owner, version_id = job_version
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    cancel_run(migrated, owner, deployment_id)
    assert _only_job(fake_hub)["cancels"] == 1
    assert sync_run(migrated, deployment_id).status == "cancelled"


def test_a_job_needs_a_token(migrated, fake_hub, tmp_path):
    from trainpkg_app.deploy.records import AlreadyRunning

    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), job_flavor="t4-small")
    owner, version_id = publish_for_new_user(migrated, snapshot)
    with pytest.raises(AlreadyRunning, match="needs a Hugging Face token"):
        start_run(migrated, owner, version_id, tmp_path / "runs")


def test_train_py_in_a_job_logs_its_metrics_and_pushes_its_results(
    migrated, fake_hub, job_version, tmp_path
):
    """What the Job runs, run here: its stdout becomes the Job's logs, which the app reads."""
    owner, version_id = job_version
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    job = _only_job(fake_hub)
    model = build_tiny_model(tmp_path / "models")
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), model_folder=model, job_flavor="a10g-small"
    )
    from trainpkg_app.package.builder import build_package

    folder = build_package(
        "tiny-v1", snapshot, tmp_path / "pkg", results_repo=REPO, uploads=tmp_path
    )
    env = training_env(tmp_path / "unused-cache", tmp_path)
    env.pop("HF_HUB_OFFLINE")
    env |= {"TRAINPKG_IN_JOB": "1", "HF_TOKEN": VALID_TOKEN, "HF_ENDPOINT": fake_hub.endpoint}
    run = subprocess.run(
        [sys.executable, "train.py"], cwd=folder, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-3000:]
    job["stage"], job["running_secs"] = "RUNNING", 20
    for line in run.stdout.splitlines():
        fake_hub.job_log(job["id"], line)
    job["stage"] = "COMPLETED"
    done = sync_run(migrated, deployment_id)
    assert done.status == "completed", done.error
    losses = [m["loss"] for m in done.metrics if "loss" in m]
    assert len(losses) >= 6 and all(loss == loss for loss in losses)  # finite, not NaN
    files = fake_hub.repo("model", REPO)["files"]
    assert json.loads(files["summary.json"])["status"] == "completed"
    assert "output/adapter_model.safetensors" in files
