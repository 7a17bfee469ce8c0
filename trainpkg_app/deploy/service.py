"""Deployments in the database: start a run on its target, follow it, cancel it, reconcile after
a restart. The state lives in the DB, so it survives the tab and the app. What differs by target
is its backend's (deploy/backends), picked by the record's target name."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from trainpkg_app.core import caps, doctor
from trainpkg_app.core import resume as resume_core
from trainpkg_app.core.calibration import accuracy
from trainpkg_app.core.cost import usd
from trainpkg_app.core.evaluation import compact_line
from trainpkg_app.core.hub_launch import hub_launch_refusal
from trainpkg_app.db.hub_tokens import hub_api_for_owner
from trainpkg_app.db.models import (
    Deployment,
    TrainingPackage,
    TrainingPackageVersion,
    as_utc,
    utc_now,
)
from trainpkg_app.db.versions import get_version, snapshot_of_version
from trainpkg_app.deploy import chains, spend, sweep_caps
from trainpkg_app.deploy.backends import backend_for
from trainpkg_app.deploy.continuation import planned_for as continuation_plan
from trainpkg_app.deploy.continuation import warm_start_for
from trainpkg_app.deploy.records import (
    ACTIVE,
    AlreadyRunning,
    CannotResume,
    deploy_settings,
    doctor_mode,
    owned,
)
from trainpkg_app.hub.api import hub_api
from trainpkg_app.hub.dataset_viewer import recheck

__all__ = [
    "ACTIVE",
    "AlreadyRunning",
    "CannotResume",
    "cancel",
    "claim",
    "list_runs",
    "reconcile",
    "resume",
    "start",
]


def start(
    session: Session, *, owner_id: uuid.UUID, version_id: uuid.UUID, runs_dir: Path
) -> Deployment:
    """Deploy a published version on the target it was published with."""
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    refusal = hub_launch_refusal(  # the owner's Hub client, as the run itself will use
        version.deployment_target,
        version.dataset_snapshot,
        lambda ref: recheck(hub_api_for_owner(session, owner_id)[0] or hub_api(), ref),
    )
    _refuse(session, owner_id, version, version.estimated_cost, refusal)
    return backend_for(version.deployment_target).start(
        session,
        owner_id=owner_id,
        version_id=version_id,
        runs_dir=runs_dir,
        continuation=warm_start_for(session, owner_id, version),
    )


def _refuse(
    session: Session,
    owner_id: uuid.UUID,
    version: TrainingPackageVersion,
    estimate: Decimal | None,
    refusal: str = "",
    spent: Decimal = Decimal(0),
) -> None:
    """Refuse a launch whose estimate (after ``spent`` on earlier runs of its chain) is over
    the version's budget cap or the owner's monthly cap."""
    budget = snapshot_of_version(version)["deploy"].get("budget_usd")
    left = None if budget is None else float(budget) - float(spent)
    refusal = refusal or caps.launch_refusal(estimate, left)
    refusal = refusal or sweep_caps.launch_refusal(session, version, estimate)
    refusal = refusal or caps.monthly_refusal(
        spend.month_spend(session, owner_id, utc_now()),
        estimate,
        spend.monthly_cap(session, owner_id),
    )
    if refusal:
        raise AlreadyRunning(refusal)


def resume(
    session: Session,
    *,
    owner_id: uuid.UUID,
    deployment_id: uuid.UUID,
    runs_dir: Path,
    more: int | None = None,
) -> Deployment:
    """Go on from where the run stopped (Resume), or train a completed run ``more`` steps or
    epochs further (Extend): a new run on its target, linked to it (CannotResume says why
    not)."""
    earlier, continuation = continuation_plan(
        session, owner_id=owner_id, deployment_id=deployment_id, more=more
    )
    version = session.get(TrainingPackageVersion, earlier.version_id)
    _, spent, _ = resume_core.chain_totals(chains.links(session, earlier))
    _refuse(session, owner_id, version, continuation.estimate, spent=spent or Decimal(0))
    return backend_for(earlier.target).start(
        session,
        owner_id=owner_id,
        version_id=version.id,
        runs_dir=runs_dir,
        continuation=continuation,
    )


def claim(session: Session, deployment_id: uuid.UUID, worker: str, ttl_s: float = 15) -> bool:
    """Take (or keep) the lease on a run: with several workers, one monitor follows it."""
    now = utc_now()
    result = session.exec(
        sa.update(Deployment)
        .where(
            Deployment.id == deployment_id,
            sa.or_(
                Deployment.lease_owner.is_(None),
                Deployment.lease_owner == worker,
                Deployment.lease_expires_at < now,
            ),
        )
        .values(lease_owner=worker, lease_expires_at=now + timedelta(seconds=ttl_s))
        # no in-Python evaluation on the loaded record: SQLite's naive datetime against an
        # aware one raised TypeError, which ended a second worker's monitor
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def sync(session: Session, deployment: Deployment) -> str:
    """Bring the record up to date with its run, and end it at a cap or when the doctor says
    so (mode "stop"); returns the status."""
    if deployment.status not in ACTIVE:
        return deployment.status
    backend = backend_for(deployment.target)
    status = backend.sync(session, deployment)
    if status in ACTIVE and not (deployment.error or "").startswith(caps.STOPPED):
        reason = _stop_reason(session, deployment, backend)
        if reason:
            backend.cancel(session, deployment)
            deployment.error = reason
            session.flush()
    return status


def _stop_reason(session: Session, deployment: Deployment, backend) -> str:
    """Why an active run must end now: its budget or time cap, or a doctor finding; or ''."""
    settings = deploy_settings(session, deployment)
    started = deployment.started_at  # none yet: nothing runs (or bills) so far
    budget = settings.get("budget_usd")
    if budget is not None and deployment.resumed_from_id:  # what the chain spent counts too
        _, spent, _ = resume_core.chain_totals(chains.links(session, deployment)[:-1])
        budget = float(budget) - float(spent or 0)
    reason = caps.cap_reason(
        elapsed_h=(utc_now() - as_utc(started)).total_seconds() / 3600 if started else 0.0,
        usd_per_hour=backend.usd_per_hour(settings),
        budget_usd=budget,
        max_hours=settings.get("max_hours"),
    )
    if not reason:
        owner, cap = spend.owner_and_cap(session, deployment)
        if cap is not None:
            reason = caps.monthly_cap_reason(spend.month_spend(session, owner, utc_now()), cap)
    mode, points = doctor_mode(session, deployment), deployment.metrics or []
    finding = doctor.finding_that_stops(mode, points)
    reason = reason or sweep_caps.stop_reason(session, deployment)  # its sweep's budget, halving
    return reason or (doctor.stop_reason(finding) if finding else "")


def cancel(session: Session, *, owner_id: uuid.UUID, deployment_id: uuid.UUID) -> None:
    deployment = owned(session, owner_id, deployment_id)
    if deployment.status in ACTIVE:
        backend_for(deployment.target).cancel(session, deployment)


def reconcile(session: Session) -> int:
    """At start-up: active runs whose run is gone (a local process) end as failed, with their
    log."""
    stale = session.exec(select(Deployment).where(Deployment.status.in_(ACTIVE))).all()
    ended = 0
    for deployment in stale:
        if backend_for(deployment.target).is_gone(deployment):
            sync(session, deployment)
            ended += 1
    return ended


def _run_numbers(version_ids: list[uuid.UUID]) -> list[int]:
    """Each run's number among its version's runs, oldest first (the list is newest first)."""
    seen: dict[uuid.UUID, int] = {}
    numbers = []
    for version_id in reversed(version_ids):
        seen[version_id] = seen.get(version_id, 0) + 1
        numbers.append(seen[version_id])
    return numbers[::-1]


def list_runs(session: Session, *, owner_id: uuid.UUID, limit: int = 100) -> list[dict[str, str]]:
    """The owner's runs, newest first, for the Runs tab."""
    rows = session.exec(
        select(Deployment, TrainingPackageVersion, TrainingPackage)
        .join(TrainingPackageVersion, TrainingPackageVersion.id == Deployment.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(TrainingPackage.owner_id == owner_id)
        .order_by(Deployment.created_at.desc())
        .limit(limit)
    ).all()
    runs, numbers = [], _run_numbers([deployment.version_id for deployment, _, _ in rows])
    for (deployment, version, package), number in zip(rows, numbers, strict=True):
        end = deployment.finished_at or (utc_now() if deployment.started_at else None)
        minutes = (
            (as_utc(end) - as_utc(deployment.started_at)).total_seconds() / 60
            if deployment.started_at and end
            else None
        )
        runs.append(
            {
                "id": str(deployment.id),
                "package_id": str(package.id),
                "package": package.name,
                "version": version.name,
                "run_number": str(number),
                "target": deployment.target,
                "status": deployment.status,
                "started": deployment.started_at.isoformat() if deployment.started_at else "",
                "duration": f"{minutes:.1f} min" if minutes is not None else "—",
                "estimated_cost": usd(version.estimated_cost),
                "actual_cost": usd(deployment.actual_cost),
                "url": deployment.deployment_url or "",
                "evaluation": compact_line(deployment.evaluation) or "—",
            }
            | accuracy(deployment.estimate, deployment.measured)  # estimate vs actual
        )
    return runs


def latest_run(
    session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID
) -> tuple[Deployment, int] | None:
    """The package's newest run and its version number, if it has been deployed."""
    row = session.exec(
        select(Deployment, TrainingPackageVersion.version_number)
        .join(TrainingPackageVersion, TrainingPackageVersion.id == Deployment.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(TrainingPackage.owner_id == owner_id, TrainingPackage.id == package_id)
        .order_by(Deployment.created_at.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
