"""Local runs recorded in the database: complete, one at a time, cancel, crash, restart."""

import json
import math
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    write_rows,
)
from tests.trainkit.runs import follow_local as follow
from tests.trainkit.runs import start_local as start
from trainpkg_app.db.models import Deployment, TrainingPackageVersion, utc_now
from trainpkg_app.deploy import service


@pytest.fixture
def published(migrated, tmp_path):
    """An owner and a published version whose snapshot trains the tiny model."""

    def publish(max_steps=6, max_hours="", config=None) -> tuple[uuid.UUID, uuid.UUID]:
        rows = write_rows(tmp_path / "qa.jsonl")
        snapshot = published_snapshot(rows, max_steps, max_hours, config=config)
        return publish_for_new_user(migrated, snapshot)

    return publish


def test_a_local_run_completes_and_records_metrics_and_runtime(
    migrated, published, tmp_path, hf_cache, monkeypatch
):
    from trainpkg_app.settings import get_settings

    monkeypatch.setattr(get_settings(), "local_usd_per_hour", 3600.0)  # $1 a second, to see it
    owner, version_id = published()
    deployment_id = start(migrated, owner, version_id, tmp_path, hf_cache)
    done = follow(migrated, deployment_id, lambda d: d.status not in service.ACTIVE)
    assert done.status == "completed", done.log_tail
    losses = [m["loss"] for m in done.metrics if "loss" in m]
    assert len(losses) == 6 and all(math.isfinite(loss) for loss in losses)
    assert (
        tmp_path / "runs" / str(deployment_id) / "output" / "adapter_model.safetensors"
    ).is_file()
    with Session(migrated) as session:
        version = session.get(TrainingPackageVersion, version_id)
        assert version.training_status == "completed"
        assert version.training_metrics["steps"] == 6
        runtime_h = version.training_metrics["runtime_h"]
        assert runtime_h > 0
        assert float(version.actual_cost) == pytest.approx(runtime_h * 3600, rel=0.01, abs=0.01)


def test_one_active_run_per_version(migrated, published, tmp_path, hf_cache):
    owner, version_id = published(max_steps=400)
    deployment_id = start(migrated, owner, version_id, tmp_path, hf_cache)
    with pytest.raises(service.AlreadyRunning, match="is already being trained"):
        start(migrated, owner, version_id, tmp_path / "second", hf_cache)
    with Session(migrated) as session:
        service.cancel(session, owner_id=owner, deployment_id=deployment_id)
        session.commit()
    follow(migrated, deployment_id, lambda d: d.status not in service.ACTIVE)


def test_cancel_mid_run_gives_cancelled(migrated, published, tmp_path, hf_cache):
    owner, version_id = published(max_steps=400)
    deployment_id = start(migrated, owner, version_id, tmp_path, hf_cache)
    follow(migrated, deployment_id, lambda d: bool(d.metrics))
    with Session(migrated) as session:
        service.cancel(session, owner_id=owner, deployment_id=deployment_id)
        session.commit()
    done = follow(migrated, deployment_id, lambda d: d.status not in service.ACTIVE)
    assert done.status == "cancelled", done.log_tail
    assert 0 < len(done.metrics) < 400


def test_a_killed_runner_gives_failed_with_its_log(migrated, published, tmp_path, hf_cache):
    owner, version_id = published(max_steps=400)
    deployment_id = start(migrated, owner, version_id, tmp_path, hf_cache)
    running = follow(migrated, deployment_id, lambda d: bool(d.metrics))
    os.killpg(running.pid, signal.SIGKILL)
    done = follow(migrated, deployment_id, lambda d: d.status not in service.ACTIVE)
    assert done.status == "failed"
    assert done.error == "The training process ended without a summary."
    assert done.log_tail


def test_a_stale_running_record_fails_at_start_up(migrated, published, tmp_path):
    _owner, version_id = published()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    run_dir = tmp_path / "stale-run"
    run_dir.mkdir()
    (run_dir / "train.log").write_text("step 3 of 10\nthe machine rebooted\n")
    with Session(migrated) as session:
        session.add(
            Deployment(
                version_id=version_id,
                target="local",
                status="running",
                pid=gone.pid,
                run_dir=str(run_dir),
                started_at=utc_now(),
            )
        )
        session.commit()
        assert service.reconcile(session) == 1
        session.commit()
        stale = session.exec(select(Deployment)).one()
        assert stale.status == "failed"
        assert "the machine rebooted" in stale.log_tail


def test_the_time_cap_stops_the_run(migrated, published, tmp_path, hf_cache):
    # 7.2 s, while 100 000 steps take minutes even on a fast machine (about 150 steps/s)
    owner, version_id = published(max_steps=100_000, max_hours="0.002")
    deployment_id = start(migrated, owner, version_id, tmp_path, hf_cache)
    done = follow(migrated, deployment_id, lambda d: d.status not in service.ACTIVE)
    assert done.status == "cancelled", done.log_tail
    assert done.error == "Stopped by the time cap of 0.002 h."


def test_the_doctor_stops_a_run_whose_loss_turns_nan(migrated, published, tmp_path, hf_cache):
    """Doctor mode "stop": a NaN loss, written as the runner writes one (json.dumps gives the
    bare NaN token), is stored JSON-safe (PostgreSQL refuses the token), ends the run, and the
    record says why."""
    # it logs about every 1 % of the steps: the first record comes early, the end much later
    owner, version_id = published(max_steps=1_000, config={"doctor": "stop"})
    deployment_id = start(migrated, owner, version_id, tmp_path, hf_cache)
    running = follow(migrated, deployment_id, lambda d: bool(d.metrics))
    nan_step = running.metrics[-1]["step"] + 1
    with (Path(running.run_dir) / "metrics.jsonl").open("a") as metrics:  # as train.py appends
        metrics.write(json.dumps({"step": nan_step, "loss": math.nan}) + "\n")
    done = follow(migrated, deployment_id, lambda d: d.status not in service.ACTIVE)
    assert done.status == "cancelled", done.log_tail
    assert done.error.startswith(f"Stopped by the training doctor at step {nan_step}: ")
    assert "NaN" in done.error and "Fix: " in done.error
    assert {"step": nan_step, "loss": "NaN"} in done.metrics


def test_only_one_worker_follows_a_run(migrated, published):
    _owner, version_id = published()
    with Session(migrated) as session:
        deployment = Deployment(version_id=version_id, target="local", status="running")
        session.add(deployment)
        session.commit()
        assert service.claim(session, deployment.id, "worker-a")
        assert not service.claim(session, deployment.id, "worker-b")
        assert service.claim(session, deployment.id, "worker-a")  # renewing its own lease
        assert service.claim(session, deployment.id, "worker-b", ttl_s=0) is False
        session.commit()


def test_an_expired_lease_is_taken_over(migrated, published):
    _owner, version_id = published()
    with Session(migrated) as session:
        deployment = Deployment(version_id=version_id, target="local", status="running")
        session.add(deployment)
        session.commit()
        assert service.claim(session, deployment.id, "worker-a", ttl_s=-1)  # already expired
        assert service.claim(session, deployment.id, "worker-b")
        session.commit()
