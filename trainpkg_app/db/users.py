"""Users. Until sign-in exists, everything belongs to one local user."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from trainpkg_app.db.models import User

LOCAL_USER_EMAIL = "local@trainpkg.invalid"


def get_or_create_local_user(session: Session) -> uuid.UUID:
    user = session.exec(select(User).where(User.email == LOCAL_USER_EMAIL)).first()
    if user is None:
        user = User(email=LOCAL_USER_EMAIL, password_hash="!", is_admin=True)
        session.add(user)
        session.flush()
    return user.id
