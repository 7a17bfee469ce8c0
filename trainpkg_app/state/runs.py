"""Deploying a published version and watching its run (the record lives in the database)."""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx

from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import Deployment
from trainpkg_app.db.versions import get_version
from trainpkg_app.deploy import service
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.settings import get_settings
from trainpkg_app.state.history import HistoryState
from trainpkg_app.state.owner import as_owner

NOT_YET = (
    "Deploying to a Hugging Face Space or Job is not built yet: export the package "
    "(trainpkg export) and run it there by hand, or choose This machine."
)


def _latest_view(session, *, owner_id, deployment_id: uuid.UUID) -> dict:
    deployment = session.get(Deployment, deployment_id)
    if deployment is None:
        raise NotFound("This run does not exist.")
    get_version(session, owner_id=owner_id, version_id=deployment.version_id)
    return run_view(deployment)


def run_view(deployment: Deployment) -> dict:
    metrics = deployment.metrics or []
    steps = [m for m in metrics if "step" in m and ("loss" in m or "eval_loss" in m)]
    last = metrics[-1] if metrics else {}
    max_steps = last.get("max_steps") or 0
    return {
        "status": deployment.status,
        "progress": round(100 * last.get("step", 0) / max_steps) if max_steps else 0,
        "step_label": f"step {last.get('step', 0)} of {max_steps}" if max_steps else "starting…",
        "eta": f"ETA {last['eta_s']:.0f} s" if last.get("eta_s") is not None else "",
        "points": [
            {"step": m["step"], **{k: m[k] for k in ("loss", "eval_loss") if k in m}} for m in steps
        ],
        "log_tail": deployment.log_tail,
        "error": deployment.error,
        "actual_cost": f"${deployment.actual_cost:.2f}"
        if deployment.actual_cost is not None
        else "—",
    }


def _start(session, *, owner_id, version_id: uuid.UUID) -> str:
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    if version.deployment_target != "local":
        raise service.AlreadyRunning(NOT_YET)
    deployment = service.start_local(
        session, owner_id=owner_id, version_id=version_id, runs_dir=get_settings().data_dir / "runs"
    )
    return str(deployment.id)


class RunState(rx.State):
    run_id: str = ""
    version_label: str = ""
    status: str = ""
    progress: int = 0
    step_label: str = ""
    eta: str = ""
    points: list[dict[str, float]] = []
    log_tail: str = ""
    error: str = ""
    actual_cost: str = ""
    message: str = ""
    _watch_serial: int = 0

    @rx.event
    async def deploy(self, version_id: str, label: str):
        self.message = ""
        try:
            run_id = await as_owner(_start, version_id=uuid.UUID(version_id))
        except (service.AlreadyRunning, NotFound, HubProblem) as refused:
            self.message = str(refused)
            return None
        self.run_id, self.version_label, self.status = run_id, label, "running"
        self.points, self.log_tail, self.error, self.progress = [], "", "", 0
        self._watch_serial += 1
        return RunState.watch

    @rx.event(background=True)
    async def watch(self):
        """Show the run's record as the monitor updates it, until it ends (latest watch wins)."""
        async with self:
            serial, run_id = self._watch_serial, self.run_id
        while True:
            view = await as_owner(_latest_view, deployment_id=uuid.UUID(run_id))
            async with self:
                if serial != self._watch_serial:
                    return
                for key, value in view.items():
                    setattr(self, key, value)
            if view["status"] not in service.ACTIVE:
                return HistoryState.refresh  # the version's training status and cost changed
            await asyncio.sleep(1)

    @rx.event
    async def cancel(self):
        await as_owner(service.cancel, deployment_id=uuid.UUID(self.run_id))
        self.message = "Cancelling: the run saves what it has and stops."
