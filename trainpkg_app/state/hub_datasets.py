"""Hub datasets on the dataset step, checked with the Hub's dataset viewer before any run bills.

Adding one checks its first config's train split (else its first split); the pickers check
another; columns that match no format are mapped here. A dataset the viewer cannot check stays
attached, marked unchecked: a Space or Job run refuses it (core/hub_launch.py). The preview and
stats show in DatasetState's inspection, as for an upload."""

from __future__ import annotations

from typing import Annotated, Literal

import reflex as rx
from pydantic import Field

from trainpkg_app.core.dataset_attach import chosen_split, default_split
from trainpkg_app.core.dataset_formats import (
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    Detected,
    Format,
    missing_columns,
)
from trainpkg_app.core.dataset_preview import PreviewSettings
from trainpkg_app.core.forms import dataset_row
from trainpkg_app.core.payloads import FieldName, ShortText
from trainpkg_app.hub.dataset_check import CheckedSplit, check_split, with_format
from trainpkg_app.hub.dataset_inspection import inspect_rows
from trainpkg_app.hub.dataset_viewer import ViewerDataset, check_dataset
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.state.datasets import MAPPABLE, DatasetState
from trainpkg_app.state.events import checked
from trainpkg_app.state.owner import owner_hub_api, session_token
from trainpkg_app.state.workspace import WorkspaceState

HUB_RUN_REFUSES = "A Hub run (Space or Job) will refuse it until it is checked."
MappingForm = Annotated[dict[FieldName, ShortText], Field(max_length=16)]  # field -> column


class HubDatasetState(rx.State):
    view: dict[str, str] = {}  # the split last checked: dataset_id, config, split, rows, size
    map_columns: list[str] = []  # its columns, while they wait for a mapping
    map_format: str = Format.PROMPT_COMPLETION.value
    _unmapped: dict = {}  # the CheckedSplit that waits for a mapping

    @rx.var
    def map_fields(self) -> list[str]:
        kind = Format(self.map_format)
        return [*REQUIRED_FIELDS.get(kind, ()), *OPTIONAL_FIELDS.get(kind, ())]

    @rx.event
    async def add_hub_dataset(self):
        data = await self.get_state(WorkspaceState)
        dataset_id = data.forms["dataset"]["new_dataset_id"].strip()
        if data._check_new_dataset(dataset_id):
            return None
        shown = await self._start(f"Checking {dataset_id} with the Hub's dataset viewer…")
        api = await owner_hub_api(await session_token(self))
        try:
            checked = await rx.run_in_thread(lambda: check_dataset(api, dataset_id))
        except HubProblem as failure:
            shown.busy = ""
            if failure.kind == "not_found":
                data._dataset_id_error(str(failure))
                return None
            shown.problem = f"{failure} Added without checking. {HUB_RUN_REFUSES}"
            return data._attach_dataset({"source": "hub", "dataset_id": dataset_id})
        config = next(iter(checked.splits))
        split = default_split(checked.splits[config])
        result = await self._check_split(api, checked, config, split)
        return data._attach_dataset(dataset_row(result.ref))

    @rx.event
    @checked(dataset_id=ShortText, field=Literal["config", "split"], value=ShortText)
    async def choose_hub_split(self, dataset_id: str, field: str, value: str):
        """Another config or split of an attached Hub dataset: checked again, like a new one.
        Only a config or split the viewer listed for it is taken."""
        data = await self.get_state(WorkspaceState)
        chosen = chosen_split(data._hub_dataset(dataset_id), field, value)
        if chosen is None:
            return None
        config, split = chosen
        shown = await self._start(f"Checking {dataset_id} {config}/{split}…")
        api = await owner_hub_api(await session_token(self))
        try:
            checked = await rx.run_in_thread(lambda: check_dataset(api, dataset_id))
            if split not in checked.splits.get(config, {}):
                raise HubProblem("not_found", f"{config}/{split} is no longer on the Hub.")
        except HubProblem as failure:
            shown.busy, shown.problem = "", f"{failure} Nothing was changed."
            return None
        result = await self._check_split(api, checked, config, split)
        return data._replace_dataset(dataset_id, dataset_row(result.ref))

    @rx.event
    @checked(value=Literal[tuple(kind.value for kind in MAPPABLE)])
    def set_map_format(self, value: str):
        self.map_format = value

    @rx.event
    @checked(form=MappingForm)
    async def map_hub_columns(self, form: dict[str, str]):
        """The user's mapping for the split waiting for one (form: format field -> column)."""
        if not self._unmapped:
            return None
        kind = Format(self.map_format)
        mapping = {f: form[f] for f in self.map_fields if isinstance(form.get(f), str) and form[f]}
        detected = Detected(format=kind, mapping=mapping)
        missing = missing_columns(detected, self.map_columns)
        if missing:
            (await self.get_state(DatasetState)).problem = "Choose a column for: " + ", ".join(
                missing
            )
            return None
        pending = CheckedSplit.model_validate(self._unmapped)
        result = with_format(pending, detected)
        await self._show(result, pending.ref["dataset_id"])
        data = await self.get_state(WorkspaceState)
        return data._replace_dataset(pending.ref["dataset_id"], dataset_row(result.ref))

    async def _start(self, busy: str) -> DatasetState:
        shown = await self.get_state(DatasetState)
        shown.busy, shown.problem, self.view = busy, "", {}
        self.map_columns, self._unmapped = [], {}
        return shown

    async def _check_split(self, api, checked: ViewerDataset, config: str, split: str):
        try:
            result = await rx.run_in_thread(lambda: check_split(api, checked, config, split))
        except HubProblem as failure:
            ref = {"source": "hub", "dataset_id": checked.dataset_id, "config": config}
            result = CheckedSplit(ref=ref | {"split": split}, problem=str(failure))
        await self._show(result, checked.dataset_id)
        return result

    async def _show(self, result: CheckedSplit, dataset_id: str) -> None:
        """Preview, stats and format of a checked split; else why it is not checked."""
        shown = await self.get_state(DatasetState)
        shown.busy, shown.format_label, shown.preview, shown.stats = "", "", [], {}
        shown._shown = {}  # a template change re-measures uploads only
        shown.problem, self.view = "", result.summary()
        if result.problem:
            shown.problem = f"{dataset_id} was added without checking: {result.problem} "
            shown.problem += HUB_RUN_REFUSES
            if result.needs_mapping:
                self.map_columns, self._unmapped = result.columns, result.model_dump()
            return
        self.map_columns, self._unmapped = [], {}
        settings = PreviewSettings.of_forms((await self.get_state(WorkspaceState)).forms)
        inspected = await rx.run_in_thread(
            lambda: inspect_rows(result.rows, result.detected, settings, every_row=True)
        )
        if "problem" in inspected:
            shown.problem = f"{dataset_id}: {inspected['problem']}"
            return
        shown._show(result.detected, inspected)
        method = f"{shown.stats['method']}, on the first {len(result.rows)} rows"
        shown.stats = shown.stats | {"rows": self.view["rows"], "method": method}
