"""The package list: create, open, rename, delete. The open package's draft is WorkspaceState."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from trainpkg_app.core.payloads import EntityId, ShortText
from trainpkg_app.core.step_data import PackageName
from trainpkg_app.core.validation import parse
from trainpkg_app.db.drafts import StoredDraft, create_with_draft, load_draft, open_or_create
from trainpkg_app.db.errors import NameTaken, NotFound
from trainpkg_app.db.packages import delete_package, list_packages, rename_package
from trainpkg_app.state import links
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import as_owner
from trainpkg_app.state.workspace import WorkspaceState


@dataclass(frozen=True)
class PackageRow:
    id: str
    name: str


def _rows(summaries: list) -> list[PackageRow]:
    return [PackageRow(id=p.id, name=p.name) for p in summaries]


NO_SUCH_PACKAGE = "This package does not exist."


def _after_open() -> list:
    """Once a package is shown: its versions, and its latest run."""
    return [links.history_refresh.get(), links.runs_show_latest.get()]


class PackagesState(rx.State):
    packages: list[PackageRow] = []
    name_input: str = ""
    name_error: str = ""
    notice: str = ""
    last_package_id: str = rx.LocalStorage("", name="trainpkg_last_package", sync=True)

    async def _opened(self) -> list:
        """After opening: versions and runs; auto-save too when edits came back unsaved."""
        unsaved = (await self.get_state(WorkspaceState))._has_unsaved_edits()
        return [*_after_open(), *([WorkspaceState.ensure_autosave] if unsaved else [])]

    async def _show(self, stored: StoredDraft) -> None:
        drafts = await self.get_state(WorkspaceState)
        drafts._show(stored)
        drafts._recover_unsaved_edits()
        self.name_input, self.name_error = stored.name, ""
        self.last_package_id = stored.package_id
        self.packages = _rows(await as_owner(self, list_packages))

    async def _flush_current(self) -> bool:
        """Save the open draft's edits before leaving it; False (and a notice) if that failed."""
        problem = await (await self.get_state(WorkspaceState))._flush()
        self.notice = f"This draft is not saved, so it stays open: {problem}" if problem else ""
        return not problem

    @rx.event
    async def open_initial(self):
        """Page load: the package in the URL (?package=<id>), else the one opened last, else
        the newest, else a new one."""
        self.notice = ""
        wanted = self.router.url.query_parameters.get("package", "")
        drafts = await self.get_state(WorkspaceState)
        if not wanted and drafts.package_id and drafts._has_unsaved_edits():
            # A reconnect (a worker restarted) or a reload: keep the edits the server holds.
            self.packages = _rows(await as_owner(self, list_packages))
            drafts._recover_unsaved_edits()  # newer than the server's, if it lost a lease
            return [*_after_open(), WorkspaceState.ensure_autosave]  # unsaved, as just checked
        if wanted and await self._try_open(wanted):
            return await self._opened()
        await self._show(await as_owner(self, open_or_create, package_id=self.last_package_id))
        return await self._opened()

    async def _try_open(self, package_id: str) -> bool:
        """Open the package; when it is not there (or not this user's): say so, exactly alike."""
        try:
            await self._show(await as_owner(self, load_draft, package_id=uuid.UUID(package_id)))
        except (NotFound, ValueError):
            self.notice = NO_SUCH_PACKAGE
            return False
        return True

    @rx.event
    async def refresh(self):
        """Re-read the list, and show the open draft's name (after it changed elsewhere)."""
        self.packages = _rows(await as_owner(self, list_packages))
        self.name_input = (await self.get_state(WorkspaceState)).package_name
        self.name_error = ""

    @rx.event
    @checked(package_id=EntityId)
    async def open_package(self, package_id: str):
        drafts = await self.get_state(WorkspaceState)
        if package_id == drafts.package_id or not await self._flush_current():
            return None
        return await self._open(package_id)

    async def _open(self, package_id: str):
        self.notice = ""
        return _after_open() if await self._try_open(package_id) else None

    @rx.event
    async def new_package(self):
        if not await self._flush_current():
            return None
        self.notice = ""
        await self._show(await as_owner(self, create_with_draft))
        return _after_open()

    @rx.event
    @checked(value=ShortText)
    def set_name_input(self, value: str):
        self.name_input = value
        self.name_error = parse(PackageName, {"name": value}).errors.get("name", "")

    @rx.event
    async def rename(self):
        drafts = await self.get_state(WorkspaceState)
        name = self.name_input.strip()
        self.name_error = parse(PackageName, {"name": name}).errors.get("name", "")
        if self.name_error or name == drafts.package_name:
            return

        try:
            await as_owner(self, rename_package, package_id=uuid.UUID(drafts.package_id), name=name)
        except (NameTaken, NotFound) as refused:
            self.name_error = str(refused)
            return
        drafts.package_name = name
        self.packages = _rows(await as_owner(self, list_packages))

    @rx.event
    async def delete_current(self):
        drafts = await self.get_state(WorkspaceState)
        doomed = drafts.package_id

        await as_owner(self, delete_package, package_id=uuid.UUID(doomed))
        self.last_package_id, self.notice = "", ""
        await self._show(await as_owner(self, open_or_create, package_id=None))  # the newest
        return _after_open()


links.packages_refresh.provide(PackagesState.refresh)
