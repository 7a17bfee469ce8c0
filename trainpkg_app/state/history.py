"""The version-history sidebar's list: pages of versions, archived ones on request, and the
sidebar's message. Publishing, comparing and restoring are their own states (publish.py,
compare.py, restore.py), which report here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from trainpkg_app.core.cost import usd
from trainpkg_app.core.payloads import EntityId
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.versions import (
    VersionSummary,
    get_version,
    list_versions,
    set_archived,
    snapshot_of_version,
)
from trainpkg_app.state import links
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import as_owner
from trainpkg_app.state.workspace import WorkspaceState

PAGE_SIZE = 10


@dataclass(frozen=True)
class VersionRow:
    """One version as the sidebar lists it."""

    id: str
    label: str
    name: str
    status: str
    published_at: str  # ISO time, or "" for none
    change_summary: str
    target: str
    deployment_url: str
    training_status: str
    estimated_cost: str
    actual_cost: str
    evaluation: str = ""  # its latest completed run's evaluation, one line
    sweep_trial: bool = False  # a sweep's trial: indented under its parent, with a badge

    @classmethod
    def of(cls, version: VersionSummary) -> VersionRow:
        return cls(
            id=version.id,
            label=f"v{version.version_number}",
            name=version.name,
            status=version.status,
            published_at=version.published_at.isoformat() if version.published_at else "",
            change_summary=version.change_summary,
            target=version.deployment_target or "—",
            deployment_url=version.deployment_url,
            training_status=version.training_status or "not run",
            estimated_cost=usd(version.estimated_cost),
            actual_cost=usd(version.actual_cost),
            evaluation=version.evaluation,
            sweep_trial=bool(version.sweep_id),
        )


async def version_snapshot(state: rx.State, version_id: str) -> dict:
    """The owner's version as published (NotFound for anyone else's)."""
    version = await as_owner(state, get_version, version_id=uuid.UUID(version_id))
    return snapshot_of_version(version)


async def open_package_id(state: rx.State) -> str:
    return (await state.get_state(WorkspaceState)).package_id


class HistoryState(rx.State):
    versions: list[VersionRow] = []
    total: int = 0
    offset: int = 0
    include_archived: bool = False
    message: str = ""

    @rx.var
    def page_label(self) -> str:
        if not self.total:
            return "No versions yet"
        last = min(self.offset + PAGE_SIZE, self.total)
        return f"{self.offset + 1}-{last} of {self.total}"

    @rx.var
    def has_newer(self) -> bool:
        return self.offset > 0

    @rx.var
    def has_older(self) -> bool:
        return self.offset + PAGE_SIZE < self.total

    @rx.event
    async def refresh(self):
        await self._reload()

    async def _reload(self) -> None:
        package_id = await open_package_id(self)
        if not package_id:
            return
        rows, self.total = await self._query(package_id)
        if not rows and self.offset:  # the page emptied (archived): show the last one
            self.offset = max(self.total - 1, 0) // PAGE_SIZE * PAGE_SIZE
            rows, self.total = await self._query(package_id)
        self.versions = [VersionRow.of(v) for v in rows]

    async def _query(self, package_id: str) -> tuple[list[VersionSummary], int]:
        return await as_owner(
            self,
            list_versions,
            package_id=uuid.UUID(package_id),
            offset=self.offset,
            limit=PAGE_SIZE,
            include_archived=self.include_archived,
        )

    async def _show_first_page(self, message: str) -> None:
        """After a new version: the newest page, and what happened."""
        self.offset, self.message = 0, message
        await self._reload()

    @rx.event
    async def newer(self):
        self.offset = max(self.offset - PAGE_SIZE, 0)
        await self._reload()

    @rx.event
    async def older(self):
        self.offset += PAGE_SIZE
        await self._reload()

    @rx.event
    @checked()
    async def set_include_archived(self, value: bool):
        self.include_archived, self.offset = value, 0
        await self._reload()

    @rx.event
    @checked(version_id=EntityId)
    async def archive(self, version_id: str, archived: bool):
        try:
            await as_owner(self, set_archived, version_id=uuid.UUID(version_id), archived=archived)
        except (NotFound, ValueError) as missing:
            self.message = str(missing)
            return
        await self._reload()


links.history_refresh.provide(HistoryState.refresh)
