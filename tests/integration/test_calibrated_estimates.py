"""Estimates that learn: two real tiny CPU runs store what they measured, and the third run's
estimate is calibrated by them and names them; another user's runs never calibrate it."""

import math
import uuid

from sqlmodel import Session

from tests.trainkit.packages import published_snapshot, store_uploads, write_rows
from tests.trainkit.runs import follow_local as follow
from tests.trainkit.runs import start_local as start
from trainpkg_app.db.models import Deployment, TrainingPackageVersion, User
from trainpkg_app.db.packages import create_package
from trainpkg_app.db.versions import publish_version
from trainpkg_app.deploy import service
from trainpkg_app.deploy.calibration import launch_estimate, measured_runs
from trainpkg_app.settings import get_settings


def _owner_with_package(engine) -> tuple[uuid.UUID, uuid.UUID]:
    with Session(engine) as session:
        user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        package = create_package(session, owner_id=user.id, name="calib")
        session.commit()
        return user.id, package.id


def _publish(engine, owner, package_id, snapshot) -> uuid.UUID:
    with Session(engine) as session:
        store_uploads(snapshot, get_settings().uploads_dir(owner, package_id))
        version = publish_version(
            session,
            owner_id=owner,
            package_id=package_id,
            snapshot=snapshot,
            change_summary="",
            parent_version_id=None,
        )
        session.commit()
        return version.id


def _parameters(hf_cache) -> int:
    """The tiny model's parameter count, as the model step reads it from the Hub."""
    from safetensors import safe_open

    (weights,) = hf_cache.glob("models--*/snapshots/*/*.safetensors")
    with safe_open(str(weights), framework="np") as tensors:
        return sum(math.prod(tensors.get_slice(name).get_shape()) for name in tensors.keys())  # noqa: SIM118 (not a dict)


def _snapshot(tmp_path, hf_cache, max_steps: int) -> dict:
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), max_steps)
    snapshot["model"]["parameters"] = _parameters(hf_cache)
    # as an upload is measured in the app: its rows and mean tokens a row
    snapshot["dataset"]["datasets"][0] |= {"rows": 24, "mean_tokens": 20.0}
    return snapshot


def _run(engine, owner, version_id, tmp_path, hf_cache) -> Deployment:
    deployment_id = start(engine, owner, version_id, tmp_path, hf_cache)
    done = follow(engine, deployment_id, lambda d: d.status not in service.ACTIVE)
    assert done.status == "completed", done.log_tail
    return done


def test_two_measured_runs_calibrate_the_third_estimate(migrated, tmp_path, hf_cache):
    owner, package_id = _owner_with_package(migrated)

    def published(steps: int) -> uuid.UUID:
        return _publish(migrated, owner, package_id, _snapshot(tmp_path, hf_cache, steps))

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
        stranger, _ = _owner_with_package(migrated)
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
