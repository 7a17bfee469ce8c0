"""A user's webhook URL: checked, stored encrypted, read back on the server only."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from trainpkg_app.core.webhook import check_target, masked
from trainpkg_app.db.models import User
from trainpkg_app.secrets_store import decrypt, encrypt
from trainpkg_app.settings import get_settings


def save_webhook(session: Session, *, owner_id: uuid.UUID, url: str) -> str:
    """Store the URL (WebhookRefused says why not); returns it masked, as the browser sees it."""
    target = check_target(url, allow_private=get_settings().webhook_allow_private)
    user = session.get(User, owner_id)
    user.webhook_url_encrypted = encrypt(target.url)
    session.add(user)
    session.flush()
    return masked(target.url)


def read_webhook(session: Session, *, owner_id: uuid.UUID) -> str | None:
    """The stored URL in clear (server side only), or None."""
    user = session.get(User, owner_id)
    return decrypt(user.webhook_url_encrypted) if user and user.webhook_url_encrypted else None


def masked_webhook(session: Session, *, owner_id: uuid.UUID) -> str:
    """The stored URL as the browser may see it ('' when there is none)."""
    url = read_webhook(session, owner_id=owner_id)
    return masked(url) if url else ""


def delete_webhook(session: Session, *, owner_id: uuid.UUID) -> None:
    user = session.get(User, owner_id)
    if user and user.webhook_url_encrypted:
        user.webhook_url_encrypted = None
        session.add(user)
        session.flush()
