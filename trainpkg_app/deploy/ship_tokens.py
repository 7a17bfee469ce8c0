"""Short-lived, single-use download tokens for Ship it. The browser is never trusted with a
path: an owner-checked handler issues a token bound to the owner, the run and what to zip; the
download route redeems it once. A token is encrypted and signed with the server's secret key
(Fernet, with its own timestamp for the expiry); its nonce is claimed as a file in the data
folder (O_EXCL), so a second use is refused by whichever worker sees it."""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass

from cryptography.fernet import InvalidToken

from trainpkg_app.secrets_store import seal, unseal
from trainpkg_app.settings import get_settings

TTL_S = 120
REFUSED = (
    "This download link is not valid (expired, already used, or not yours): press Download again."
)


class TokenRefused(Exception):
    pass


@dataclass(frozen=True)
class Grant:
    owner_id: uuid.UUID
    deployment_id: uuid.UUID
    what: str


def issue(owner_id: uuid.UUID, deployment_id: uuid.UUID, what: str) -> str:
    payload = {"o": str(owner_id), "d": str(deployment_id), "w": what, "n": secrets.token_hex(16)}
    return seal(json.dumps(payload).encode())


def _claim(nonce: str) -> bool:
    folder = get_settings().ensure_data_dir() / "download-tokens"
    folder.mkdir(exist_ok=True)
    _forget_old(folder)
    try:
        os.close(os.open(folder / nonce, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    return True


def _forget_old(folder) -> None:
    """Claims older than a token can live are no longer needed."""
    cutoff = time.time() - 2 * TTL_S
    for claimed in folder.iterdir():
        try:
            if claimed.stat().st_mtime < cutoff:
                claimed.unlink()
        except OSError:
            pass


def redeem(token: str) -> Grant:
    """The grant a token carries, once; TokenRefused when it is forged, expired or used."""
    try:
        payload = json.loads(unseal(token, TTL_S))
        grant = Grant(uuid.UUID(payload["o"]), uuid.UUID(payload["d"]), str(payload["w"]))
        nonce = str(payload["n"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        raise TokenRefused(REFUSED) from None
    if not nonce.isalnum() or not _claim(nonce):
        raise TokenRefused(REFUSED)
    return grant
