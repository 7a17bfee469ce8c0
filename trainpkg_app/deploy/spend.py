"""What a user's runs have cost this calendar month, for the admin's monthly cap: the actual
cost of ended runs, and the running cost (hardware price times time since launch) of active
ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from trainpkg_app.core import caps
from trainpkg_app.db.models import (
    Deployment,
    TrainingPackage,
    TrainingPackageVersion,
    User,
    as_utc,
)
from trainpkg_app.deploy.backends import backend_for
from trainpkg_app.deploy.records import ACTIVE, deploy_settings


def owner_and_cap(session: Session, deployment: Deployment) -> tuple[uuid.UUID, Decimal | None]:
    """The run's owner and their monthly cap, in one query (the monitor asks every second)."""
    owner, cap = session.exec(
        select(User.id, User.monthly_budget_usd)
        .join(TrainingPackage, TrainingPackage.owner_id == User.id)
        .join(TrainingPackageVersion, TrainingPackageVersion.package_id == TrainingPackage.id)
        .where(TrainingPackageVersion.id == deployment.version_id)
    ).one()
    return owner, cap


def monthly_cap(session: Session, owner_id: uuid.UUID) -> Decimal | None:
    user = session.get(User, owner_id)
    return user.monthly_budget_usd if user else None


def _running_cost(session: Session, deployment: Deployment, now: datetime) -> Decimal:
    if deployment.status not in ACTIVE or deployment.started_at is None:
        return deployment.actual_cost or Decimal(0)
    hours = (now - as_utc(deployment.started_at)).total_seconds() / 3600
    rate = backend_for(deployment.target).usd_per_hour(deploy_settings(session, deployment))
    return Decimal(str(round(caps.running_cost(hours, rate), 4)))


def month_spend(session: Session, owner_id: uuid.UUID, now: datetime) -> Decimal:
    """The owner's runs launched since the start of ``now``'s month, at their cost so far."""
    runs = session.exec(
        select(Deployment)
        .join(TrainingPackageVersion, TrainingPackageVersion.id == Deployment.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(
            TrainingPackage.owner_id == owner_id,
            Deployment.created_at >= caps.month_start(now),
        )
    ).all()
    return sum((_running_cost(session, run, now) for run in runs), Decimal(0))
