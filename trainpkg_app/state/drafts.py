"""The open package's draft: load it, auto-save it, resolve conflicts. Part of the workspace
state (state/workspace.py).

One auto-save loop per session runs while there are unsaved edits (started by the first
edit, ended once everything is saved), so a closed tab leaves no loop behind."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime
from enum import Enum

import reflex as rx
import sqlalchemy as sa

from trainpkg_app.core.autosave import CONFLICT, RETRYING, SAVED, SAVING, UNSAVED, AutosaveSchedule
from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.core.edit_journal import EditJournal
from trainpkg_app.core.names import generate_draft_name, generate_version_name
from trainpkg_app.core.step_data import PACKAGE_NAME_LENGTH
from trainpkg_app.core.workers import lease_held, start_pending, this_worker
from trainpkg_app.db.drafts import StoredDraft, create_with_draft, load_draft, save_draft
from trainpkg_app.db.errors import DraftConflict, NotFound, save_failure
from trainpkg_app.settings import get_settings
from trainpkg_app.state import links
from trainpkg_app.state.owner import as_owner, as_user, session_token


class Step(Enum):
    CONTINUE = "continue"
    STOP = "stop"
    FAILED = "failed"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _refresh_packages():
    return links.packages_refresh.get()


SAVE_STALE_S = 60.0  # a save that has not answered by then died with its worker
LOOP_START_WAIT_S = 10.0  # a loop start event not back by then was lost: ask again


# This worker's running auto-save loops, by client token (see AutosaveMixin._loop_runs).
_LOOPS: dict[str, asyncio.Task] = {}


def _schedule() -> AutosaveSchedule:
    return AutosaveSchedule(interval_s=get_settings().autosave_interval_s)


class AutosaveMixin(rx.State, mixin=True):
    package_id: str = ""
    package_name: str = ""
    draft_started_at: str = ""
    revision: int = 0
    parent_version_id: str = ""
    last_version_number: int = 0
    _saved_fingerprint: str = ""
    # Leases, not flags: a worker that dies mid-loop or mid-save must not block this session.
    _loop_beat: float = 0.0  # when the running auto-save loop last woke (0: none runs)
    _loop_worker: str = ""  # host:pid of the worker that runs it
    # The connection sent the loop's start event, and when, until the loop starts: a page
    # that reloads or reconnects meanwhile never sends it back, so its next connection asks
    # again (as does this one, should the event be lost some other way).
    _loop_asked_by: str = ""
    _loop_asked_at: float = 0.0
    _saving_since: float = 0.0
    _saving_worker: str = ""

    @rx.var
    def draft_name(self) -> str:
        if not self.draft_started_at:
            return ""
        return generate_draft_name(self.package_name, datetime.fromisoformat(self.draft_started_at))

    @rx.var
    def next_version_name(self) -> str:
        if not self.package_name:
            return ""
        return generate_version_name(self.package_name, self.last_version_number + 1)

    def _content(self) -> DraftContent:
        """What the user has now (call with the state lock held)."""
        return DraftContent(
            forms=self.forms, datasets=self.datasets, workflow=self._workflow_dict()
        )

    def _show(self, stored: StoredDraft) -> None:
        """Put a stored draft on screen, as saved."""
        self.package_id = stored.package_id
        self.package_name = stored.name
        self.draft_started_at = stored.started_at.isoformat(timespec="seconds")
        self.revision = stored.revision
        self.parent_version_id = stored.parent_version_id or ""
        self.last_version_number = stored.last_version_number
        self._saved_fingerprint = stored.content.fingerprint()
        self._load_content(stored.content)
        self._load_workflow(stored.content.workflow)
        self.status, self.detail = SAVED, ""

    def _recover_unsaved_edits(self) -> bool:
        """Put back the edits the browser kept (a worker or the app died before saving them);
        drop them when the draft was saved elsewhere since. True when some came back."""
        journal = EditJournal.parse(self.edit_journal)
        if not journal.applies_to(self.package_id, self.revision):
            self.edit_journal = ""
            return False
        content = self._content()
        recovered = DraftContent.model_validate(
            content.model_dump() | {"forms": journal.apply(content.forms)}
        )
        if recovered.fingerprint() == self._saved_fingerprint:  # nothing the server lacks
            self.edit_journal = ""
            return False
        self._load_content(recovered)
        self.status = UNSAVED
        return True

    def _journal_saved(self, revision: int, everything: bool) -> None:
        """A save went through: the browser forgets what it holds, or rebases what is newer."""
        if everything:
            self.edit_journal = ""
        else:
            self.edit_journal = EditJournal.parse(self.edit_journal).rebased(revision).dump()

    def _has_unsaved_edits(self) -> bool:
        return self._content().fingerprint() != self._saved_fingerprint

    @rx.event
    async def ensure_autosave(self):
        """Start the auto-save loop unless one runs already (latest edit wins nothing twice)."""
        return self._autosave_loop_if_needed()

    def _autosave_loop_if_needed(self):
        """The loop to start, or None while one runs or this connection was sent its start:
        called inside an edit, it spares the browser a second event per keystroke
        (bench/concurrent_sessions.py)."""
        if self._loop_runs() or self.status == CONFLICT or not self.package_id:
            return None
        connection, now = self.router.session.session_id, time.time()
        if start_pending(
            self._loop_asked_by, self._loop_asked_at, connection, LOOP_START_WAIT_S, now
        ):
            return None
        self._loop_asked_by, self._loop_asked_at = connection, now
        return self.__class__.autosave_loop  # the workspace's (self may be a proxy)

    def _loop_runs(self) -> bool:
        stale_s = _schedule().stale_after_s()
        if not lease_held(self._loop_beat, self._loop_worker, stale_s, time.time()):
            return False
        if self._loop_worker != this_worker():
            return True  # another worker's: its heartbeat and life are all we can see
        # Ours: Reflex cancels a loop that a page load started when that page disconnects or
        # reconnects, and the lease outlives it; only a live task counts.
        task = _LOOPS.get(self.router.session.client_token)
        return task is not None and not task.done()

    @rx.event(background=True)
    async def autosave_loop(self):
        async with self:
            self._loop_asked_by, self._loop_asked_at = "", 0.0
            if self._loop_runs():  # asked twice (two connections): the first one runs
                return
            self._loop_beat, self._loop_worker = time.time(), this_worker()
            token = self.router.session.client_token
        _LOOPS[token] = asyncio.current_task()
        try:
            await self._save_until_done()
        except asyncio.CancelledError:
            await asyncio.shield(self._release_loop())  # the next ask may start another
            raise
        finally:
            if _LOOPS.get(token) is asyncio.current_task():
                del _LOOPS[token]

    async def _save_until_done(self) -> None:
        schedule = _schedule()
        failures = 0
        while True:
            # +-10 %: sessions that started together do not all save in the same instant
            await asyncio.sleep(schedule.next_delay(failures) * random.uniform(0.9, 1.1))
            outcome = await self._save_once(in_loop=True)
            if outcome == Step.STOP:
                return
            failures = failures + 1 if outcome == Step.FAILED else 0

    async def _release_loop(self) -> None:
        async with self:
            if self._loop_worker == this_worker():
                self._loop_beat = 0.0

    @rx.event(background=True)
    async def save_now(self):
        """Save at once (step change, publish, page hidden); on failure the loop retries."""
        if await self._save_once(in_loop=False) == Step.FAILED:
            return self.__class__.ensure_autosave
        return None

    async def _save_once(self, *, in_loop: bool) -> Step:
        async with self:
            content = self._content()
            fingerprint = content.fingerprint()
            if (
                not self.package_id
                or self.status == CONFLICT
                or fingerprint == self._saved_fingerprint
            ):
                if fingerprint == self._saved_fingerprint and self.status == UNSAVED:
                    self.status = SAVED
                return self._stop(in_loop)
            if in_loop:
                self._loop_beat = time.time()
            if lease_held(self._saving_since, self._saving_worker, SAVE_STALE_S, time.time()):
                return Step.CONTINUE
            self._saving_since, self._saving_worker = time.time(), this_worker()
            package_id, expected = uuid.UUID(self.package_id), self.revision
            token = await session_token(self)
            if self.status != RETRYING:
                self.status = SAVING
        try:
            revision = await as_user(
                token,
                save_draft,
                package_id=package_id,
                expected_revision=expected,
                content=content,
            )
        except (DraftConflict, NotFound, sa.exc.SQLAlchemyError) as error:
            failure = save_failure(error)
            async with self:
                self._saving_since = 0.0
                self.status, self.detail = failure.status, failure.detail
                return Step.FAILED if failure.retry else self._stop(in_loop)
        async with self:
            self._saving_since = 0.0
            self.revision, self._saved_fingerprint = revision, fingerprint
            self.saved_at, self.detail = _now_iso(), ""
            everything = self._content().fingerprint() == fingerprint
            self._journal_saved(revision, everything)
            if everything:
                self.status = SAVED
                return self._stop(in_loop)
            self.status = UNSAVED
            return Step.CONTINUE

    def _stop(self, in_loop: bool) -> Step:
        if in_loop:
            self._loop_beat = 0.0
        return Step.STOP

    async def _flush(self) -> str:
        """Write unsaved edits now (before leaving this draft or publishing it).

        Returns '' when everything is saved, else why it is not (the edits stay on screen)."""
        if self.status == CONFLICT:
            return "Resolve the conflict first: reload the newer draft or keep yours as a new one."
        content = self._content()
        fingerprint = content.fingerprint()
        if not self.package_id or fingerprint == self._saved_fingerprint:
            return ""
        package_id, expected = uuid.UUID(self.package_id), self.revision
        try:
            self.revision = await as_owner(
                self, save_draft, package_id=package_id, expected_revision=expected, content=content
            )
        except (DraftConflict, sa.exc.SQLAlchemyError) as error:
            failure = save_failure(error)
            self.status, self.detail = failure.status, failure.detail
            return failure.refusal()
        self._saved_fingerprint = fingerprint
        self._journal_saved(self.revision, everything=True)
        self.status, self.saved_at, self.detail = SAVED, _now_iso(), ""
        return ""

    def _adopt(self, revision: int, content: DraftContent, parent_version_id: str) -> None:
        """Record a save done elsewhere in this session (publish, restore)."""
        self.revision = revision
        self._saved_fingerprint = content.fingerprint()
        self.parent_version_id = parent_version_id
        self._journal_saved(revision, everything=True)

    @rx.event
    async def reload_newer(self):
        """Conflict: drop this session's edits and show the draft that was saved elsewhere."""
        self._show(await as_owner(self, load_draft, package_id=uuid.UUID(self.package_id)))
        return _refresh_packages()

    @rx.event
    async def keep_mine_as_new(self):
        """Conflict: keep this session's edits as a new package; the other draft stays as is."""
        content = self._content()
        suffix = " (my copy)"
        name = self.package_name[: PACKAGE_NAME_LENGTH - len(suffix)].rstrip() + suffix

        self._show(await as_owner(self, create_with_draft, name=name, content=content))
        return _refresh_packages()
