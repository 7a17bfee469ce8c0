"""Uploaded dataset files, kept per owner and package: only the package's owner may add one,
within their quota, which is reserved atomically: a user's uploads are serialized by a lock
held until the transaction ends, so two parallel uploads cannot both fit the same room."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from trainpkg_app.core.dataset_files import (
    DatasetFileError,
    folder_bytes,
    resolve_upload,
    store_upload,
)
from trainpkg_app.db.models import User
from trainpkg_app.db.packages import get_package
from trainpkg_app.settings import get_settings


def _lock_uploads_of(session: Session, owner_id: uuid.UUID) -> None:
    """Until this transaction ends: PostgreSQL's advisory lock on the user; on SQLite, a write
    to the user's row, which takes the database's write lock (other processes included)."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"trainpkg-uploads:{owner_id}"
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))
    else:
        session.execute(sa.update(User).where(User.id == owner_id).values(email=User.email))


def store_package_upload(
    session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID, filename: str, data: bytes
) -> Path:
    """Write the file under ``<data dir>/uploads/<owner>/<package>/`` (a generated name)."""
    get_package(session, owner_id=owner_id, package_id=package_id)  # "not found" if not theirs
    _lock_uploads_of(session, owner_id)
    settings = get_settings()
    used = folder_bytes(settings.uploads_dir(owner_id, package_id).parent)
    if used + len(data) > settings.upload_quota_bytes:
        raise DatasetFileError(
            f"your uploads would use {(used + len(data)) / 1e6:.1f} MB of your "
            f"{settings.upload_quota_mb:g} MB quota. Delete packages you no longer need "
            "(their files go with them), or ask the admin for more."
        )
    return store_upload(settings.uploads_dir(owner_id, package_id), filename, data)


def read_package_upload(
    session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID, upload_id: str
) -> bytes:
    """The bytes of one of the owner's uploads to this package (to measure it again)."""
    get_package(session, owner_id=owner_id, package_id=package_id)  # "not found" if not theirs
    return resolve_upload(get_settings().uploads_dir(owner_id, package_id), upload_id).read_bytes()
