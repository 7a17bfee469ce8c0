"""Sweeps from a version: plan the trials (with their estimates and the budget's verdict),
start them (child versions, queued), watch the results, promote the best into the draft."""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx

from trainpkg_app.core import sweeps as planner
from trainpkg_app.core.autosave import SAVED
from trainpkg_app.core.cost import usd
from trainpkg_app.core.payloads import EntityId, ShortText, SweepForm
from trainpkg_app.core.sweep_form import spec_from_form
from trainpkg_app.db.errors import DraftConflict, NotFound
from trainpkg_app.db.sweeps import sweeps_of_package
from trainpkg_app.deploy import sweeps
from trainpkg_app.state.connection import tab_connected
from trainpkg_app.state.events import checked, follow_ups, parsed
from trainpkg_app.state.history import HistoryState
from trainpkg_app.state.owner import as_owner, as_user, session_token
from trainpkg_app.state.workspace import WorkspaceState

PARAMETER_ITEMS = list(planner.PARAMETER_NAMES)


def _latest_for_version(session, *, owner_id, package_id, version_id) -> str:
    found = sweeps_of_package(session, owner_id=owner_id, package_id=package_id)
    return next((str(s.id) for s in found if s.parent_version_id == version_id), "")


def _money(value: float | None) -> str:
    return "—" if value is None else usd(value)


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} h"


def _total(fit) -> str:
    known = [
        text
        for value, text in (
            (fit.total_usd, _money(fit.total_usd)),
            (fit.total_hours, _hours(fit.total_hours)),
        )
        if value is not None
    ]
    return "total estimate " + " and ".join(known) if known else "no estimate on this target"


