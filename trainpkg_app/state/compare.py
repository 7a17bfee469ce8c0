"""Comparing two sides of the history (a version or the current draft): the diff panel."""

from __future__ import annotations

import uuid
from typing import Literal

import reflex as rx

from trainpkg_app.core.diff import diff_snapshots
from trainpkg_app.core.drafts import comparable_view
from trainpkg_app.core.payloads import EntityId
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.versions import VersionSummary, list_versions
from trainpkg_app.state.events import checked
from trainpkg_app.state.history import HistoryState, open_package_id, version_snapshot
from trainpkg_app.state.owner import as_owner
from trainpkg_app.state.workspace import WorkspaceState

CHOICES_LIMIT = 100
DRAFT = "draft"
Side = Literal["draft"] | EntityId  # a compare side: the draft or a version


def _choices(versions: list[VersionSummary]) -> list[dict[str, str]]:
    return [{"value": DRAFT, "label": "Current draft"}] + [
        {"value": v.id, "label": f"v{v.version_number} · {v.name}"} for v in versions
    ]


class CompareState(rx.State):
    compare_open: bool = False
    compare_left: str = ""
    compare_right: str = DRAFT
    compare_choices: list[dict[str, str]] = []
    only_differences: bool = True
    _diff_rows: list[dict[str, str]] = []  # backend only: the panel shows shown_diff_rows

    @rx.var
    def shown_diff_rows(self) -> list[dict[str, str]]:
        if not self.only_differences:
            return self._diff_rows
        return [row for row in self._diff_rows if row["change"] != "unchanged"]

    @rx.event
    @checked(version_id=EntityId)
    async def open_compare(self, version_id: str):
        self.compare_left, self.compare_right, self.only_differences = version_id, DRAFT, True
        recent, _ = await as_owner(
            self,
            list_versions,
            package_id=uuid.UUID(await open_package_id(self)),
            limit=CHOICES_LIMIT,
            include_archived=True,
        )
        self.compare_choices = _choices(recent)
        self.compare_open = await self._compute_diff()
        if self.compare_open:  # keyboard and screen-reader users land in the panel
            return rx.call_script("document.getElementById('compare-heading')?.focus()")
        return None

    @rx.event
    @checked()
    def set_compare_open(self, value: bool):
        self.compare_open = value

    @rx.event
    @checked(value=Side)
    async def set_compare_left(self, value: str):
        self.compare_left = value
        await self._compute_diff()

    @rx.event
    @checked(value=Side)
    async def set_compare_right(self, value: str):
        self.compare_right = value
        await self._compute_diff()

    @rx.event
    @checked()
    def set_only_differences(self, value: bool):
        self.only_differences = value

    async def _side(self, choice: str) -> dict:
        if choice == DRAFT:
            return comparable_view((await self.get_state(WorkspaceState))._content())
        return await version_snapshot(self, choice)

    async def _compute_diff(self) -> bool:
        """The diff of the chosen sides; False (and why) when a side does not exist."""
        try:
            left, right = await self._side(self.compare_left), await self._side(self.compare_right)
        except (NotFound, ValueError) as missing:
            (await self.get_state(HistoryState)).message = str(missing)
            self.compare_open = False
            return False
        self._diff_rows = [row.model_dump(mode="json") for row in diff_snapshots(left, right)]
        return True
