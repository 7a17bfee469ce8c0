"""The run queue as the user sees it: queue the open package's newest version (Deploy step),
and on the Runs tab the waiting entries with their position and reason, reorder and cancel.
The monitor starts them (deploy/run_queue.py); this state only asks and shows."""

from __future__ import annotations

import asyncio
import uuid
from typing import Literal

import reflex as rx

from trainpkg_app.core.payloads import EntityId
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.versions import list_versions
from trainpkg_app.deploy import run_queue
from trainpkg_app.deploy.service import list_runs
from trainpkg_app.state.connection import tab_connected
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import as_owner, as_user, session_token
from trainpkg_app.state.tabs import TrainingTabsState
from trainpkg_app.state.workspace import WorkspaceState

NOTHING_PUBLISHED = "Publish a version first: only published versions are queued."
REFRESH_S = 2.0


def _queue_newest(session, *, owner_id, package_id: uuid.UUID) -> tuple[str, int]:
    """Queue the package's newest published version: ("v<n>", its position)."""
    rows, _total = list_versions(session, owner_id=owner_id, package_id=package_id, limit=1)
    if not rows:
        raise NotFound(NOTHING_PUBLISHED)
    run_queue.enqueue(session, owner_id, uuid.UUID(rows[0].id))
    return f"v{rows[0].version_number}", len(run_queue.entries(session, owner_id))


def _rows(session, *, owner_id) -> list[dict[str, str]]:
    return [row.fields() for row in run_queue.entries(session, owner_id)]


def _move(session, *, owner_id, entry_id: uuid.UUID, delta: int) -> list[dict[str, str]]:
    run_queue.move(session, owner_id, entry_id, delta)
    return _rows(session, owner_id=owner_id)


def _cancel(session, *, owner_id, entry_id: uuid.UUID) -> list[dict[str, str]]:
    run_queue.cancel(session, owner_id, entry_id)
    return _rows(session, owner_id=owner_id)


class RunQueueState(rx.State):
    rows: list[dict[str, str]] = []  # the waiting entries, next first (deploy/run_queue.QueueRow)
    message: str = ""  # the Deploy step's line: queued where, or why not
    queue_message: str = ""  # the Runs tab's line: a refused reorder or cancel
    live: bool = False  # a loop keeps the list in step with the monitor for this tab
    _follow_serial: int = 0

    @rx.event
    @checked()
    async def queue_latest(self):
        """The Deploy step's Queue button: the open package's newest published version waits
        for its turn on the target it was published with."""
        package_id = (await self.get_state(WorkspaceState)).package_id
        if not package_id:
            self.message = NOTHING_PUBLISHED
            return None
        try:
            label, position = await as_owner(self, _queue_newest, package_id=uuid.UUID(package_id))
        except (NotFound, run_queue.QueueRefused) as refused:
            self.message = str(refused)
            return None
        self.message = f"{label} is queued at position {position}: see the Runs tab."
        return RunQueueState.refresh

    @rx.event
    @checked()
    async def refresh(self):
        """Load the queue (the Runs tab shows it) and follow it while entries wait."""
        self.rows = await as_owner(self, _rows)
        return RunQueueState.follow if self.rows and not self.live else None

    @rx.event
    @checked(entry_id=EntityId, delta=Literal[-1, 1])
    async def move(self, entry_id: str, delta: int):
        """Up (-1) or down (1) one place."""
        await self._change(_move, entry_id=uuid.UUID(entry_id), delta=delta)

    @rx.event
    @checked(entry_id=EntityId)
    async def cancel(self, entry_id: str):
        """Take a waiting entry out of the queue."""
        await self._change(_cancel, entry_id=uuid.UUID(entry_id))

    async def _change(self, crud, **kwargs) -> None:
        try:
            self.rows = await as_owner(self, crud, **kwargs)
            self.queue_message = ""
        except NotFound as gone:  # started meanwhile, cancelled elsewhere, or not theirs
            self.queue_message = str(gone)
            self.rows = await as_owner(self, _rows)

    @rx.event(background=True)
    async def follow(self):
        """Re-read the queue every few seconds while it holds entries and the tab is open;
        when an entry has started, the Runs list shows its run."""
        async with self:
            self._follow_serial += 1
            serial, token, self.live = self._follow_serial, await session_token(self), True
        try:
            await self._follow(serial, token)
        finally:
            async with self:
                if serial == self._follow_serial:
                    self.live = False

    async def _follow(self, serial: int, token: str) -> None:
        while True:
            await asyncio.sleep(REFRESH_S)
            rows = await as_user(token, _rows)
            async with self:
                if serial != self._follow_serial or not await tab_connected(self):
                    return
                started = {row["id"] for row in self.rows} - {row["id"] for row in rows}
                self.rows = rows
                if started:  # their runs are on the list now
                    (await self.get_state(TrainingTabsState)).runs = await as_user(token, list_runs)
                if not rows:
                    return