class SweepState(rx.State):
    dialog_open: bool = False
    version_id: str = ""
    version_label: str = ""
    error: str = ""
    message: str = ""
    # The plan shown before starting (what Start runs), and its verdict.
    planned: list[dict[str, str]] = []
    plan_total: str = ""
    plan_note: str = ""
    can_start: bool = False
    # The sweep's results.
    sweep_id: str = ""
    sweep: dict[str, str] = {}
    trials: list[dict[str, str]] = []
    points: list[dict[str, float | str]] = []  # the scatter: objective against parameter 1
    x_parameter: str = ""
    x_log: bool = False  # the learning rate: a log axis
    x_ticks: list[str] = []  # the values tried (recharts takes them as text too)
    _spec: dict = {}
    _watch_serial: int = 0

    @rx.event
    @checked(version_id=EntityId, label=ShortText)
    async def open_sweep(self, version_id: str, label: str):
        """The dialog for this version: its latest sweep's results, else a new plan."""
        drafts = await self.get_state(WorkspaceState)
        self.dialog_open, self.version_id, self.version_label = True, version_id, label
        self.error = self.message = ""
        self.planned, self.can_start, self._spec = [], False, {}
        try:
            self.sweep_id = await as_owner(
                self,
                _latest_for_version,
                package_id=uuid.UUID(drafts.package_id),
                version_id=uuid.UUID(version_id),
            )
        except (NotFound, ValueError):
            self.sweep_id = ""
        if self.sweep_id:
            await self._load_results()
            return SweepState.watch
        return None

    @rx.event
    @checked()
    def set_dialog_open(self, value: bool):
        self.dialog_open = value

    @rx.event
    def new_sweep(self):
        """Back to planning a new sweep of the same version."""
        self.sweep_id, self.sweep, self.trials, self.points = "", {}, [], []
        self.planned, self.can_start, self.error, self.message = [], False, "", ""

    @rx.event
    @checked()
    async def preview(self, form_data: dict):
        """The trials the form plans, their estimates and whether they fit the budget."""
        form = parsed(SweepForm, form_data).model_dump()
        self.planned, self.can_start, self._spec = [], False, {}
        try:
            spec = spec_from_form(form)
            plan = await as_owner(
                self, sweeps.preview, version_id=uuid.UUID(self.version_id), spec=spec
            )
        except ValueError as wrong:
            self.error = f"Not planned: {wrong}."
            return
        except NotFound as gone:
            self.error = str(gone)
            return
        kept = plan.fit.kept
        self.planned = [
            {
                "label": trial.label,
                "cost": _money(trial.cost_usd),
                "hours": _hours(trial.hours),
                "verdict": trial.refusal or ("runs" if number < kept else "cut: over the budget"),
            }
            for number, trial in enumerate(plan.trials)
        ]
        self.plan_total = f"{len(plan.trials)} trials; {_total(plan.fit)}; objective: " + (
            "eval loss" if plan.objective == "eval_loss" else "final train loss"
        )
        self.plan_note = " ".join(part for part in (plan.fit.message, plan.note) if part)
        invalid = next((trial for trial in plan.trials if trial.refusal), None)
        self.error = (
            f"Trial {invalid.label} is not a valid config: {invalid.refusal}." if invalid else ""
        )
        self.can_start = kept > 0 and not plan.fit.refused and invalid is None
        self._spec = spec.model_dump(mode="json") if self.can_start else {}

    @rx.event
    async def start_sweep(self):
        """Publish the planned trials as child versions and queue them."""
        if not self._spec:
            self.error = "Plan the trials first (Preview)."
            return None
        try:
            sweep = await as_owner(
                self,
                sweeps.start,
                version_id=uuid.UUID(self.version_id),
                spec=planner.SweepSpec.model_validate(self._spec),
            )
        except (sweeps.SweepRefused, NotFound) as refused:
            self.error = f"Not started: {refused}"
            return None
        self.sweep_id, self._spec, self.planned, self.can_start = str(sweep.id), {}, [], False
        self.message = "Sweep started: its trials are queued."
        await self._load_results()
        return follow_ups(HistoryState.refresh, SweepState.watch)

    async def _load_results(self) -> None:
        try:
            view = await as_owner(self, sweeps.results, sweep_id=uuid.UUID(self.sweep_id))
        except NotFound as gone:
            self.sweep_id, self.error = "", str(gone)
            return
        self._show(view)

    def _show(self, view: sweeps.SweepView) -> None:
        self.sweep = {
            "status": view.status,
            "objective": view.objective,
            "budget": view.budget,
            "message": view.message,
            "parent": view.parent_name,
            "best": next((t.name for t in view.trials if t.best), ""),
        }
        self.trials = [
            {
                "version_id": trial.version_id,
                "name": trial.name,
                "values": trial.values,
                "objective": trial.objective_text,
                "status": trial.status,
                "reason": trial.reason,
                "cost": trial.cost,
                "best": "best" if trial.best else "",
            }
            for trial in view.trials
        ]
        self.x_parameter = view.parameters[0] if view.parameters else ""
        self.x_log = planner.PARAMETERS.get(self.x_parameter, planner.PARAMETERS["lora_r"]).log
        self.points = [
            {"x": float(trial.overrides[self.x_parameter]), "objective": trial.objective}
            for trial in view.trials
            if trial.objective is not None
            and isinstance(trial.overrides.get(self.x_parameter), int | float)
        ]
        self.x_ticks = [f"{x:g}" for x in sorted({float(point["x"]) for point in self.points})]

    @rx.event(background=True)
    async def watch(self):
        """Refresh the results every 2 s while the dialog shows a running sweep (the newest
        watch wins)."""
        async with self:
            self._watch_serial += 1
            serial, sweep_id = self._watch_serial, self.sweep_id
            token = await session_token(self)
        while sweep_id:
            await asyncio.sleep(2)
            try:
                view = await as_user(token, sweeps.results, sweep_id=uuid.UUID(sweep_id))
            except NotFound:
                return
            async with self:
                if serial != self._watch_serial or not await tab_connected(self):
                    return
                if self.sweep_id != sweep_id or not self.dialog_open:
                    return
                self._show(view)
            if view.status != "running":  # the history shows the trials' runs and costs
                async with self:
                    self.message = ""
                return HistoryState.refresh

    @rx.event
    async def cancel_sweep(self):
        """End the sweep: waiting trials leave the queue, running ones are cancelled."""
        if not self.sweep_id:
            return
        try:
            await as_owner(self, sweeps.cancel, sweep_id=uuid.UUID(self.sweep_id))
        except NotFound as gone:
            self.error = str(gone)
            return
        self.message = "Sweep cancelled: no trial starts any more."
        await self._load_results()

    @rx.event
    async def promote(self):
        """The best trial becomes the package's next draft (as Restore does)."""
        drafts = await self.get_state(WorkspaceState)
        history = await self.get_state(HistoryState)
        try:
            content, revision, best = await as_owner(
                self,
                sweeps.promote,
                sweep_id=uuid.UUID(self.sweep_id),
                package_id=uuid.UUID(drafts.package_id),
                expected_revision=drafts.revision,
            )
        except (sweeps.SweepRefused, DraftConflict, NotFound) as refused:
            self.error = f"Not promoted: {refused}"
            return
        drafts._load_content(content)
        drafts._load_workflow(content.workflow)
        drafts._adopt(revision, content, str(best.id))
        drafts.status = SAVED
        self.dialog_open = False
        history.message = (
            f"Promoted {best.name}, the sweep's best trial, into the draft: publish it as the "
            "next version."
        )
