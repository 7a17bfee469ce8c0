"""Publish a draft as a version, and restore a version into the draft: one transaction each."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlmodel import Session

from trainpkg_app.core.drafts import DraftContent, content_from_snapshot, snapshot_of
from trainpkg_app.db.drafts import save_draft
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import TrainingPackageVersion
from trainpkg_app.db.versions import get_version, publish_version, snapshot_of_version


def publish_draft(
    session: Session,
    *,
    owner_id: uuid.UUID,
    package_id: uuid.UUID,
    expected_revision: int,
    content: DraftContent,
    snapshot: dict,
    change_summary: str,
    parent_version_id: uuid.UUID | None,
    estimated_cost: Decimal | None = None,
) -> tuple[TrainingPackageVersion, int]:
    """Write the version and save the draft as its child; a draft conflict publishes nothing."""
    version = publish_version(
        session,
        owner_id=owner_id,
        package_id=package_id,
        snapshot=snapshot,
        change_summary=change_summary,
        parent_version_id=parent_version_id,
        estimated_cost=estimated_cost,
    )
    revision = save_draft(
        session,
        owner_id=owner_id,
        package_id=package_id,
        expected_revision=expected_revision,
        content=content,
        extra={"draft_parent_version_id": version.id},
    )
    return version, revision


def publish_trial(
    session: Session,
    *,
    owner_id: uuid.UUID,
    parent: TrainingPackageVersion,
    content: DraftContent,
    name_suffix: str,
    sweep_id: uuid.UUID,
    estimated_cost: Decimal | None = None,
) -> TrainingPackageVersion:
    """A sweep's trial: an immutable child of ``parent`` from ``content`` (the parent's values
    with the trial's), validated as publishing validates a draft; the draft is untouched."""
    results = content.validate_all()
    failing = {step: result.errors for step, result in results.items() if not result.ok}
    if failing:
        step, errors = next(iter(failing.items()))
        field, message = next(iter(errors.items()))
        raise ValueError(f"{step.value} {field}: {message}")
    return publish_version(
        session,
        owner_id=owner_id,
        package_id=parent.package_id,
        snapshot=snapshot_of(results),
        change_summary=f"Sweep trial of {parent.name}:{name_suffix.replace(' · ', ' ')}",
        parent_version_id=parent.id,
        estimated_cost=estimated_cost,
        name_suffix=name_suffix,
        sweep_id=sweep_id,
    )


def restore_into_draft(
    session: Session,
    *,
    owner_id: uuid.UUID,
    package_id: uuid.UUID,
    version_id: uuid.UUID,
    expected_revision: int,
) -> tuple[DraftContent, int]:
    """Copy a version's values into the draft, whose parent it becomes. History is untouched."""
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    if version.package_id != package_id:
        raise NotFound("This version belongs to another package.")
    content = content_from_snapshot(snapshot_of_version(version))
    revision = save_draft(
        session,
        owner_id=owner_id,
        package_id=package_id,
        expected_revision=expected_revision,
        content=content,
        extra={"draft_parent_version_id": version.id},
    )
    return content, revision
