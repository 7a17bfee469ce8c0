"""The run record in the database, whatever the target: register a run (one active per
version), read its target settings, finish it with its actual cost."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from trainpkg_app.core.dataset_files import DatasetFileError
from trainpkg_app.core.evaluation import card_from_summary, compact_line
from trainpkg_app.core.resume import Carryover, Continuation
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import (
    Deployment,
    TrainingPackage,
    TrainingPackageVersion,
    as_utc,
    utc_now,
)
from trainpkg_app.db.versions import snapshot_of_version
from trainpkg_app.deploy.calibration import launch_estimate, record_measurement
from trainpkg_app.package.builder import build_package
from trainpkg_app.settings import get_settings

ACTIVE = (TrainingStatus.PENDING.value, TrainingStatus.RUNNING.value)
KEPT_POINTS = 2000


class AlreadyRunning(RuntimeError):
    """The run cannot start (already running, or its target is not ready); says why."""


class CannotResume(AlreadyRunning):
    """The run cannot go on from where it stopped; says why."""


def register_run(
    session: Session,
    version: TrainingPackageVersion,
    target: str,
    runs_dir: Path,
    results_repo: str | None = None,
    continuation: Carryover | None = None,
) -> tuple[Deployment, dict, Path]:
    """Record a new run (the partial unique index allows one active run per version) and build
    its package folder; a ``continuation`` goes on from an earlier run, at its own estimate."""
    resumed = continuation if isinstance(continuation, Continuation) else None
    deployment = Deployment(
        version_id=version.id,
        target=target,
        estimated_cost=resumed.estimate if resumed else version.estimated_cost,
        resumed_from_id=uuid.UUID(resumed.from_run) if resumed else None,
        resumed_from_step=resumed.step if resumed else None,
    )
    session.add(deployment)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise AlreadyRunning(
            f"{version.name} is already being trained; wait or cancel it."
        ) from None
    snapshot = snapshot_of_version(version)
    owner_id = session.get(TrainingPackage, version.package_id).owner_id
    if resumed is None:  # a continuation keeps its own cost estimate
        deployment.estimate = launch_estimate(session, owner_id, version)
    try:
        run_dir = build_package(
            version.name,
            snapshot,
            runs_dir / str(deployment.id),
            results_repo=results_repo,
            uploads=get_settings().uploads_dir(owner_id, version.package_id),
            continuation=continuation,
        )
    except DatasetFileError as missing:
        raise AlreadyRunning(
            f"Not started: {missing}. Upload the file again and publish a new version."
        ) from None
    deployment.run_dir = str(run_dir)
    return deployment, snapshot, run_dir


def owned(
    session: Session, owner_id: uuid.UUID, deployment_id: uuid.UUID, *, lazy_metrics: bool = False
) -> Deployment:
    """The run, if its version belongs to the owner; otherwise "not found". ``lazy_metrics``:
    its records are read only when used."""
    query = select(Deployment)
    if lazy_metrics:
        query = query.options(defer(Deployment.metrics))
    deployment = session.exec(
        query.join(TrainingPackageVersion, TrainingPackageVersion.id == Deployment.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(Deployment.id == deployment_id, TrainingPackage.owner_id == owner_id)
    ).first()
    if deployment is None:  # not there, or not theirs: the same answer
        raise NotFound("This run does not exist.")
    return deployment


def _published(session: Session, deployment: Deployment, part: str) -> dict:
    version = session.get(TrainingPackageVersion, deployment.version_id)
    return (version.config_snapshot or {}).get(part, {})


def deploy_settings(session: Session, deployment: Deployment) -> dict:
    """The target settings the run's version was published with."""
    return _published(session, deployment, "deploy")


def doctor_mode(session: Session, deployment: Deployment) -> str:
    """The training doctor's mode the version was published with (older versions: warn)."""
    return _published(session, deployment, "training").get("doctor", "warn")


def mark_active(session: Session, deployment: Deployment, status: str) -> None:
    version = session.get(TrainingPackageVersion, deployment.version_id)
    deployment.status = version.training_status = status


def finish(
    session: Session,
    deployment: Deployment,
    summary: dict | None,
    usd_per_hour: float,
    *,
    started_minutes: bool = False,
    billed_s: float | None = None,
) -> None:
    """End the record and its version: status, error, actual cost and a metrics digest.

    The cost is ``usd_per_hour`` times the exact runtime, or, with ``started_minutes`` (the
    Hub's billing), times the started minutes of ``billed_s`` (default: the record's runtime)."""
    if summary is None:
        deployment.status = TrainingStatus.FAILED.value
        deployment.error = deployment.error or "The training process ended without a summary."
    else:
        deployment.status = summary.get("status", TrainingStatus.FAILED.value)
        deployment.error = summary.get("error", deployment.error)
    deployment.evaluation = card_from_summary(summary)  # train.py's card, checked
    deployment.finished_at = utc_now()
    deployment.webhook_due_at = utc_now()  # the run-end webhook (deploy/webhook.py) is due
    started = as_utc(deployment.started_at or deployment.created_at)
    runtime_h = (deployment.finished_at - started).total_seconds() / 3600
    billed_h = runtime_h
    if started_minutes:
        seconds = runtime_h * 3600 if billed_s is None else billed_s
        billed_h = math.ceil(seconds / 60) / 60
    rate = Decimal(str(usd_per_hour))
    deployment.actual_cost = (rate * Decimal(str(billed_h))).quantize(Decimal("0.0001"))
    record_measurement(session, deployment, summary)
    version = session.get(TrainingPackageVersion, deployment.version_id)
    losses = [m["loss"] for m in deployment.metrics or [] if "loss" in m]
    version.training_status = deployment.status
    version.actual_cost = deployment.actual_cost
    earlier = (version.training_metrics or {}).get("evaluation", "")  # a completed run's
    version.training_metrics = {
        "steps": (deployment.metrics or [{}])[-1].get("step"),
        "last_loss": losses[-1] if losses else None,
        "runtime_h": round(runtime_h, 6),
        "deployment_id": str(deployment.id),
        "evaluation": compact_line(deployment.evaluation) or earlier,
    }
