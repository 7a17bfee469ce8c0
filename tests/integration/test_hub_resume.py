"""Resume on the Hub, against the fake Hub with the real train.py: a Job or a Space lost after
it pushed a checkpoint goes on from that checkpoint, fetched from the results repo, and ends at
its planned step count."""

import os
import sys

import pytest
from sqlmodel import Session

from tests.fakehub.containers import run_job
from tests.trainkit.as_user import ROOT_NEEDED, run_the_space
from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    training_env,
    write_rows,
)
from tests.trainkit.runs import give_own_token, start_run, sync_run, use_fake_hub_token
from tests.trainkit.tiny_model import hub_tiny_model
from trainpkg_app.core.resume import latest_complete
from trainpkg_app.deploy import service

STEPS = 240  # checkpoints every 20 steps, each pushed to the results repo
SAVING = {"save_strategy": "steps"}
JOB_REPO, SPACE = "test-user/tiny-v1-job", "test-user/trainer"


def _pushed_a_checkpoint(fake_hub, repo_id: str):
    return lambda: latest_complete(fake_hub.repo("model", repo_id)["files"]) is not None


def _resume(engine, owner, deployment_id, tmp_path):
    with Session(engine) as session:
        later = service.resume(
            session, owner_id=owner, deployment_id=deployment_id, runs_dir=tmp_path / "runs"
        )
        session.commit()
        return later.id


def _published(engine, fake_hub, tmp_path, monkeypatch, **target):
    use_fake_hub_token(monkeypatch, fake_hub)
    hub_tiny_model(fake_hub, tmp_path)
    rows = write_rows(tmp_path / "qa.jsonl")
    snapshot = published_snapshot(rows, max_steps=STEPS, config=SAVING, **target)
    owner, version_id = publish_for_new_user(engine, snapshot)
    return give_own_token(engine, owner), version_id


def _went_on(done, first, saved_before: int) -> None:
    assert done.status == "completed", done.error
    assert done.resumed_from_id == first and done.resumed_from_step >= saved_before
    steps = [m["step"] for m in done.metrics if "loss" in m]
    assert steps[0] > done.resumed_from_step and steps[-1] == STEPS  # it did not start over


def test_a_lost_job_resumes_from_the_checkpoint_it_pushed(
    migrated, fake_hub, tmp_path, monkeypatch
):
    owner, version_id = _published(
        migrated, fake_hub, tmp_path, monkeypatch, job_flavor="a10g-small"
    )
    first, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    env = training_env(tmp_path / "job-cache", tmp_path) | {"HF_ENDPOINT": fake_hub.endpoint}
    env.pop("HF_HUB_OFFLINE")
    (job_id,) = fake_hub.jobs
    lost = run_job(
        fake_hub, job_id, [sys.executable], env, tmp_path, _pushed_a_checkpoint(fake_hub, JOB_REPO)
    )
    assert lost.returncode != 0  # killed: the Job ends in ERROR
    assert sync_run(migrated, first).status == "failed"
    saved = latest_complete(fake_hub.repo("model", JOB_REPO)["files"])

    second = _resume(migrated, owner, first, tmp_path)
    (next_job,) = set(fake_hub.jobs) - {job_id}
    run = run_job(fake_hub, next_job, [sys.executable], env, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"Fetching checkpoint-{saved} from {JOB_REPO} to resume." in run.stdout
    _went_on(sync_run(migrated, second), first, saved)


@pytest.mark.skipif(os.geteuid() != 0, reason=ROOT_NEEDED)
def test_a_lost_space_resumes_from_the_checkpoint_it_pushed(
    migrated, fake_hub, tmp_path, monkeypatch, uid1000_root
):
    owner, version_id = _published(migrated, fake_hub, tmp_path, monkeypatch, space=SPACE)
    results = f"{SPACE}-results"
    first, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    lost = run_the_space(fake_hub, SPACE, uid1000_root, _pushed_a_checkpoint(fake_hub, results))
    assert lost.returncode != 0 and fake_hub.repo("space", SPACE)["stage"] == "RUNTIME_ERROR"
    assert sync_run(migrated, first).status == "failed"
    saved = latest_complete(fake_hub.repo("model", results)["files"])

    second = _resume(migrated, owner, first, tmp_path)
    assert sync_run(migrated, second).status == "pending"  # rebuilding, not the last run's end
    assert "summary.json" not in fake_hub.repo("model", results)["files"]
    run = run_the_space(fake_hub, SPACE, uid1000_root)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"Fetching checkpoint-{saved} from {results} to resume." in run.stdout
    _went_on(sync_run(migrated, second), first, saved)
