"""Ship it on the shown run (RunState's, never a client's id): download the adapter or the
merged model as a zip (a single-use token for the download route), merge in a worker process
followed every second, push to the Hub (in the background), and the exports to other trainers
(generated text, downloaded as files)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Literal

import reflex as rx

from trainpkg_app.core.exports import exports
from trainpkg_app.core.names import slugify
from trainpkg_app.core.payloads import ShortText
from trainpkg_app.core.shipping import PushForm
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.hub_tokens import hub_credentials
from trainpkg_app.deploy import ship, ship_tokens
from trainpkg_app.deploy.continuation import trained_spec
from trainpkg_app.deploy.records import CannotResume, owned
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.ship_route import download_path
from trainpkg_app.state.events import checked, parsed
from trainpkg_app.state.owner import as_owner, as_user, session_token
from trainpkg_app.state.runs import RunState

REFUSALS = (ship.ShipRefused, CannotResume, NotFound, HubProblem)
What = Literal["adapter", "merged"]


def _overview(session, *, owner_id, deployment_id: uuid.UUID) -> dict:
    """What the panel shows of the owner's run (no download: its spec and merge state)."""
    deployment = owned(session, owner_id, deployment_id)
    spec = trained_spec(deployment)
    user = hub_credentials(session, owner_id).hub_user or "your-name"
    return {
        "is_adapter": "lora" in spec["training_arguments"],
        "merge": ship.merge_state(deployment),
        "push_repo": f"{user}/{slugify(spec['name'])}",
        "exports": [{"filename": f.filename, "label": f.label} for f in exports(spec)],
    }


def _token(session, *, owner_id, deployment_id: uuid.UUID, what: str) -> str:
    ship.shipment(session, owner_id, deployment_id, what)  # refused here, not by the route
    return ship_tokens.issue(owner_id, deployment_id, what)


def _export_text(session, *, owner_id, deployment_id: uuid.UUID, filename: str) -> str:
    spec = trained_spec(owned(session, owner_id, deployment_id))
    found = [f.text for f in exports(spec) if f.filename == filename]
    if not found:
        raise NotFound("There is no such export.")
    return found[0]


class ShipItState(rx.State):
    open_for: str = ""  # the run the panel shows
    is_adapter: bool = True
    merge_state: str = "idle"
    merge_progress: int = 0
    merge_message: str = ""
    push_repo: str = ""
    pushing: bool = False
    pushed_url: str = ""
    export_files: list[dict[str, str]] = []
    message: str = ""
    _merge_serial: int = 0

    async def _run_id(self) -> str:
        return (await self.get_state(RunState)).run_id

    async def _on_run(self, crud, **kwargs):
        """``crud`` on the shown run as its owner; None (and the reason shown) when refused."""
        self.message = ""
        run_id = await self._run_id()
        if not run_id:
            return None
        try:
            return await as_owner(self, crud, deployment_id=uuid.UUID(run_id), **kwargs)
        except REFUSALS as refused:
            self.message = str(refused)
            return None

    def _show_merge(self, state: dict) -> None:
        self.merge_state = state.get("state", "idle")
        self.merge_progress = int(state.get("progress") or 0)
        self.merge_message = state.get("message", "")

    @rx.event
    async def open(self):
        """The panel opens on the shown run."""
        self.pushed_url = ""
        found = await self._on_run(_overview)
        if found is None:
            return None
        self.open_for, self.is_adapter = await self._run_id(), found["is_adapter"]
        self.push_repo, self.export_files = found["push_repo"], found["exports"]
        self._show_merge(found["merge"])
        return ShipItState.watch_merge if self.merge_state == "running" else None

    @rx.event
    @checked(what=What)
    async def download(self, what: str):
        """A zip of the adapter (or full model), or of the merged model, with its card."""
        token = await self._on_run(_token, what=what)
        return None if token is None else rx.download(url=download_path(token))

    @rx.event
    @checked(filename=ShortText)
    async def download_export(self, filename: str):
        text = await self._on_run(_export_text, filename=filename)
        return None if text is None else rx.download(data=text, filename=filename)

    @rx.event
    async def merge(self):
        """Merge the adapter into the base in a worker process, then follow it."""
        state = await self._on_run(ship.start_merge)
        if state is None:
            return None
        self._show_merge(state)
        return ShipItState.watch_merge

    @rx.event(background=True)
    async def watch_merge(self):
        """The merge's progress every second until it ends (the newest watch wins)."""
        async with self:
            self._merge_serial += 1
            serial, run_id = self._merge_serial, self.open_for
            token = await session_token(self)
        while run_id:
            state = await as_user(token, ship.merge_status, deployment_id=uuid.UUID(run_id))
            async with self:
                if serial != self._merge_serial or self.open_for != run_id:
                    return
                self._show_merge(state)
            if state["state"] != "running":
                return
            await asyncio.sleep(1)

    @rx.event(background=True)
    @checked()
    async def push(self, form: dict):
        """Push to a new repo of the user's account (private unless unticked), in the
        background: a big model takes a while, and the page stays usable."""
        data = parsed(PushForm, form)
        async with self:
            if self.pushing:
                return
            self.pushing, self.message, self.pushed_url = True, "", ""
            run_id, token = self.open_for, await session_token(self)
        try:
            url = await as_user(
                token,
                ship.push,
                deployment_id=uuid.UUID(run_id),
                repo_id=data.repo_id.strip(),
                what=data.what,
                private=data.private == "on",
            )
        except REFUSALS as refused:
            async with self:
                self.pushing, self.message = False, str(refused)
            return
        async with self:
            self.pushing, self.pushed_url = False, url
            self.message = f"Pushed to {data.repo_id.strip()}."
