"""Who the current user is. Until sign-in exists: the one local user."""

from __future__ import annotations

import uuid
from functools import cache

from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.users import get_or_create_local_user


@cache
def current_owner_id() -> uuid.UUID:
    with session_scope() as session:
        return get_or_create_local_user(session)
