"""The data of the four steps as the user types it, with its errors and warnings, and the one
handler every field calls. Part of the workspace state (state/workspace.py).

Validation is trainpkg_app.core.validation; an edit is trainpkg_app.core.editing.apply_edit."""

from __future__ import annotations

from typing import Literal

import reflex as rx

from trainpkg_app.core.dataset_attach import attach_refusal, hub_row, pickers, removed, replaced
from trainpkg_app.core.drafts import DraftContent, flagged
from trainpkg_app.core.edit_journal import EditJournal
from trainpkg_app.core.editing import Draft, apply_edit, step_form
from trainpkg_app.core.forms import DEFAULT_FORMS, default_forms
from trainpkg_app.core.insights import arguments_yaml, memory_fit, run_estimate
from trainpkg_app.core.payloads import FieldName, FieldValue, ShortText, StepName
from trainpkg_app.core.presets import PRESETS, apply_preset
from trainpkg_app.core.summaries import model_facts, summarize
from trainpkg_app.core.validation import StepValidation, validate_step
from trainpkg_app.core.workflow import STEPS, StepId
from trainpkg_app.state.events import EventRefused, checked

EMPTY_BY_STEP: dict[str, dict[str, str]] = {step.value: {} for step in STEPS}


class StepDataMixin(rx.State, mixin=True):
    forms: dict[str, dict[str, str]] = default_forms()
    datasets: list[dict[str, str]] = []
    errors: dict[str, dict[str, str]] = EMPTY_BY_STEP
    warnings: dict[str, dict[str, str]] = EMPTY_BY_STEP
    summaries: dict[str, str] = {step.value: "" for step in STEPS}

    advanced_config: bool = False
    _measured_runs: list[dict] = []  # the owner's measured runs (state/calibration.py)
    # Unsaved edits, mirrored to the browser until saved (core/edit_journal.py).
    edit_journal: str = rx.LocalStorage("", name="trainpkg_unsaved_edits")

    @rx.var
    def memory_fit(self) -> dict[str, str]:
        return memory_fit(self.forms)

    @rx.var
    def run_estimate(self) -> dict[str, str]:
        return run_estimate(self.forms, self.datasets, self._measured_runs)

    @rx.var
    def arguments_yaml(self) -> str:
        return arguments_yaml(self.forms)

    @rx.var
    def model_facts(self) -> list[dict[str, str]]:
        return model_facts(self.forms["model"])

    @rx.var
    def warning_counts(self) -> dict[str, int]:
        return {step: len(found) for step, found in self.warnings.items()}

    @rx.var
    def dataset_choices(self) -> dict[str, dict[str, list[str]]]:
        """Per checked Hub dataset: its configs, and the splits of its chosen config."""
        return pickers(self.datasets)

    @rx.event
    @checked()
    def set_advanced_config(self, value: bool):
        self.advanced_config = value

    @rx.event
    @checked(step=StepName, field=FieldName, value=FieldValue)
    def set_field(self, step: str, field: str, value: str):
        """The edit handler of every field."""
        if field not in DEFAULT_FORMS[step]:
            raise EventRefused(f"Refused: the {step} step has no field {field!r}.")
        return self._apply_edit(step, {field: value})

    @rx.event
    @checked(preset=Literal[tuple(PRESETS)])
    def use_preset(self, preset: str):
        return self._apply_edit("config", apply_preset(self.forms["config"], preset), whole=True)

    def _apply_edit(self, step: str, fields: dict[str, str], *, whole: bool = False):
        """Store an edit (one core call); returns the auto-save loop when none runs yet."""
        journal = EditJournal.parse(self.edit_journal)
        # An edit sent while a reconnected page is still opening its draft joins the journal.
        base = (self.package_id, self.revision) if self.package_id else journal.key
        before = Draft(
            forms=self.forms,
            datasets=self.datasets,
            errors=self.errors,
            workflow=self._workflow(),
            save_status=self.status,
            journal=journal,
            journal_base=base,
        )
        edited = apply_edit(before, step, fields, whole=whole)
        self.forms = edited.forms
        self._set_feedback(step, edited.errors, edited.warnings)
        if edited.workflow is not None:
            self._store(edited.workflow)
        self.status = edited.save_status
        self.edit_journal = edited.journal.dump()
        return self._autosave_loop_if_needed()

    def _load_content(self, content: DraftContent) -> None:
        """Show a draft: its values, the warnings and summaries they imply, no stale errors."""
        self.forms = content.forms
        self.datasets = content.datasets
        results = content.validate_all()
        self.errors = flagged(content, results)
        self.warnings = {step.value: result.warnings for step, result in results.items()}
        self.summaries = {step.value: summarize(result.data) for step, result in results.items()}

    def _show_results(self, results: dict[StepId, StepValidation]) -> None:
        self.errors = self.errors | {step.value: r.errors for step, r in results.items()}
        self.warnings = self.warnings | {step.value: r.warnings for step, r in results.items()}
        self.summaries = self.summaries | {
            step.value: summarize(r.data) for step, r in results.items()
        }

    def _set_feedback(self, step: str, errors: dict[str, str], warnings: dict[str, str]):
        self.errors = self.errors | {step: errors}
        self.warnings = self.warnings | {step: warnings}

    # --- the dataset list (the rules: core/dataset_attach.py) --------------------------------

    def _check_new_dataset(self, dataset_id: str) -> str:
        """Why this Hub id cannot be attached ('' if it can); the message shows at the field."""
        message = attach_refusal(self.datasets, dataset_id)
        if message:
            self._dataset_id_error(message)
        return message

    def _dataset_id_error(self, message: str) -> None:
        self._set_feedback("dataset", {"new_dataset_id": message}, self.warnings["dataset"])

    def _hub_dataset(self, dataset_id: str) -> dict[str, str] | None:
        return hub_row(self.datasets, dataset_id)

    def _attach_dataset(self, row: dict[str, str]):
        self.datasets = [*self.datasets, row]
        keep = "" if row.get("source") == "hub" else self.forms["dataset"]["new_dataset_id"]
        return self._apply_edit("dataset", {"new_dataset_id": keep})

    def _replace_dataset(self, dataset_id: str, row: dict[str, str]):
        """Put a re-checked Hub dataset (another config or split) in place of the old one."""
        self.datasets = replaced(self.datasets, dataset_id, row)
        return self._datasets_changed()

    @rx.event
    @checked(dataset_id=ShortText)
    def remove_dataset(self, dataset_id: str):
        self.datasets = removed(self.datasets, dataset_id)
        return self._datasets_changed()

    def _datasets_changed(self):
        """The list changed: an edit of the dataset step (its field keeps what it holds)."""
        typed = self.forms["dataset"]["new_dataset_id"]
        return self._apply_edit("dataset", {"new_dataset_id": typed})

    @rx.event
    def next_step(self):
        """Validate the open step; complete it and move on, or show its field errors."""
        step = StepId(self.current_step)
        result = validate_step(step, step_form(self.forms, self.datasets, step))
        self._show_results({step: result})
        if step == StepId.DEPLOY and result.ok:  # the estimate is kept with the draft
            estimate = run_estimate(self.forms, self.datasets, self._measured_runs)["message"]
            self.forms = self.forms | {"deploy": self.forms["deploy"] | {"estimate": estimate}}
        self._record_result(step, has_errors=not result.ok)
