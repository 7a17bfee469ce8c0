"""Encryption at rest for secrets (Fernet). The key comes from TRAINPKG_SECRET_KEY, or is
generated on first use into <data dir>/secret.key with file mode 0600."""

from __future__ import annotations

import os
from functools import cache

from cryptography.fernet import Fernet

from trainpkg_app.settings import get_settings


@cache
def _fernet() -> Fernet:
    settings = get_settings()
    if settings.secret_key:
        return Fernet(settings.secret_key.get_secret_value().encode())
    path = settings.ensure_data_dir() / "secret.key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def seal(data: bytes) -> str:
    """``data`` encrypted and signed, with the time it was sealed (for short-lived tokens)."""
    return _fernet().encrypt(data).decode()


def unseal(token: str, ttl_s: int) -> bytes:
    """What ``seal`` sealed, if it is ours and younger than ``ttl_s``; InvalidToken otherwise."""
    return _fernet().decrypt(token.encode(), ttl=ttl_s)
