"""A user's Hugging Face token: stored encrypted, read only on the server."""

from __future__ import annotations

import uuid

from huggingface_hub import HfApi
from sqlmodel import Session

from trainpkg_app.db.models import HubToken, utc_now
from trainpkg_app.hub.api import hub_api, server_token
from trainpkg_app.secrets_store import decrypt, encrypt


def save_token(session: Session, *, owner_id: uuid.UUID, token: str, hub_username: str) -> None:
    row = session.get(HubToken, owner_id) or HubToken(user_id=owner_id, token_encrypted="")
    row.token_encrypted, row.hub_username, row.updated_at = encrypt(token), hub_username, utc_now()
    session.add(row)
    session.flush()


def read_token(session: Session, *, owner_id: uuid.UUID) -> tuple[str, str] | None:
    """(token, hub user name), or None when this user has not stored one."""
    row = session.get(HubToken, owner_id)
    return (decrypt(row.token_encrypted), row.hub_username) if row else None


def delete_token(session: Session, *, owner_id: uuid.UUID) -> None:
    row = session.get(HubToken, owner_id)
    if row:
        session.delete(row)
        session.flush()


def hub_api_for_owner(session: Session, owner_id: uuid.UUID) -> tuple[HfApi | None, str | None]:
    """The Hub client with the owner's stored token, else the server's (HF_TOKEN), and that
    token; (None, None) when there is neither."""
    stored = read_token(session, owner_id=owner_id)
    token = stored[0] if stored else server_token()
    return (hub_api(token), token) if token else (None, None)
