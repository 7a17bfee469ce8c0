"""Deterministic names for drafts and versions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(package_name: str) -> str:
    """``My Package!`` -> ``my-package``; never empty."""
    slug = _NOT_SLUG.sub("-", package_name.strip().lower()).strip("-")
    return slug or "package"


def generate_draft_name(package_name: str, created_at: datetime) -> str:
    """``<package>-draft-YYYYMMDD-HHMMSS`` in UTC."""
    moment = created_at.astimezone(UTC) if created_at.tzinfo else created_at
    return f"{slugify(package_name)}-draft-{moment:%Y%m%d-%H%M%S}"


def generate_version_name(package_name: str, version_number: int) -> str:
    """``<package>-v<N>``, N >= 1."""
    if version_number < 1:
        raise ValueError(f"version numbers start at 1, got {version_number}")
    return f"{slugify(package_name)}-v{version_number}"
