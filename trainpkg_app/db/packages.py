"""Packages of one owner: list, create, get, rename, delete. Every query is owner-scoped."""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, select

from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.core.step_data import PACKAGE_NAME_LENGTH, PackageName
from trainpkg_app.core.validation import parse
from trainpkg_app.db.errors import NameTaken, NotFound
from trainpkg_app.db.models import TrainingPackage, utc_now
from trainpkg_app.settings import get_settings

UNTITLED = "Untitled package"


class PackageSummary(BaseModel):
    id: str
    name: str
    updated_at: datetime


def draft_columns(content: DraftContent) -> dict:
    """The draft as the package row stores it."""
    return {
        "draft_model": content.forms["model"],
        "draft_config": content.forms["config"],
        "draft_dataset": {"form": content.forms["dataset"], "datasets": content.datasets},
        "draft_deploy": content.forms["deploy"],
        "draft_workflow": content.workflow,
    }


def get_package(session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID) -> TrainingPackage:
    package = session.exec(
        select(TrainingPackage).where(
            TrainingPackage.id == package_id, TrainingPackage.owner_id == owner_id
        )
    ).first()
    if package is None:
        raise NotFound("This package does not exist, or was deleted.")
    return package


def list_packages(session: Session, *, owner_id: uuid.UUID) -> list[PackageSummary]:
    rows = session.exec(
        select(TrainingPackage.id, TrainingPackage.name, TrainingPackage.updated_at)
        .where(TrainingPackage.owner_id == owner_id)
        .order_by(TrainingPackage.updated_at.desc())
    ).all()
    return [
        PackageSummary(id=str(id_), name=name, updated_at=updated) for id_, name, updated in rows
    ]


def _names(session: Session, owner_id: uuid.UUID) -> set[str]:
    return set(
        session.exec(select(TrainingPackage.name).where(TrainingPackage.owner_id == owner_id))
    )


def _checked_name(name: str) -> str:
    """The package-name rule (core.step_data.PackageName), on every path that names one."""
    problem = parse(PackageName, {"name": name}).errors.get("name")
    if problem:
        raise NameTaken(f"Not a package name: {problem}")
    return name.strip()


def free_name(session: Session, *, owner_id: uuid.UUID, wanted: str = UNTITLED) -> str:
    """``wanted``, or ``wanted 2``, ``wanted 3``... whichever this owner has not used; cut so
    that it stays within the name's length."""
    taken = _names(session, owner_id)
    candidate, number = wanted[:PACKAGE_NAME_LENGTH], 1
    while candidate in taken:
        number += 1
        suffix = f" {number}"
        candidate = f"{wanted[: PACKAGE_NAME_LENGTH - len(suffix)].rstrip()}{suffix}"
    return _checked_name(candidate)


def create_package(
    session: Session,
    *,
    owner_id: uuid.UUID,
    name: str | None = None,
    content: DraftContent | None = None,
) -> TrainingPackage:
    package = TrainingPackage(
        owner_id=owner_id,
        name=free_name(session, owner_id=owner_id, wanted=name or UNTITLED),
        **draft_columns(content or DraftContent()),
    )
    session.add(package)
    session.flush()
    return package


def rename_package(
    session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID, name: str
) -> TrainingPackage:
    package = get_package(session, owner_id=owner_id, package_id=package_id)
    name = _checked_name(name)
    if package.name == name:
        return package
    if name in _names(session, owner_id):
        raise NameTaken(f"You already have a package named {name!r}.")
    package.name = name
    package.updated_at = utc_now()
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise NameTaken(f"You already have a package named {name!r}.") from None
    return package


def delete_package(session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID) -> None:
    """Delete the package, its versions and its uploaded files."""
    session.delete(get_package(session, owner_id=owner_id, package_id=package_id))
    session.flush()
    shutil.rmtree(get_settings().uploads_dir(owner_id, package_id), ignore_errors=True)
