"""The model step's Hub search and look-up. Hub calls run in threads, off the event loop."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from trainpkg_app.core.forms import form_from_values
from trainpkg_app.core.payloads import ShortText
from trainpkg_app.core.step_data import ModelInfo
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.hub.models import (
    ModelHit,
    cached_models,
    hub_model_details,
    local_model_details,
    search_models,
)
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import owner_hub_api, session_token
from trainpkg_app.state.workspace import WorkspaceState


@dataclass(frozen=True)
class HitRow:
    """One search result as the list shows it."""

    model_id: str
    details: str
    gated: str  # "gated", or "" for an open model

    @classmethod
    def of(cls, hit: ModelHit) -> HitRow:
        params = f"{hit.parameters / 1e9:.2f} B params" if hit.parameters else "params unknown"
        details = f"{params} · {hit.downloads:,} downloads · {hit.likes:,} likes · "
        gated = "gated" if hit.gated else ""
        return cls(hit.model_id, details + (hit.license or "no license"), gated)


def _details(api, model_id: str) -> ModelInfo:
    looks_local = model_id.startswith(("/", "./", "~", "../"))
    return local_model_details(model_id) if looks_local else hub_model_details(api, model_id)


class ModelSearchState(rx.State):
    query: str = ""
    hits: list[HitRow] = []
    searching: bool = False
    looking_up: str = ""
    problem: str = ""
    cached: list[str] = []
    _search_serial: int = 0

    @rx.event
    @checked(value=ShortText)
    def set_query(self, value: str):
        self.query = value
        self._search_serial += 1
        self.searching = bool(value.strip())
        return ModelSearchState.run_search if value.strip() else None

    @rx.event(background=True)
    async def run_search(self):
        async with self:
            serial, text = self._search_serial, self.query
            token = await session_token(self)
        api = await owner_hub_api(token)
        try:
            rows = [
                HitRow.of(hit) for hit in await rx.run_in_thread(lambda: search_models(api, text))
            ]
            problem, cached = "", []
        except HubProblem as failure:
            rows, problem = [], str(failure)
            cached = await rx.run_in_thread(cached_models) if failure.kind == "offline" else []
        async with self:
            if serial != self._search_serial:  # a newer query is on its way: latest wins
                return
            self.hits, self.problem, self.cached, self.searching = rows, problem, cached, False

    @rx.event(background=True)
    @checked(model_id=ShortText)
    async def choose(self, model_id: str):
        """Fetch a model's details and fill the model step with them."""
        model_id = model_id.strip()
        if not model_id:
            return
        async with self:
            self.looking_up, self.problem = model_id, ""
            token = await session_token(self)
        api = await owner_hub_api(token)
        try:
            info = await rx.run_in_thread(lambda: _details(api, model_id))
        except HubProblem as failure:
            async with self:
                self.looking_up, self.problem = "", str(failure)
            return
        async with self:
            self.looking_up, self.hits, self.query = "", [], ""
            data = await self.get_state(WorkspaceState)
            form = form_from_values("model", info.model_dump(mode="json"))
            return data._apply_edit("model", form, whole=True)

    @rx.event
    async def look_up_typed(self):
        data = await self.get_state(WorkspaceState)
        return ModelSearchState.choose(data.forms["model"]["model_id"])
