"""The dataset step's uploads and Hub look-ups: read, detect, preview, measure, attach.

A refused file changes nothing but the message; files are read in a thread."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Literal

import reflex as rx

from trainpkg_app.core.dataset_attach import unique_name
from trainpkg_app.core.dataset_files import (
    DatasetFileError,
    columns_of,
    content_hash,
    read_rows,
    rejection_message,
)
from trainpkg_app.core.dataset_formats import (
    FORMAT_LABELS,
    REQUIRED_FIELDS,
    Detected,
    Format,
    detect_format,
    first_bad_row,
    missing_columns,
)
from trainpkg_app.core.dataset_preview import (
    PreviewSettings,
    first_rows,
    token_lengths,
)
from trainpkg_app.core.dataset_stats import length_stats
from trainpkg_app.core.forms import dataset_row
from trainpkg_app.core.payloads import RejectedFiles, ShortText, UploadProgress
from trainpkg_app.core.step_data import DatasetRef
from trainpkg_app.db.uploads import read_package_upload, store_package_upload
from trainpkg_app.hub.dataset_inspection import count_method, inspect_rows, model_view
from trainpkg_app.hub.tokenizer import warm_up
from trainpkg_app.settings import get_settings
from trainpkg_app.state.events import EventRefused, checked, follow_ups, parsed
from trainpkg_app.state.owner import as_owner, as_user, session_token
from trainpkg_app.state.workspace import WorkspaceState

UPLOAD_ID = "dataset-upload"
MAPPABLE = [Format.ALPACA, Format.PROMPT_COMPLETION, Format.TEXT]
MEASURE_CHUNK = 500  # rows tokenized between two progress updates


class DatasetState(rx.State):
    progress: int = 0
    busy: str = ""
    uploading: bool = False
    problem: str = ""
    format_label: str = ""
    preview: list[dict] = []  # per row: segments (text, loss), tokens, loss tokens
    template_line: str = ""  # which chat template the preview and the training use
    stats: dict[str, str] = {}
    measured: int = -1  # percent of the rows counted; -1: not counting
    _shown: dict = {}  # the upload last shown: its id, format, mapping (to measure it again)
    _measure_serial: int = 0
    # the column-mapping dialog
    mapping_open: bool = False
    mapping_format: str = Format.PROMPT_COMPLETION.value
    mapping_columns: list[str] = []
    mapping: dict[str, str] = {}
    _pending: dict = {}

    @rx.var
    def limit_label(self) -> str:
        return f"JSONL, JSON, CSV or Parquet, up to {get_settings().max_upload_mb:g} MB."

    @rx.var
    def mapping_fields(self) -> list[str]:
        return list(REQUIRED_FIELDS.get(Format(self.mapping_format), ()))

    @rx.event
    @checked(rejected=RejectedFiles)
    def files_rejected(self, rejected: list[str]):
        """The browser refused files before sending them: "name|code,code" for each."""
        self.problem = rejection_message(rejected, get_settings().max_upload_mb)

    @rx.event
    @checked()
    def set_progress(self, progress: dict):
        self.progress = round(100 * parsed(UploadProgress, progress).progress)

    @rx.event
    def start_upload(self):
        """The button stays disabled until this upload ends (Reflex refuses a second meanwhile)."""
        self.uploading = True

    @rx.event
    async def prepare(self):
        """The dataset step is shown: load the model's tokenizer ahead of the first preview."""
        data = await self.get_state(WorkspaceState)
        warm_up(data.forms["model"].get("model_id", ""))

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        try:
            return await self._inspect_upload(files)
        finally:
            self.uploading = False

    async def _inspect_upload(self, files: list[rx.UploadFile]):
        if not isinstance(files, list) or not all(isinstance(f, rx.UploadFile) for f in files):
            raise EventRefused("Refused: files come through the upload endpoint only.")
        if not files:
            self.problem = "Choose a file first."
            return None
        upload = files[0]
        name = Path(upload.name or upload.filename or "upload").name
        data = await upload.read()
        self.busy, self.problem = f"Reading {name}…", ""
        try:
            rows = await rx.run_in_thread(
                lambda: read_rows(name, data, max_bytes=get_settings().max_upload_bytes)
            )
        except DatasetFileError as refused:
            self.busy, self.progress, self.problem = "", 0, f"{name} was not added: {refused}"
            return None
        columns = columns_of(rows)
        detected = detect_format(columns, rows[:20])
        self._pending = {"name": name, "data": data, "rows": rows, "columns": columns}
        if detected.format == Format.UNKNOWN:
            self.busy, self.mapping_columns, self.mapping = "", columns, {}
            self.mapping_open = True
            return None
        return await self._attach(detected)

    async def _attach(self, detected: Detected):
        pending, self._pending = self._pending, {}
        bad_row = first_bad_row(pending["rows"], detected)
        data = drafts = await self.get_state(WorkspaceState)
        settings = PreviewSettings.of_forms(data.forms)
        checked = (
            {}
            if bad_row
            else await rx.run_in_thread(lambda: inspect_rows(pending["rows"], detected, settings))
        )
        bad_row = bad_row or checked.get("problem")
        if bad_row:
            self.busy, self.progress = "", 0
            self.problem = f"{pending['name']} was not added: {bad_row}"
            return None
        try:
            stored = await as_owner(
                self,
                store_package_upload,
                package_id=uuid.UUID(drafts.package_id),
                filename=pending["name"],
                data=pending["data"],
            )
        except DatasetFileError as refused:
            self.busy, self.progress = "", 0
            self.problem = f"{pending['name']} was not added: {refused}"
            return None
        taken = {ref["dataset_id"] for ref in data.datasets}
        ref = DatasetRef(
            source="upload",
            dataset_id=unique_name(pending["name"], taken),
            name=pending["name"],
            upload_id=stored.name,
            format=detected.format.value,
            mapping=detected.mapping,
            rows=len(pending["rows"]),
            content_hash=content_hash(pending["data"]),
            mean_tokens=checked["mean_tokens"],
        )
        self._show(detected, checked)
        self._shown = {"upload_id": stored.name, "detected": detected.model_dump(mode="json")}
        self.busy, self.progress = "", 100
        autosave = data._attach_dataset(dataset_row(ref.model_dump(mode="json")))
        return follow_ups(rx.clear_selected_files(UPLOAD_ID), autosave, DatasetState.measure)

    def _show(self, detected: Detected, inspected: dict) -> None:
        self.format_label = FORMAT_LABELS[detected.format]
        self.preview = inspected["preview"]
        self.template_line = inspected["template"]
        self.stats = {key: str(value) for key, value in inspected.get("stats", {}).items()}

    @rx.event(background=True)
    async def measure(self):
        """The upload last shown, again with the draft's current template and settings: its
        first rows, then every row's token count, with progress (latest wins)."""
        async with self:
            self._measure_serial += 1
            serial, shown = self._measure_serial, dict(self._shown)
            data = await self.get_state(WorkspaceState)
            settings, package_id = PreviewSettings.of_forms(data.forms), data.package_id
            token = await session_token(self)
        if not shown:
            return
        raw = await as_user(
            token,
            read_package_upload,
            package_id=uuid.UUID(package_id),
            upload_id=shown["upload_id"],
        )
        rows = await rx.run_in_thread(
            lambda: read_rows(shown["upload_id"], raw, max_bytes=len(raw))
        )
        detected = Detected.model_validate(shown["detected"])
        tokenizer, described, trl_rows, problem = await rx.run_in_thread(
            lambda: model_view(rows, detected, settings)
        )
        preview = [] if problem else first_rows(tokenizer, trl_rows, settings.answers_only)
        async with self:
            if serial != self._measure_serial:
                return
            self.preview, self.template_line, self.stats = preview, described, {}
            self.problem, self.measured = problem or "", -1 if problem else 0
        if problem:
            return
        lengths: list[int] = []
        for start in range(0, len(trl_rows), MEASURE_CHUNK):
            part = trl_rows[start : start + MEASURE_CHUNK]
            lengths += await rx.run_in_thread(lambda part=part: token_lengths(tokenizer, part))
            async with self:
                if serial != self._measure_serial:
                    return
                self.measured = round(100 * len(lengths) / len(trl_rows))
        stats = length_stats(lengths, settings.max_seq_length, count_method(tokenizer, settings))
        async with self:
            if serial == self._measure_serial:
                self.stats = {key: str(value) for key, value in stats.model_dump().items()}
                self.measured = -1

    # --- the column-mapping dialog ------------------------------------------------------

    @rx.event
    @checked(value=Literal[tuple(f.value for f in MAPPABLE)])
    def set_mapping_format(self, value: str):
        self.mapping_format, self.mapping = value, {}

    @rx.event
    @checked(field=ShortText, column=ShortText)
    def set_mapping_column(self, field: str, column: str):
        if field not in self.mapping_fields or column not in self.mapping_columns:
            raise EventRefused(f"Refused: {field!r} or {column!r} is not one of the choices.")
        self.mapping = self.mapping | {field: column}

    @rx.event
    def cancel_mapping(self):
        self.mapping_open, self._pending, self.progress = False, {}, 0
        self.problem = "The file was not added: its columns were not mapped."

    @rx.event
    async def apply_mapping(self):
        detected = Detected(format=Format(self.mapping_format), mapping=self.mapping)
        missing = missing_columns(detected, self._pending.get("columns", []))
        if missing:
            self.problem = "Choose a column for: " + ", ".join(missing)
            return None
        self.mapping_open, self.problem = False, ""
        return await self._attach(detected)

    # --- Hub datasets: state/hub_datasets.py (checked with the dataset viewer) -----------
