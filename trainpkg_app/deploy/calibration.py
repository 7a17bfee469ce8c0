"""Calibrated estimates on the run records: the owner's measured runs (theirs only), the
estimate a run gets when it is registered, and the measurement it stores when it ends."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from trainpkg_app.core.calibration import measure
from trainpkg_app.core.drafts import content_from_snapshot
from trainpkg_app.core.insights import run_estimate
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.db.models import Deployment, TrainingPackage, TrainingPackageVersion, as_utc
from trainpkg_app.db.versions import snapshot_of_version

MEASURED_KEPT = 200  # the owner's newest measured runs an estimate looks at


def measured_runs(session: Session, *, owner_id: uuid.UUID) -> list[dict[str, Any]]:
    """The owner's measured runs, newest first, each named by its version and with its
    id: what core.calibration.closest chooses from."""
    rows = session.exec(
        select(Deployment, TrainingPackageVersion, TrainingPackage)
        .join(TrainingPackageVersion, TrainingPackageVersion.id == Deployment.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(
            TrainingPackage.owner_id == owner_id,
            Deployment.status == TrainingStatus.COMPLETED.value,  # what calibrates an estimate
        )
        .order_by(Deployment.created_at.desc())
        .limit(MEASURED_KEPT)
    ).all()
    return [
        deployment.measured | {"run_id": str(deployment.id), "label": version.name}
        for deployment, version, package in rows
        if deployment.measured  # runs that ended before measurements were kept have none
    ]


def launch_estimate(
    session: Session, owner_id: uuid.UUID, version: TrainingPackageVersion
) -> dict[str, Any]:
    """The estimate a new run of ``version`` gets now: calibrated by the owner's closest
    measured runs, else static (hours, cost, basis, and the runs it was calibrated by)."""
    content = content_from_snapshot(snapshot_of_version(version))
    found = run_estimate(content.forms, content.datasets, measured_runs(session, owner_id=owner_id))
    ids = [run_id for run_id in found.get("calibrated_by", "").split(",") if run_id]
    return {
        "hours": float(found["hours"]) if found.get("hours") else None,
        "cost_usd": float(found["cost_usd"]) if found.get("cost_usd") else None,
        "basis": found.get("basis", ""),
        "run_ids": ids,
    }


def record_measurement(
    session: Session, deployment: Deployment, summary: dict[str, Any] | None
) -> None:
    """Store what the ended run measured (records.finish calls it)."""
    version = session.get(TrainingPackageVersion, deployment.version_id)
    started = as_utc(deployment.started_at or deployment.created_at)
    cost = deployment.actual_cost
    deployment.measured = measure(
        summary=summary,
        metrics=deployment.metrics or [],
        wall_s=(as_utc(deployment.finished_at) - started).total_seconds(),
        cost_usd=float(cost) if cost is not None else None,
        snapshot=snapshot_of_version(version),
        status=deployment.status,
    )
