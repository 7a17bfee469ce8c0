"""Published versions: publish (numbered without gaps), list, get, archive."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, func, select, update

from trainpkg_app.core.names import generate_version_name
from trainpkg_app.core.vocabulary import VersionStatus
from trainpkg_app.db.errors import NotFound, VersionImmutable
from trainpkg_app.db.models import (
    VERSION_FROZEN_FIELDS,
    TrainingPackage,
    TrainingPackageVersion,
    utc_now,
)


class VersionSummary(BaseModel):
    id: str
    version_number: int
    name: str
    status: str
    published_at: datetime | None
    change_summary: str
    deployment_target: str
    deployment_url: str
    training_status: str
    estimated_cost: Decimal | None
    actual_cost: Decimal | None
    evaluation: str = ""  # its latest completed run's card, one line (deploy/records.finish)
    sweep_id: str = ""  # a sweep's trial: the history indents it under its parent
    parent_version_id: str = ""


def to_columns(snapshot: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The package snapshot as the original plan's three snapshot columns."""
    return {
        "model_snapshot": snapshot["model"],
        "config_snapshot": {"training": snapshot["config"], "deploy": snapshot["deploy"]},
        "dataset_snapshot": snapshot["dataset"],
        "deployment_target": snapshot["deploy"].get("target"),
    }


def snapshot_of_version(version: TrainingPackageVersion) -> dict[str, dict[str, Any]]:
    config = version.config_snapshot or {}
    return {
        "model": version.model_snapshot or {},
        "config": config.get("training", {}),
        "dataset": version.dataset_snapshot or {},
        "deploy": config.get("deploy", {}),
    }


def _summary(version: TrainingPackageVersion) -> VersionSummary:
    return VersionSummary(
        id=str(version.id),
        version_number=version.version_number,
        name=version.name,
        status=version.status,
        published_at=version.published_at,
        change_summary=version.change_summary or "",
        deployment_target=version.deployment_target or "",
        deployment_url=version.deployment_url or "",
        training_status=version.training_status or "",
        estimated_cost=version.estimated_cost,
        actual_cost=version.actual_cost,
        evaluation=(version.training_metrics or {}).get("evaluation") or "",
        sweep_id=str(version.sweep_id or ""),
        parent_version_id=str(version.parent_version_id or ""),
    )


def _take_next_number(
    session: Session, owner_id: uuid.UUID, package_id: uuid.UUID
) -> tuple[int, str]:
    """Atomically take the next number (and the package name). The statement is a write, so it
    comes first: the row lock (PostgreSQL) or the write lock (SQLite) serialises publishes."""
    row = session.exec(
        update(TrainingPackage)
        .where(TrainingPackage.id == package_id, TrainingPackage.owner_id == owner_id)
        .values(last_version_number=TrainingPackage.last_version_number + 1)
        .returning(TrainingPackage.last_version_number, TrainingPackage.name)
    ).first()
    if row is None:
        raise NotFound("This package does not exist, or was deleted.")
    return row[0], row[1]


def publish_version(
    session: Session,
    *,
    owner_id: uuid.UUID,
    package_id: uuid.UUID,
    snapshot: dict[str, dict[str, Any]],
    change_summary: str,
    parent_version_id: uuid.UUID | None,
    estimated_cost: Decimal | None = None,
    name_suffix: str = "",
    sweep_id: uuid.UUID | None = None,
) -> TrainingPackageVersion:
    """The next numbered version; a sweep's trial adds its values to the name ('... · lr 2e-4')
    and its sweep."""
    number, package_name = _take_next_number(session, owner_id, package_id)
    if parent_version_id is not None:
        _check_parent(session, package_id, parent_version_id)
    version = TrainingPackageVersion(
        package_id=package_id,
        version_number=number,
        name=generate_version_name(package_name, number) + name_suffix,
        status=VersionStatus.PUBLISHED.value,
        published_at=utc_now(),
        created_by=owner_id,
        change_summary=change_summary.strip() or None,
        parent_version_id=parent_version_id,
        estimated_cost=estimated_cost,
        sweep_id=sweep_id,
        **to_columns(snapshot),
    )
    session.add(version)
    session.flush()
    return version


def _check_parent(session: Session, package_id: uuid.UUID, parent_id: uuid.UUID) -> None:
    """A version's parent is a version of the same package (the owner's, checked before)."""
    found = session.exec(
        select(TrainingPackageVersion.id).where(
            TrainingPackageVersion.id == parent_id,
            TrainingPackageVersion.package_id == package_id,
        )
    ).first()
    if found is None:  # not there, or another package's: the same answer
        raise NotFound("The version this draft came from does not exist.")


def _owned(owner_id: uuid.UUID):
    return TrainingPackageVersion.package_id.in_(
        select(TrainingPackage.id).where(TrainingPackage.owner_id == owner_id)
    )


def get_version(
    session: Session, *, owner_id: uuid.UUID, version_id: uuid.UUID
) -> TrainingPackageVersion:
    version = session.exec(
        select(TrainingPackageVersion).where(
            TrainingPackageVersion.id == version_id, _owned(owner_id)
        )
    ).first()
    if version is None:
        raise NotFound("This version does not exist.")
    return version


def list_versions(
    session: Session,
    *,
    owner_id: uuid.UUID,
    package_id: uuid.UUID,
    offset: int = 0,
    limit: int = 10,
    include_archived: bool = False,
) -> tuple[list[VersionSummary], int]:
    """One page, newest first, and the total count under the same filter."""
    conditions = [TrainingPackageVersion.package_id == package_id, _owned(owner_id)]
    if not include_archived:
        conditions.append(TrainingPackageVersion.status != VersionStatus.ARCHIVED.value)
    rows = session.exec(
        select(TrainingPackageVersion)
        .where(*conditions)
        .order_by(TrainingPackageVersion.version_number.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    total = session.exec(
        select(func.count()).select_from(TrainingPackageVersion).where(*conditions)
    ).one()
    return [_summary(row) for row in rows], total


def set_archived(
    session: Session, *, owner_id: uuid.UUID, version_id: uuid.UUID, archived: bool
) -> None:
    """Archiving changes the status only; everything else of a version stays as published."""
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    version.status = (VersionStatus.ARCHIVED if archived else VersionStatus.PUBLISHED).value
    session.flush()


@sa.event.listens_for(Session, "before_flush")
def _refuse_changes_to_published_versions(session: Session, _context, _instances) -> None:
    """The app's own guard; the database has a trigger too, whoever writes."""
    for instance in session.dirty:
        if not isinstance(instance, TrainingPackageVersion):
            continue
        state = sa.inspect(instance)
        if state.attrs.status.history.deleted == [VersionStatus.DRAFT.value]:
            continue
        changed = [
            name for name in VERSION_FROZEN_FIELDS if state.attrs[name].history.has_changes()
        ]
        if changed:
            raise VersionImmutable(
                f"Version {instance.name} is published and never changes ({', '.join(changed)}). "
                "Restore it into the draft and publish a new version instead."
            )
