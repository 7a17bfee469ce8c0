"""Sweeps in the database, scoped to their owner: create, get, list a version's, its trials."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import Deployment, Sweep, TrainingPackageVersion


def create_sweep(
    session: Session,
    *,
    owner_id: uuid.UUID,
    parent: TrainingPackageVersion,
    spec: dict[str, Any],
    budget_usd: float | None,
    budget_hours: float | None,
    message: str = "",
) -> Sweep:
    sweep = Sweep(
        owner_id=owner_id,
        package_id=parent.package_id,
        parent_version_id=parent.id,
        spec=spec,
        budget_usd=None if budget_usd is None else Decimal(str(budget_usd)),
        budget_hours=budget_hours,
        message=message,
    )
    session.add(sweep)
    session.flush()
    return sweep


def get_sweep(session: Session, *, owner_id: uuid.UUID, sweep_id: uuid.UUID) -> Sweep:
    sweep = session.exec(
        select(Sweep).where(Sweep.id == sweep_id, Sweep.owner_id == owner_id)
    ).first()
    if sweep is None:  # not there, or someone else's: the same answer
        raise NotFound("This sweep does not exist.")
    return sweep


def sweeps_of_package(
    session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID
) -> list[Sweep]:
    """The package's sweeps, newest first."""
    return list(
        session.exec(
            select(Sweep)
            .where(Sweep.package_id == package_id, Sweep.owner_id == owner_id)
            .order_by(Sweep.created_at.desc())
        ).all()
    )


def trials(
    session: Session, sweep_id: uuid.UUID
) -> list[tuple[TrainingPackageVersion, Deployment | None]]:
    """Each trial's version (in publishing order) and its newest run, if it has one. The
    caller holds the sweep (owner-checked, or the monitor's own)."""
    versions = session.exec(
        select(TrainingPackageVersion)
        .where(TrainingPackageVersion.sweep_id == sweep_id)
        .order_by(TrainingPackageVersion.version_number)
    ).all()
    runs: dict[uuid.UUID, Deployment] = {}
    if versions:
        for run in session.exec(
            select(Deployment)
            .where(Deployment.version_id.in_([version.id for version in versions]))
            .order_by(Deployment.created_at)
        ).all():
            runs[run.version_id] = run  # the newest wins
    return [(version, runs.get(version.id)) for version in versions]
