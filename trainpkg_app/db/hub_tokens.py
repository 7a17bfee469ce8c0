"""A user's Hugging Face token: stored encrypted, read only on the server."""

from __future__ import annotations

import uuid

from huggingface_hub import HfApi
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from trainpkg_app.core.hub_account import Whose, whose_token
from trainpkg_app.db.models import HubToken, User, utc_now
from trainpkg_app.hub.api import hub_api, server_token
from trainpkg_app.secrets_store import decrypt, encrypt
from trainpkg_app.settings import get_settings


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


class HubCredentials(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    api: HfApi | None
    token: str | None
    whose: Whose
    hub_user: str = ""
    is_admin: bool = False
    email: str = ""


def hub_credentials(session: Session, owner_id: uuid.UUID) -> HubCredentials:
    """The owner's stored token; else the server's, for the admin or where the admin lets
    members use it (core/hub_account.py); else none."""
    stored = read_token(session, owner_id=owner_id)
    user = session.get(User, owner_id)
    server = server_token()
    whose = whose_token(
        has_own=stored is not None,
        is_admin=bool(user and user.is_admin),
        server_token=server is not None,
        policy=get_settings().server_token_policy,
    )
    token = {"own": stored[0] if stored else None, "server": server, "none": None}[whose]
    return HubCredentials(
        api=hub_api(token) if token else None,
        token=token,
        whose=whose,
        hub_user=stored[1] if stored else "",
        is_admin=bool(user and user.is_admin),
        email=user.email if user else "",
    )


def hub_api_for_owner(session: Session, owner_id: uuid.UUID) -> tuple[HfApi | None, str | None]:
    """The Hub client and token this owner may use; (None, None) when there is none."""
    credentials = hub_credentials(session, owner_id)
    return credentials.api, credentials.token
