"""Running the data layer on behalf of the signed-in user, off the event loop.

Every call looks the session up (expired, revoked or missing: NotSignedIn, and the app sends the
browser to the sign-in page), scopes the transaction to the user (row-level security on
PostgreSQL) and passes their id to the crud function, which filters by it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import reflex as rx
from huggingface_hub import HfApi

from trainpkg_app.db.accounts import user_for_token
from trainpkg_app.db.engine import scope_to_user, session_scope
from trainpkg_app.db.hub_tokens import hub_api_for_owner
from trainpkg_app.hub.api import hub_api
from trainpkg_app.state.auth import AuthState

T = TypeVar("T")


class NotSignedIn(Exception):
    """The session ended (logout, expiry, revocation): sign in again."""


def _run_as(token: str, crud: Callable[..., T], kwargs: dict) -> T:
    with session_scope() as session:
        user = user_for_token(session, token)
        if user is None:
            raise NotSignedIn("Your session has ended: sign in again.")
        scope_to_user(session, user.id)
        return crud(session, owner_id=user.id, **kwargs)


async def session_token(state: rx.State) -> str:
    """The browser's session token (inside a background task: call it under ``async with``)."""
    return (await state.get_state(AuthState)).session_token


async def as_user(token: str, crud: Callable[..., T], /, **kwargs) -> T:
    """``crud(session, owner_id=<the token's user>, **kwargs)`` in one transaction, in a thread."""
    return await rx.run_in_thread(lambda: _run_as(token, crud, kwargs))


async def as_owner(state: rx.State, crud: Callable[..., T], /, **kwargs) -> T:
    """``as_user`` for the session of the browser that sent the event."""
    return await as_user(await session_token(state), crud, **kwargs)


def _hub_client(session, *, owner_id) -> HfApi:
    api, _token = hub_api_for_owner(session, owner_id)
    return api or hub_api()


async def owner_hub_api(token: str) -> HfApi:
    """The Hub client for the user (their stored token, else the server's, else anonymous)."""
    return await as_user(token, _hub_client)
