"""Loading and saving a package's live draft, guarded by its revision counter."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, select, update

from trainpkg_app.core.drafts import DraftContent, initial_workflow
from trainpkg_app.core.forms import default_forms
from trainpkg_app.db.errors import DraftConflict, NotFound
from trainpkg_app.db.models import TrainingPackage, utc_now
from trainpkg_app.db.packages import create_package, draft_columns, get_package


class StoredDraft(BaseModel):
    package_id: str
    name: str
    content: DraftContent
    revision: int
    started_at: datetime
    parent_version_id: str | None
    last_version_number: int


def content_of(package: TrainingPackage) -> DraftContent:
    defaults = default_forms()
    dataset = package.draft_dataset or {}
    return DraftContent(
        forms={
            "model": defaults["model"] | package.draft_model,
            "config": defaults["config"] | package.draft_config,
            "dataset": defaults["dataset"] | dataset.get("form", {}),
            "deploy": defaults["deploy"] | package.draft_deploy,
        },
        datasets=dataset.get("datasets", []),
        workflow=package.draft_workflow or initial_workflow(),
    )


def load_draft(session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID) -> StoredDraft:
    package = get_package(session, owner_id=owner_id, package_id=package_id)
    return StoredDraft(
        package_id=str(package.id),
        name=package.name,
        content=content_of(package),
        revision=package.revision,
        started_at=package.draft_started_at,
        parent_version_id=str(package.draft_parent_version_id)
        if package.draft_parent_version_id
        else None,
        last_version_number=package.last_version_number,
    )


def create_with_draft(
    session: Session,
    *,
    owner_id: uuid.UUID,
    name: str | None = None,
    content: DraftContent | None = None,
) -> StoredDraft:
    """A new package (a free name near ``name``) and its draft, as stored."""
    package = create_package(session, owner_id=owner_id, name=name, content=content)
    return load_draft(session, owner_id=owner_id, package_id=package.id)


def open_or_create(session: Session, *, owner_id: uuid.UUID, package_id: str | None) -> StoredDraft:
    """That package if it is there and the owner's, else the newest one, else a new one."""
    if package_id:
        try:
            return load_draft(session, owner_id=owner_id, package_id=uuid.UUID(package_id))
        except (NotFound, ValueError):
            pass
    newest = session.exec(
        select(TrainingPackage.id)
        .where(TrainingPackage.owner_id == owner_id)
        .order_by(TrainingPackage.updated_at.desc())
    ).first()
    if newest is None:
        return create_with_draft(session, owner_id=owner_id)
    return load_draft(session, owner_id=owner_id, package_id=newest)


def save_draft(
    session: Session,
    *,
    owner_id: uuid.UUID,
    package_id: uuid.UUID,
    expected_revision: int,
    content: DraftContent,
    extra: dict | None = None,
) -> int:
    """Write the draft if nobody saved since ``expected_revision``; return the new revision.

    Raises DraftConflict (and writes nothing) when someone did, NotFound when it is gone."""
    result = session.exec(
        update(TrainingPackage)
        .where(
            TrainingPackage.id == package_id,
            TrainingPackage.owner_id == owner_id,
            TrainingPackage.revision == expected_revision,
        )
        .values(
            **draft_columns(content),
            **(extra or {}),
            revision=expected_revision + 1,
            updated_at=utc_now(),
        )
    )
    if result.rowcount == 1:
        return expected_revision + 1
    current = session.exec(
        select(TrainingPackage.revision).where(
            TrainingPackage.id == package_id, TrainingPackage.owner_id == owner_id
        )
    ).first()
    if current is None:
        get_package(session, owner_id=owner_id, package_id=package_id)  # raises NotFound
    raise DraftConflict(current)
