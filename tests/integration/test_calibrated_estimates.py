"""Estimates that learn: two real tiny CPU runs store what they measured, and the third run's
estimate is calibrated by them and names them; another user's runs never calibrate it."""

import uuid

from sqlmodel import Session

from tests.trainkit.packages import (
    measured_snapshot,
    new_owner_with_package,
    publish_next_version,
    write_rows,
)
from tests.trainkit.runs import follow_local as follow
from tests.trainkit.runs import start_local as start
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.deploy import service
from trainpkg_app.deploy.calibration import launch_estimate, measured_runs


def _run(engine, owner, version_id, tmp_path, hf_cache) -> Deployment:
    deployment_id = start(engine, owner, version_id, tmp_path, hf_cache)
    done = follow(engine, deployment_id, lambda d: d.status not in service.ACTIVE)
    assert done.status == "completed", done.log_tail
    return done


def test_two_measured_runs_calibrate_the_third_estimate(migrated, tmp_path, hf_cache):
    owner, package_id = new_owner_with_package(migrated, "calib")

    def published(steps: int) -> uuid.UUID:
        snapshot = measured_snapshot(write_rows(tmp_path / "qa.jsonl"), hf_cache, steps)
        return publish_next_version(migrated, owner, package_id, snapshot)

    first = _run(migrated, owner, published(6), tmp_path, hf_cache)
    assert first.estimate["run_ids"] == []  # nothing measured yet: the static estimate
    assert first.estimate["basis"].startswith("Static estimate: no measured run of a sub-0.3B")
    measured = first.measured
    assert measured["hardware"] == "local:cpu" and measured["method"] == "lora"
    assert measured["tokens"] > 0 and measured["tokens_per_s"] > 0  # TRL's num_tokens
    assert measured["wall_s"] >= measured["train_s"] > 0
    assert any("num_tokens" in record for record in first.metrics)  # the compare axis

    second = _run(migrated, owner, published(8), tmp_path, hf_cache)
    assert second.estimate["run_ids"] == [str(first.id)]
    assert second.estimate["hours"] > 0

    third_version = published(10)
    with Session(migrated) as session:
        estimate = launch_estimate(
            session, owner, session.get(TrainingPackageVersion, third_version)
        )
        stranger, _ = new_owner_with_package(migrated, "calib")
        assert measured_runs(session, owner_id=stranger) == []  # data stays with its owner
    assert sorted(estimate["run_ids"]) == sorted([str(first.id), str(second.id)])
    assert estimate["basis"].startswith(
        "Calibrated by 2 runs of sub-0.3B-class models on this machine's CPU, median tokens/s"
    )
    assert "calib-v1" in estimate["basis"] and "calib-v2" in estimate["basis"]

    third = start(migrated, owner, third_version, tmp_path, hf_cache)
    with Session(migrated) as session:
        recorded = session.get(Deployment, third)
        assert sorted(recorded.estimate["run_ids"]) == sorted(estimate["run_ids"])
    follow(migrated, third, lambda d: d.status not in service.ACTIVE)
    with Session(migrated) as session:
        rows = service.list_runs(session, owner_id=owner)
    assert [row["estimate_basis"] for row in rows] == ["calibrated", "calibrated", "static"]
    # the calibrated runs have a time to compare; this machine's static estimate has none
    assert [row["time_error"].endswith("%") for row in rows] == [True, True, False]
    print(
        "estimate vs actual:",
        [(r["estimated_time"], r["actual_time"], r["time_error"]) for r in rows],
    )
