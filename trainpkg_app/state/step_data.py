"""The data of the four steps as the user types it, with its errors and warnings.

Validation is trainpkg_app.core.validation; this state only stores its results."""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx

from trainpkg_app.core.names import generate_draft_name, generate_version_name
from trainpkg_app.core.step_data import DatasetRef, PackageName
from trainpkg_app.core.summaries import summarize
from trainpkg_app.core.validation import parse, validate_step
from trainpkg_app.core.workflow import STEPS, StepId
from trainpkg_app.state.wizard import WizardState

DEFAULT_FORMS: dict[str, dict[str, str]] = {
    "model": {"model_id": "", "parameters": "", "size_gb": ""},
    "config": {
        "method": "",
        "learning_rate": "0.0002",
        "num_epochs": "3",
        "per_device_batch_size": "4",
        "gradient_accumulation_steps": "4",
        "max_seq_length": "1024",
        "warmup_ratio": "0.03",
        "lora_r": "16",
        "lora_alpha": "32",
        "lora_dropout": "0.05",
    },
    "dataset": {"new_dataset_id": "", "train_split_percent": "90"},
    "deploy": {
        "target": "",
        "output_dir": "./data/runs",
        "num_gpus": "1",
        "space_name": "",
        "space_flavor": "a10g-small",
        "job_flavor": "a10g-small",
        "timeout_minutes": "120",
    },
}
EMPTY_BY_STEP: dict[str, dict[str, str]] = {step.value: {} for step in STEPS}


class StepDataState(rx.State):
    package_name: str = "my-package"
    package_name_error: str = ""
    draft_started_at: str = ""
    forms: dict[str, dict[str, str]] = DEFAULT_FORMS
    datasets: list[dict[str, str]] = []
    errors: dict[str, dict[str, str]] = EMPTY_BY_STEP
    warnings: dict[str, dict[str, str]] = EMPTY_BY_STEP
    summaries: dict[str, str] = {step.value: "" for step in STEPS}

    @rx.var
    def draft_name(self) -> str:
        started = datetime.fromisoformat(self.draft_started_at) if self.draft_started_at else None
        return generate_draft_name(self.package_name, started) if started else ""

    @rx.var
    def warning_counts(self) -> dict[str, int]:
        return {step: len(found) for step, found in self.warnings.items()}

    @rx.var
    def first_version_name(self) -> str:
        return generate_version_name(self.package_name, 1)

    @rx.event
    def start_draft(self):
        if not self.draft_started_at:
            self.draft_started_at = datetime.now(UTC).isoformat(timespec="seconds")

    @rx.event
    def set_package_name(self, value: str):
        self.package_name = value
        result = parse(PackageName, {"name": value})
        self.package_name_error = result.errors.get("name", "")

    def _step_form(self, step: str) -> dict:
        form: dict = dict(self.forms[step])
        if step == StepId.DATASET:
            form["datasets"] = self.datasets
        return form

    def _set_feedback(self, step: str, errors: dict[str, str], warnings: dict[str, str]):
        self.errors = self.errors | {step: errors}
        self.warnings = self.warnings | {step: warnings}

    @rx.event
    async def set_field(self, step: str, field: str, value: str):
        await self._apply_edit(step, field, value)

    async def _apply_edit(self, step: str, field: str, value: str):
        """Store an edit; re-check only the errors already shown, and every warning."""
        self.forms = self.forms | {step: self.forms[step] | {field: value}}
        result = validate_step(StepId(step), self._step_form(step))
        shown = {f: m for f, m in result.errors.items() if f in self.errors[step]}
        self._set_feedback(step, shown, result.warnings)
        wizard = await self.get_state(WizardState)
        wizard.reopen_if_completed(StepId(step))

    @rx.event
    async def add_dataset(self):
        dataset_id = self.forms["dataset"]["new_dataset_id"].strip()
        result = parse(DatasetRef, {"source": "hub", "dataset_id": dataset_id})
        if not result.ok:
            message = result.errors.get("dataset_id", "Enter a Hub dataset id.")
            self._set_feedback("dataset", {"new_dataset_id": message}, self.warnings["dataset"])
            return
        if any(ref["dataset_id"] == dataset_id for ref in self.datasets):
            self._set_feedback(
                "dataset", {"new_dataset_id": f"{dataset_id} is already attached."}, {}
            )
            return
        self.datasets = [*self.datasets, {"source": "hub", "dataset_id": dataset_id}]
        await self._apply_edit("dataset", "new_dataset_id", "")

    @rx.event
    async def remove_dataset(self, dataset_id: str):
        self.datasets = [ref for ref in self.datasets if ref["dataset_id"] != dataset_id]
        await self._apply_edit("dataset", "new_dataset_id", self.forms["dataset"]["new_dataset_id"])

    @rx.event
    async def next_step(self):
        """Validate the open step; complete it and move on, or show its field errors."""
        wizard = await self.get_state(WizardState)
        step = StepId(wizard.current_step)
        result = validate_step(step, self._step_form(step))
        self._set_feedback(step, result.errors, result.warnings)
        self.summaries = self.summaries | {step.value: summarize(result.data)}
        wizard.record_result(step, has_errors=not result.ok)
