"""Deploying a published version and watching its run (the record lives in the database)."""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx

from trainpkg_app.core.doctor import STOPPED as STOPPED_BY_DOCTOR
from trainpkg_app.core.evaluation import EvaluationView
from trainpkg_app.core.payloads import EntityId, ExtendForm, ShortText
from trainpkg_app.core.resume import chain_label, chain_totals, joined_metrics
from trainpkg_app.core.run_view import (
    FindingRow,
    RunRecord,
    RunView,
    end_notice,
    is_news,
    run_view,
)
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import Deployment, TrainingPackageVersion, as_utc, utc_now
from trainpkg_app.db.versions import list_versions
from trainpkg_app.deploy import chains, service
from trainpkg_app.deploy.continuation import best_warm_start
from trainpkg_app.deploy.records import doctor_mode, owned
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.settings import get_settings
from trainpkg_app.state import links
from trainpkg_app.state.connection import tab_connected
from trainpkg_app.state.events import checked, follow_ups, parsed
from trainpkg_app.state.history import HistoryState
from trainpkg_app.state.notify import browser_notification
from trainpkg_app.state.owner import as_owner, as_user, session_token
from trainpkg_app.state.restore import RestoreState
from trainpkg_app.state.workspace import WorkspaceState

NOTHING_PUBLISHED = "Publish a version first: only published versions are deployed."
SEEN_KEPT = 50  # ended runs remembered per browser


def _record(session, deployment: Deployment) -> RunRecord:
    """The run as the view sees it: with the runs it went on from, one curve and one bill."""
    chain = chains.links(session, deployment)
    estimated, actual, _ = chain_totals(chain)
    version = session.get(TrainingPackageVersion, deployment.version_id)
    return RunRecord(
        run_id=str(deployment.id),
        status=deployment.status,
        metrics=joined_metrics(chain),
        log_tail=deployment.log_tail,
        url=deployment.deployment_url or "",
        error=deployment.error,
        estimated_cost=estimated,
        actual_cost=actual,
        doctor=doctor_mode(session, deployment),
        finished_at=as_utc(deployment.finished_at) if deployment.finished_at else None,
        chain=chain_label(chain),
        planned_by_steps=bool((version.config_snapshot or {}).get("training", {}).get("max_steps")),
        webhook_log=deployment.webhook_log or [],
        evaluation=deployment.evaluation,
    )


def _view(session, deployment: Deployment) -> RunView:
    return run_view(_record(session, deployment))


def _view_of(session, *, owner_id, deployment_id: uuid.UUID) -> RunView:
    return _view(session, owned(session, owner_id, deployment_id))


def _view_of_latest(
    session, *, owner_id, package_id: uuid.UUID
) -> tuple[RunView, str, bool] | None:
    """The package's newest run, its version's label, and whether it ended within a day."""
    found = service.latest_run(session, owner_id=owner_id, package_id=package_id)
    if found is None:
        return None
    record = _record(session, found[0])
    return run_view(record), f"v{found[1]}", is_news(record, utc_now())


def _newest_published(session, *, owner_id, package_id: uuid.UUID) -> tuple[str, str]:
    rows, _total = list_versions(session, owner_id=owner_id, package_id=package_id, limit=1)
    if not rows:
        raise NotFound(NOTHING_PUBLISHED)
    return rows[0].id, f"v{rows[0].version_number}"


def _gentler_retry(session, *, owner_id, deployment_id: uuid.UUID) -> tuple[str, str, str]:
    """(version id, "v<n>", the best checkpoint to start from or '') of the owner's run."""
    run = owned(session, owner_id, deployment_id)
    version = session.get(TrainingPackageVersion, run.version_id)
    return str(version.id), f"v{version.version_number}", best_warm_start(session, run)


def _start(session, *, owner_id, version_id: uuid.UUID) -> RunView:
    deployment = service.start(
        session, owner_id=owner_id, version_id=version_id, runs_dir=get_settings().data_dir / "runs"
    )
    return _view(session, deployment)


def _continue_run(session, *, owner_id, deployment_id: uuid.UUID, more: int | None) -> RunView:
    """Resume the owner's run (more: None) or Extend it by ``more`` steps or epochs."""
    deployment = service.resume(
        session,
        owner_id=owner_id,
        deployment_id=deployment_id,
        runs_dir=get_settings().data_dir / "runs",
        more=more,
    )
    return _view(session, deployment)


