"""The Job path against the fake Hub: what the app asks of the Hub, the status mapping, metrics
read from the Job's logs, and train.py in Job mode (metrics in its logs, results pushed)."""

import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from tests.fakehub.containers import run_job
from tests.fakehub.results import check_results_repo
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
from tests.trainkit.tiny_model import hub_tiny_model
from trainpkg_app.core.evaluation import card_from_summary
from trainpkg_app.db.models import Deployment, TrainingPackageVersion, utc_now
from trainpkg_app.deploy import hf_job
from trainpkg_app.deploy.records import AlreadyRunning
from trainpkg_app.settings import get_settings

REPO = "test-user/tiny-v1-job"


@pytest.fixture
def job_version(migrated, fake_hub, tmp_path, monkeypatch):
    use_fake_hub_token(monkeypatch, fake_hub)
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), job_flavor="a10g-small", timeout_minutes=90
    )
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
    assert spec["flavor"] == "a10g-small"
    assert spec["timeoutSeconds"] == 90 * 60  # sent: without it the Hub stops it at 30 minutes
    assert spec["secrets"] == {"HF_TOKEN": VALID_TOKEN}
    assert spec["environment"] == {"TRAINPKG_IN_JOB": "1"}
    assert spec["dockerImage"] == get_settings().cuda_image  # torch with CUDA is in it
    assert "torch" not in repo["files"]["package/requirements.txt"].decode().split("\n", 1)[1]
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


def test_a_job_run_on_the_strict_fake_hub_ends_with_a_loadable_results_repo(
    migrated, fake_hub, tmp_path, monkeypatch
):
    """What the Job runs, run here: its stdout becomes the Job's logs, which the app reads; the
    base model comes from the Hub; the results land at the root of the package's repo."""
    use_fake_hub_token(monkeypatch, fake_hub)
    base = hub_tiny_model(fake_hub, tmp_path)
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), job_flavor="a10g-small")
    owner, version_id = publish_for_new_user(migrated, snapshot)
    owner = give_own_token(migrated, owner)  # a member's own account pays
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    env = training_env(tmp_path / "job-cache", tmp_path) | {"HF_ENDPOINT": fake_hub.endpoint}
    env.pop("HF_HUB_OFFLINE")
    run = run_job(fake_hub, _only_job(fake_hub)["id"], [sys.executable], env, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    done = sync_run(migrated, deployment_id)
    assert done.status == "completed", done.error
    losses = [m["loss"] for m in done.metrics if "loss" in m]
    assert len(losses) == 6 and all(loss == loss for loss in losses)  # finite, not NaN
    summary = check_results_repo(fake_hub, REPO, base, tmp_path / "download")
    assert summary["status"] == "completed"
    # the evaluation card: in the results repo's summary.json, and the same on the run record
    assert len(summary["evaluation"]["samples"]) == summary["evaluation"]["eval_rows"] == 6
    assert done.evaluation == card_from_summary(summary)


def test_a_flavor_that_jobs_lack_is_refused_before_anything_is_uploaded(fake_hub):
    from huggingface_hub import HfApi

    from trainpkg_app.hub.errors import HubProblem

    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    with pytest.raises(HubProblem, match="Jobs offer no hardware 'h100x1'"):
        hf_job.check_flavor(api, "h100x1")
    hf_job.check_flavor(api, "h200x8")  # in list_jobs_hardware()


def _budget_job(migrated, fake_hub, tmp_path, monkeypatch, budget: str, estimate=None):
    use_fake_hub_token(monkeypatch, fake_hub)
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"),
        job_flavor="a10g-small",  # $1.00 an hour
        timeout_minutes=90,
        deploy={"budget_usd": budget},
    )
    owner, version_id = publish_for_new_user(migrated, snapshot)
    if estimate is not None:  # what publishing from the wizard stores
        with Session(migrated) as session:
            session.get(TrainingPackageVersion, version_id).estimated_cost = Decimal(estimate)
            session.commit()
    return give_own_token(migrated, owner), version_id


def test_a_job_whose_estimate_is_over_its_budget_cap_is_refused(
    migrated, fake_hub, tmp_path, monkeypatch
):
    owner, version_id = _budget_job(migrated, fake_hub, tmp_path, monkeypatch, "1.00", "1.50")
    with pytest.raises(AlreadyRunning, match=r"estimate \(\$1.50\) is over the budget cap"):
        start_run(migrated, owner, version_id, tmp_path / "runs")
    assert fake_hub.jobs == {}  # nothing started, nothing billed


def test_a_job_that_reaches_its_budget_cap_is_cancelled_and_says_so(
    migrated, fake_hub, tmp_path, monkeypatch
):
    owner, version_id = _budget_job(migrated, fake_hub, tmp_path, monkeypatch, "0.05")
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    job = _only_job(fake_hub)
    assert job["spec"]["timeoutSeconds"] == 3 * 60  # what $0.05 buys at $1.00 an hour
    job["stage"] = "RUNNING"
    assert sync_run(migrated, deployment_id).status == "running"
    assert job["cancels"] == 0  # under its cap so far
    with Session(migrated) as session:  # four minutes later
        deployment = session.get(Deployment, deployment_id)
        deployment.started_at = utc_now() - timedelta(minutes=4)
        session.commit()
    stopped = sync_run(migrated, deployment_id)
    assert job["cancels"] == 1
    assert stopped.error == "Stopped by the budget cap of $0.05: it had cost $0.07."
    assert sync_run(migrated, deployment_id).status == "cancelled"
    assert job["cancels"] == 1  # asked once
