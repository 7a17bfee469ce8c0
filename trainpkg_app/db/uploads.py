"""Uploaded dataset files, kept per owner and package: only the package's owner may add one,
within their quota."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlmodel import Session

from trainpkg_app.core.dataset_files import DatasetFileError, folder_bytes, store_upload
from trainpkg_app.db.packages import get_package
from trainpkg_app.settings import get_settings


def store_package_upload(
    session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID, filename: str, data: bytes
) -> Path:
    """Write the file under ``<data dir>/uploads/<owner>/<package>/`` (a generated name)."""
    get_package(session, owner_id=owner_id, package_id=package_id)  # "not found" if not theirs
    settings = get_settings()
    used = folder_bytes(settings.uploads_dir(owner_id, package_id).parent)
    if used + len(data) > settings.upload_quota_bytes:
        raise DatasetFileError(
            f"your uploads would use {(used + len(data)) / 1e6:.1f} MB of your "
            f"{settings.upload_quota_mb:g} MB quota. Delete packages you no longer need "
            "(their files go with them), or ask the admin for more."
        )
    return store_upload(settings.uploads_dir(owner_id, package_id), filename, data)
