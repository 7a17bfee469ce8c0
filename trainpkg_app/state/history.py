"""The version-history sidebar: list, publish, compare, restore, archive."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

import reflex as rx
import sqlalchemy as sa

from trainpkg_app.core.cost import usd
from trainpkg_app.core.diff import diff_snapshots
from trainpkg_app.core.drafts import comparable_view, snapshot_of
from trainpkg_app.core.insights import run_estimate
from trainpkg_app.core.payloads import EntityId, LongText, ShortText
from trainpkg_app.core.workflow import step_label
from trainpkg_app.db.errors import DraftConflict, NotFound, unavailable
from trainpkg_app.db.publishing import publish_draft, restore_into_draft
from trainpkg_app.db.versions import (
    VersionSummary,
    get_version,
    list_versions,
    set_archived,
    snapshot_of_version,
)
from trainpkg_app.state import links
from trainpkg_app.state.drafts import DraftState
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import as_owner
from trainpkg_app.state.save_status import CONFLICT, SaveStatusState
from trainpkg_app.state.step_data import StepDataState
from trainpkg_app.state.wizard import WizardState

PAGE_SIZE = 10
CHOICES_LIMIT = 100
DRAFT = "draft"
Side = Literal["draft"] | EntityId  # a compare side: the draft or a version


def version_row(version: VersionSummary) -> dict[str, str]:
    return {
        "id": version.id,
        "label": f"v{version.version_number}",
        "name": version.name,
        "status": version.status,
        "published_at": version.published_at.isoformat() if version.published_at else "",
        "change_summary": version.change_summary,
        "target": version.deployment_target or "—",
        "deployment_url": version.deployment_url,
        "training_status": version.training_status or "not run",
        "estimated_cost": usd(version.estimated_cost),
        "actual_cost": usd(version.actual_cost),
    }


def _choices(versions: list[VersionSummary]) -> list[dict[str, str]]:
    return [{"value": DRAFT, "label": "Current draft"}] + [
        {"value": v.id, "label": f"v{v.version_number} · {v.name}"} for v in versions
    ]


async def _version_snapshot(state: rx.State, version_id: str) -> dict:
    version = await as_owner(state, get_version, version_id=uuid.UUID(version_id))
    return snapshot_of_version(version)


def _estimated_cost(content) -> Decimal | None:
    cost = run_estimate(content.forms, content.datasets).get("cost_usd")
    return Decimal(cost) if cost else None


class HistoryState(rx.State):
    versions: list[dict[str, str]] = []
    total: int = 0
    offset: int = 0
    include_archived: bool = False
    message: str = ""
    # publish
    publish_open: bool = False
    change_summary: str = ""
    # compare
    compare_open: bool = False
    compare_left: str = ""
    compare_right: str = DRAFT
    compare_choices: list[dict[str, str]] = []
    only_differences: bool = True
    _diff_rows: list[dict[str, str]] = []  # backend only: the panel shows shown_diff_rows
    # restore
    restore_version_id: str = ""
    restore_label: str = ""

    @rx.var
    def shown_diff_rows(self) -> list[dict[str, str]]:
        if not self.only_differences:
            return self._diff_rows
        return [row for row in self._diff_rows if row["change"] != "unchanged"]

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

    async def _package_id(self) -> str:
        return (await self.get_state(DraftState)).package_id

    @rx.event
    async def refresh(self):
        await self._reload()

    async def _reload(self) -> None:
        package_id = await self._package_id()
        if not package_id:
            return
        rows, self.total = await self._query(package_id)
        if not rows and self.offset:  # the page emptied (archived): show the last one
            self.offset = max(self.total - 1, 0) // PAGE_SIZE * PAGE_SIZE
            rows, self.total = await self._query(package_id)
        self.versions = [version_row(v) for v in rows]

    async def _query(self, package_id: str) -> tuple[list[VersionSummary], int]:
        return await as_owner(
            self,
            list_versions,
            package_id=uuid.UUID(package_id),
            offset=self.offset,
            limit=PAGE_SIZE,
            include_archived=self.include_archived,
        )

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

    # --- publish -----------------------------------------------------------------------

    @rx.event
    def open_publish(self):
        self.publish_open, self.change_summary, self.message = True, "", ""

    @rx.event
    @checked()
    def set_publish_open(self, value: bool):
        self.publish_open = value

    @rx.event
    @checked(value=LongText)
    def set_change_summary(self, value: str):
        self.change_summary = value

    @rx.event
    async def publish(self):
        """Validate all four steps with the core rules, then freeze the draft as a version."""
        drafts = await self.get_state(DraftState)
        status = await self.get_state(SaveStatusState)
        if status.status == CONFLICT:
            self.publish_open = False
            self.message = "Resolve the draft conflict before publishing."
            return
        content = await drafts._content()
        results = content.validate_all()
        failing = [step for step, result in results.items() if not result.ok]
        if failing:
            (await self.get_state(StepDataState))._show_results(results)
            (await self.get_state(WizardState))._mark_errors(failing)
            self.publish_open = False
            self.message = (
                f"Not published: {step_label(failing[0])} has errors. Fix the marked fields."
            )
            return
        package_id, expected, summary = drafts.package_id, drafts.revision, self.change_summary
        parent = uuid.UUID(drafts.parent_version_id) if drafts.parent_version_id else None

        try:
            version, revision = await as_owner(
                self,
                publish_draft,
                package_id=uuid.UUID(package_id),
                expected_revision=expected,
                content=content,
                snapshot=snapshot_of(results),
                change_summary=summary,
                parent_version_id=parent,
                estimated_cost=_estimated_cost(content),
            )
        except DraftConflict as conflict:
            status.status, status.detail = CONFLICT, str(conflict)
            self.publish_open, self.message = False, "Not published: " + str(conflict)
            return
        except sa.exc.SQLAlchemyError as error:
            self.message = f"Not published: {unavailable(error)}."
            return
        await drafts._adopt(revision, content, str(version.id))
        drafts.last_version_number = version.version_number
        status.status = "saved"
        self.publish_open, self.offset = False, 0
        self.message = f"Published {version.name}."
        await self._reload()

    # --- compare -----------------------------------------------------------------------

    @rx.event
    @checked(version_id=EntityId)
    async def open_compare(self, version_id: str):
        self.compare_left, self.compare_right, self.only_differences = version_id, DRAFT, True
        package_id = await self._package_id()
        recent, _ = await as_owner(
            self,
            list_versions,
            package_id=uuid.UUID(package_id),
            limit=CHOICES_LIMIT,
            include_archived=True,
        )
        self.compare_choices = _choices(recent)
        self.compare_open = await self._compute_diff()
        if self.compare_open:  # keyboard and screen-reader users land in the panel
            return rx.call_script("document.getElementById('compare-heading')?.focus()")

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
            return comparable_view(await (await self.get_state(DraftState))._content())
        return await _version_snapshot(self, choice)

    async def _compute_diff(self) -> bool:
        """The diff of the chosen sides; False (and why) when a side does not exist."""
        try:
            left, right = await self._side(self.compare_left), await self._side(self.compare_right)
        except (NotFound, ValueError) as missing:
            self.message, self.compare_open = str(missing), False
            return False
        self._diff_rows = [row.model_dump(mode="json") for row in diff_snapshots(left, right)]
        return True

    # --- restore and archive -------------------------------------------------------------

    @rx.event
    @checked(version_id=EntityId, label=ShortText)
    async def ask_restore(self, version_id: str, label: str):
        """Restore at once when nothing would be lost, else ask first."""
        self.restore_version_id, self.restore_label = version_id, label
        drafts = await self.get_state(DraftState)
        if await self._draft_matches_parent(drafts):
            await self._restore()

    async def _draft_matches_parent(self, drafts: DraftState) -> bool:
        status = await self.get_state(SaveStatusState)
        if status.status != "saved" or not drafts.parent_version_id:
            return False
        parent = await _version_snapshot(self, drafts.parent_version_id)
        view = comparable_view(await drafts._content())
        return all(row.change == "unchanged" for row in diff_snapshots(parent, view))

    @rx.event
    def cancel_restore(self):
        self.restore_version_id = ""

    @rx.event
    async def restore(self):
        await self._restore()

    async def _restore(self) -> None:
        drafts = await self.get_state(DraftState)
        version_id = self.restore_version_id
        self.restore_version_id = ""
        try:
            content, revision = await as_owner(
                self,
                restore_into_draft,
                package_id=uuid.UUID(drafts.package_id),
                version_id=uuid.UUID(version_id),
                expected_revision=drafts.revision,
            )
        except (DraftConflict, NotFound) as refused:
            self.message = f"Not restored: {refused}"
            return
        (await self.get_state(StepDataState))._load(content)
        (await self.get_state(WizardState))._load(content.workflow)
        await drafts._adopt(revision, content, version_id)
        (await self.get_state(SaveStatusState)).status = "saved"
        self.message = f"Restored {self.restore_label} into the draft. History is unchanged."

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