class RunState(rx.State):
    run_id: str = ""
    version_label: str = ""
    status: str = ""
    progress: int = 0
    step_label: str = ""
    eta: str = ""
    points: list[dict[str, float]] = []
    log_tail: str = ""
    url: str = ""
    error: str = ""
    estimated_cost: str = ""
    actual_cost: str = ""
    findings: list[FindingRow] = []
    chain: str = ""
    can_resume: bool = False
    can_extend: bool = False
    extend_unit: str = "steps"
    webhook: list[str] = []
    evaluation: EvaluationView = EvaluationView()
    # The ended runs this browser was told of (ids), so that each is announced once.
    seen_runs: str = rx.LocalStorage("", name="trainpkg_runs_seen", sync=True)
    message: str = ""
    live: bool = False  # a watch loop follows the run for this tab
    _watch_serial: int = 0

    def _show(self, view: RunView) -> None:
        for key, value in view.fields().items():
            setattr(self, key, value)

    def _announce(self, view: RunView) -> list:
        """Once per ended run and browser: a toast, and the browser's notification."""
        seen = self.seen_runs.split(",") if self.seen_runs else []
        if view.status in service.ACTIVE or view.run_id in seen:
            return []
        self.seen_runs = ",".join([*seen, view.run_id][-SEEN_KEPT:])
        notice = end_notice(view.status, view.error, self.version_label)
        completed = view.status == TrainingStatus.COMPLETED
        toast = rx.toast.success if completed else rx.toast.warning
        return [toast(notice, id=f"run-ended-{view.run_id}"), browser_notification(notice)]

    def _follow(self, view: RunView):
        """Show a run; keep watching it while it is active."""
        self._show(view)
        self._watch_serial += 1
        return RunState.watch if view.status in service.ACTIVE else None

    @rx.event
    @checked(version_id=EntityId, label=ShortText)
    async def deploy(self, version_id: str, label: str):
        return await self._deploy(version_id, label)

    @rx.event
    async def deploy_latest(self):
        """The deploy step's button: deploy the package's newest published version."""
        package_id = (await self.get_state(WorkspaceState)).package_id
        try:
            version_id, label = await as_owner(
                self, _newest_published, package_id=uuid.UUID(package_id)
            )
        except NotFound as missing:
            self.message = str(missing)
            return None
        return await self._deploy(version_id, label)

    async def _deploy(self, version_id: str, label: str):
        self.message = ""
        try:
            view = await as_owner(self, _start, version_id=uuid.UUID(version_id))
        except (service.AlreadyRunning, NotFound, HubProblem) as refused:
            self.message = str(refused)
            return None
        self.version_label = label
        return follow_ups(self._follow(view), HistoryState.refresh)  # the version's new status

    @rx.var
    def stopped_by_doctor(self) -> bool:
        return self.error.startswith(STOPPED_BY_DOCTOR)

    @rx.event
    async def retry_gentler(self):
        """The doctor stopped this run: its version as the draft, with a lower learning rate,
        starting from the best checkpoint saved before the trouble began."""
        try:
            version_id, label, warm_start = await as_owner(
                self, _gentler_retry, deployment_id=uuid.UUID(self.run_id)
            )
        except (NotFound, ValueError):
            self.message = "This run is gone."
            return None
        return RestoreState.ask_gentler_retry(version_id, label, warm_start)

    @rx.event
    async def show_latest(self):
        """When a package opens: its newest run, followed live while it is active."""
        package_id = (await self.get_state(WorkspaceState)).package_id
        self.message = ""
        found = await as_owner(self, _view_of_latest, package_id=uuid.UUID(package_id))
        if found is None:
            self.run_id = ""
            self._watch_serial += 1
            return None
        view, self.version_label, news = found
        return follow_ups(self._follow(view), *(self._announce(view) if news else []))

    @rx.event(background=True)
    async def watch(self):
        """Show the run's record as the monitor updates it, until it ends or the tab closes;
        the newest watch wins, so one loop at most follows a run per tab."""
        async with self:
            self._watch_serial += 1
            serial, run_id = self._watch_serial, self.run_id
            token = await session_token(self)
            self.live = bool(run_id)
        try:
            return await self._follow_until_done(serial, run_id, token)
        finally:
            async with self:
                if serial == self._watch_serial:
                    self.live = False

    async def _follow_until_done(self, serial: int, run_id: str, token: str):
        while run_id:
            view = await as_user(token, _view_of, deployment_id=uuid.UUID(run_id))
            async with self:
                if serial != self._watch_serial or not await tab_connected(self):
                    return None
                self._show(view)
            if view.status not in service.ACTIVE:
                async with self:
                    announced = self._announce(view)
                return follow_ups(HistoryState.refresh, *announced)  # its status and cost
            await asyncio.sleep(1)
        return None

    @rx.event
    async def resume_run(self):
        """Go on from the shown run's latest checkpoint (a failed or cancelled run)."""
        return await self._go_on(None)

    @rx.event
    @checked()
    async def extend_run(self, form: dict):
        """Train the shown (completed) run further, by the steps or epochs in the form."""
        more = parsed(ExtendForm, form).more.strip()
        if not more.isdigit():
            self.message = "Extend by a whole number of steps or epochs, such as 100."
            return None
        return await self._go_on(int(more))

    async def _go_on(self, more: int | None):
        self.message = ""
        if not self.run_id:
            return None
        try:
            view = await as_owner(
                self, _continue_run, deployment_id=uuid.UUID(self.run_id), more=more
            )
        except (service.AlreadyRunning, NotFound, HubProblem) as refused:
            self.message = str(refused)
            return None
        return follow_ups(self._follow(view), HistoryState.refresh)

    @rx.event
    async def cancel(self):
        try:
            await as_owner(self, service.cancel, deployment_id=uuid.UUID(self.run_id))
        except HubProblem as problem:
            self.message = f"Could not cancel: {problem}"
            return
        self.message = "Cancelling: the run saves what it has and stops."


links.runs_show_latest.provide(RunState.show_latest)
