"""Who the current user is (until sign-in exists: the one local user), and running the data
layer on their behalf off the event loop."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import cache
from typing import TypeVar

import reflex as rx
from huggingface_hub import HfApi

from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.hub_tokens import hub_api_for_owner
from trainpkg_app.db.users import get_or_create_local_user
from trainpkg_app.hub.api import hub_api

T = TypeVar("T")


@cache
def current_owner_id() -> uuid.UUID:
    with session_scope() as session:
        return get_or_create_local_user(session)


async def as_owner(crud: Callable[..., T], /, **kwargs) -> T:
    """``crud(session, owner_id=<current user>, **kwargs)`` in one transaction, in a thread."""

    def run() -> T:
        with session_scope() as session:
            return crud(session, owner_id=current_owner_id(), **kwargs)

    return await rx.run_in_thread(run)


def owner_hub_api() -> HfApi:
    """The Hub client for the current user (their stored token, else the server's, else
    anonymous). Blocking: call it inside a thread."""
    with session_scope() as session:
        api, _token = hub_api_for_owner(session, current_owner_id())
    return api or hub_api()
