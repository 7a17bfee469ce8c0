"""Publishing: validate all four steps with the core rules, then freeze the draft as a version."""

from __future__ import annotations

import uuid
from decimal import Decimal

import reflex as rx
import sqlalchemy as sa

from trainpkg_app.core.autosave import CONFLICT, SAVED
from trainpkg_app.core.drafts import DraftContent, snapshot_of
from trainpkg_app.core.insights import run_estimate
from trainpkg_app.core.payloads import LongText
from trainpkg_app.core.workflow import step_label
from trainpkg_app.db.errors import DraftConflict, unavailable
from trainpkg_app.db.publishing import publish_draft
from trainpkg_app.state.events import checked
from trainpkg_app.state.history import HistoryState
from trainpkg_app.state.owner import as_owner
from trainpkg_app.state.workspace import WorkspaceState


def _estimated_cost(content: DraftContent, measured: list[dict]) -> Decimal | None:
    """The cost the Deploy step shows (calibrated by the owner's measured runs when it is)."""
    cost = run_estimate(content.forms, content.datasets, measured).get("cost_usd")
    return Decimal(cost) if cost else None


class PublishState(rx.State):
    publish_open: bool = False
    change_summary: str = ""

    @rx.event
    async def open_publish(self):
        self.publish_open, self.change_summary = True, ""
        (await self.get_state(HistoryState)).message = ""

    @rx.event
    @checked()
    def set_publish_open(self, value: bool):
        self.publish_open = value

    @rx.event
    @checked(value=LongText)
    def set_change_summary(self, value: str):
        self.change_summary = value

    async def _refuse(self, message: str) -> None:
        self.publish_open = False
        (await self.get_state(HistoryState)).message = message

    @rx.event
    async def publish(self):
        drafts = await self.get_state(WorkspaceState)
        if drafts.status == CONFLICT:
            return await self._refuse("Resolve the draft conflict before publishing.")
        content = drafts._content()
        results = content.validate_all()
        failing = [step for step, result in results.items() if not result.ok]
        if failing:
            drafts._show_results(results)
            drafts._mark_errors(failing)
            message = f"Not published: {step_label(failing[0])} has errors. Fix the marked fields."
            return await self._refuse(message)
        parent = uuid.UUID(drafts.parent_version_id) if drafts.parent_version_id else None
        try:
            version, revision = await as_owner(
                self,
                publish_draft,
                package_id=uuid.UUID(drafts.package_id),
                expected_revision=drafts.revision,
                content=content,
                snapshot=snapshot_of(results),
                change_summary=self.change_summary,
                parent_version_id=parent,
                estimated_cost=_estimated_cost(content, drafts._measured_runs),
            )
        except DraftConflict as conflict:
            drafts.status, drafts.detail = CONFLICT, str(conflict)
            return await self._refuse("Not published: " + str(conflict))
        except sa.exc.SQLAlchemyError as error:  # the dialog stays open to try again
            (await self.get_state(HistoryState)).message = f"Not published: {unavailable(error)}."
            return None
        drafts._adopt(revision, content, str(version.id))
        drafts.last_version_number = version.version_number
        drafts.status, self.publish_open = SAVED, False
        await (await self.get_state(HistoryState))._show_first_page(f"Published {version.name}.")
        return None
