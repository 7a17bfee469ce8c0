"""The app's Reflex states without a browser: one state tree per tab, signed in, on a
temporary SQLite database.

A handler runs as its plain function (``Handler.fn(state, ...)``) on a substate of one root
``State`` built with every substate (``_reflex_internal_init=True``, as Reflex's own tests
build it); what it returns (the follow-up events) comes back to the test, not dispatched.
Outside Reflex's event processor no StateProxy wraps the state, so ``async with self`` in a
background handler (autosave_loop, save_now) is the plain state's no-op: a test runs those
directly, one at a time.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import re
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from reflex.state import State

import trainpkg_app.state as states
from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.db.accounts import create_account, start_session, user_for_token
from trainpkg_app.db.drafts import StoredDraft, create_with_draft, load_draft
from trainpkg_app.db.engine import get_engine, session_scope
from trainpkg_app.state.auth import AuthState
from trainpkg_app.state.packages import PackagesState

T = TypeVar("T")
PASSWORD = "a long passphrase"
DRAFT_WRITE = re.compile(r"^\s*UPDATE training_packages\b", re.IGNORECASE)
REAL_SLEEP = asyncio.sleep  # kept before a test puts a Clock in its place

# As the app does: every state module loaded, so the follow-up links are filled in.
for _module in pkgutil.iter_modules(states.__path__):
    importlib.import_module(f"{states.__name__}.{_module.name}")


def new_user(email: str | None = None) -> str:
    """A new account on the configured database, signed in: its session token."""
    with session_scope() as session:
        user = create_account(
            session, email=email or f"{uuid.uuid4().hex[:12]}@example.com", password=PASSWORD
        )
        return start_session(session, user.id, timedelta(hours=1))


def stored_draft(token: str, package_id: str) -> StoredDraft:
    """The draft as the database holds it now (read as the token's user)."""
    with session_scope() as session:
        user = user_for_token(session, token)
        assert user is not None
        return load_draft(session, owner_id=user.id, package_id=uuid.UUID(package_id))


def new_package(token: str, content: DraftContent | None = None, name: str | None = None) -> str:
    """A package of the token's user whose draft holds ``content``: its id."""
    with session_scope() as session:
        user = user_for_token(session, token)
        assert user is not None
        return create_with_draft(session, owner_id=user.id, name=name, content=content).package_id


class Tab:
    """One browser tab: its own state tree, with the session token in its local storage."""

    def __init__(self, token: str) -> None:
        self.root = State(_reflex_internal_init=True)
        self.state(AuthState).session_token = token

    def state(self, cls: type[T]) -> T:
        """This tab's instance of a state class (the tree holds every substate)."""
        return self.root.get_substate(cls.get_full_name().split("."))  # type: ignore[attr-defined]

    async def send(self, handler: Any, **payload: Any) -> Any:
        """Run an event handler as if this tab sent it; returns its follow-up events."""
        result = handler.fn(self.state(handler.state), **payload)
        return await result if inspect.isawaitable(result) else result

    async def open(self, package_id: str | None = None) -> Tab:
        """The Training page loads (the newest package), then opens ``package_id`` if given."""
        await self.send(PackagesState.open_initial)
        if package_id:
            await self.send(PackagesState.open_package, package_id=package_id)
        return self


async def open_tab(token: str, package_id: str | None = None) -> Tab:
    return await Tab(token).open(package_id)


@contextmanager
def on_draft_write(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` (in the database thread) as each statement that writes a draft is
    sent; what it raises, the write raises."""

    def listener(_conn, _cursor, statement, *_args) -> None:
        if DRAFT_WRITE.match(statement):
            callback()

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def database_down(times: int) -> Callable[[], None]:
    """A draft-write callback: the first ``times`` writes fail as a locked database does."""
    left = [times]

    def fail() -> None:
        if left[0] > 0:
            left[0] -= 1
            raise sa.exc.OperationalError("UPDATE", {}, Exception("database is locked"))

    return fail


class Clock:
    """Stands in for ``asyncio.sleep`` in a running auto-save loop: records each delay and
    runs the next scripted action (what the user or another tab does meanwhile) at once."""

    def __init__(self, *actions: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        self.delays: list[float] = []
        self._actions = list(actions)

    async def sleep(self, delay: float, *_args: Any) -> None:
        self.delays.append(delay)
        if self._actions:
            await self._actions.pop(0)()
        await REAL_SLEEP(0)
