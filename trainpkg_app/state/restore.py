"""Restoring a version as the draft: at once when nothing would be lost, else after asking."""

from __future__ import annotations

import uuid

import reflex as rx

from trainpkg_app.core.autosave import SAVED
from trainpkg_app.core.diff import diff_snapshots
from trainpkg_app.core.doctor import gentler_config
from trainpkg_app.core.drafts import comparable_view
from trainpkg_app.core.payloads import EntityId, ShortText, WarmStartRef
from trainpkg_app.core.resume import parse_warm_start
from trainpkg_app.db.errors import DraftConflict, NotFound
from trainpkg_app.db.publishing import restore_into_draft
from trainpkg_app.state.events import checked
from trainpkg_app.state.history import HistoryState, version_snapshot
from trainpkg_app.state.owner import as_owner
from trainpkg_app.state.workspace import WorkspaceState


class RestoreState(rx.State):
    restore_version_id: str = ""  # set while the dialog asks
    restore_label: str = ""
    _gentler: bool = False  # the doctor's retry: halve the learning rate once restored
    _warm_start: str = ""  # and start from this checkpoint (core/resume.warm_start_ref)

    @rx.event
    @checked(version_id=EntityId, label=ShortText)
    async def ask_restore(self, version_id: str, label: str):
        """Restore at once when nothing would be lost, else ask first."""
        return await self._ask(version_id, label, gentler=False)

    @rx.event
    @checked(version_id=EntityId, label=ShortText, warm_start=WarmStartRef)
    async def ask_gentler_retry(self, version_id: str, label: str, warm_start: str = ""):
        """After a doctor stop: the version as the draft, with half its learning rate and, when
        given, starting from that checkpoint (whose run must be the owner's at deploy time)."""
        self._warm_start = warm_start
        return await self._ask(version_id, label, gentler=True)

    async def _ask(self, version_id: str, label: str, *, gentler: bool):
        self.restore_version_id, self.restore_label, self._gentler = version_id, label, gentler
        if await self._draft_matches_parent(await self.get_state(WorkspaceState)):
            return await self._restore()
        return None

    async def _draft_matches_parent(self, drafts: WorkspaceState) -> bool:
        if drafts.status != SAVED or not drafts.parent_version_id:
            return False
        parent = await version_snapshot(self, drafts.parent_version_id)
        view = comparable_view(drafts._content())
        return all(row.change == "unchanged" for row in diff_snapshots(parent, view))

    @rx.event
    def cancel_restore(self):
        self.restore_version_id = ""

    @rx.event
    async def restore(self):
        return await self._restore()

    async def _restore(self):
        drafts = await self.get_state(WorkspaceState)
        history = await self.get_state(HistoryState)
        version_id, self.restore_version_id = self.restore_version_id, ""
        try:
            content, revision = await as_owner(
                self,
                restore_into_draft,
                package_id=uuid.UUID(drafts.package_id),
                version_id=uuid.UUID(version_id),
                expected_revision=drafts.revision,
            )
        except (DraftConflict, NotFound) as refused:
            history.message = f"Not restored: {refused}"
            return
        drafts._load_content(content)
        drafts._load_workflow(content.workflow)
        drafts._adopt(revision, content, version_id)
        drafts.status = SAVED
        history.message = f"Restored {self.restore_label} into the draft. History is unchanged."
        changes = gentler_config(content.forms["config"]) if self._gentler else {}
        if not changes:
            return None
        before = content.forms["config"]["learning_rate"]
        start = parse_warm_start(self._warm_start)
        changes["warm_start"] = self._warm_start  # or none: an older one's may be gone too
        history.message = (
            f"Restored {self.restore_label} into the draft with the learning rate halved "
            f"({before} to {changes['learning_rate']})"
            + (f", starting from its checkpoint at step {start[1]}" if start else "")
            + ": publish it to try again."
            + ("" if start else " It starts from the base model: no checkpoint was saved before.")
        )
        return drafts._apply_edit("config", changes)  # unsaved: the auto-save loop starts
