"""The data of the four steps as the user types it, with its errors and warnings.

Validation is trainpkg_app.core.validation; this state only stores its results."""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx

from trainpkg_app.core.dataset_attach import (
    attach_refusal,
    hub_row,
    pickers,
    removed,
    replaced,
)
from trainpkg_app.core.drafts import DraftContent, flagged
from trainpkg_app.core.edit_journal import EditJournal
from trainpkg_app.core.forms import DEFAULT_FORMS, default_forms
from trainpkg_app.core.insights import arguments_yaml, memory_fit, run_estimate
from trainpkg_app.core.payloads import FieldName, FieldValue, ShortText, StepName
from trainpkg_app.core.presets import PRESETS, apply_preset
from trainpkg_app.core.summaries import model_facts, summarize
from trainpkg_app.core.validation import StepValidation, validate_step
from trainpkg_app.core.workflow import STEPS, StepId
from trainpkg_app.state import links
from trainpkg_app.state.events import EventRefused, checked
from trainpkg_app.state.save_status import SaveStatusState
from trainpkg_app.state.wizard import WizardState

EMPTY_BY_STEP: dict[str, dict[str, str]] = {step.value: {} for step in STEPS}


async def _drafts(state: rx.State):
    return await state.get_state(links.edit_owner.get())


async def _autosave_follow_up(state: rx.State):
    """After an edit: the auto-save loop, when none runs yet."""
    return await (await _drafts(state))._autosave_loop_if_needed()


class StepDataState(rx.State):
    forms: dict[str, dict[str, str]] = default_forms()
    datasets: list[dict[str, str]] = []
    errors: dict[str, dict[str, str]] = EMPTY_BY_STEP
    warnings: dict[str, dict[str, str]] = EMPTY_BY_STEP
    summaries: dict[str, str] = {step.value: "" for step in STEPS}

    advanced_config: bool = False
    # Unsaved edits, mirrored to the browser until saved (core/edit_journal.py).
    edit_journal: str = rx.LocalStorage("", name="trainpkg_unsaved_edits")

    @rx.var
    def memory_fit(self) -> dict[str, str]:
        return memory_fit(self.forms)

    @rx.var
    def run_estimate(self) -> dict[str, str]:
        return run_estimate(self.forms, self.datasets)

    @rx.var
    def arguments_yaml(self) -> str:
        return arguments_yaml(self.forms)

    @rx.event
    @checked()
    def set_advanced_config(self, value: bool):
        self.advanced_config = value

    @rx.event
    @checked(preset=Literal[tuple(PRESETS)])
    async def use_preset(self, preset: str):
        await self._replace_form("config", apply_preset(self.forms["config"], preset))
        return await _autosave_follow_up(self)

    @rx.var
    def model_facts(self) -> list[dict[str, str]]:
        return model_facts(self.forms["model"])

    @rx.var
    def warning_counts(self) -> dict[str, int]:
        return {step: len(found) for step, found in self.warnings.items()}

    def _load(self, content: DraftContent) -> None:
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

    def _step_form(self, step: str) -> dict[str, Any]:
        form: dict[str, Any] = dict(self.forms[step])
        if step == StepId.DATASET:
            form["datasets"] = self.datasets
        return form

    def _set_feedback(self, step: str, errors: dict[str, str], warnings: dict[str, str]):
        self.errors = self.errors | {step: errors}
        self.warnings = self.warnings | {step: warnings}

    @rx.event
    @checked(step=StepName, field=FieldName, value=FieldValue)
    async def set_field(self, step: str, field: str, value: str):
        if field not in DEFAULT_FORMS[step]:
            raise EventRefused(f"Refused: the {step} step has no field {field!r}.")
        return await self._apply_edit(step, field, value)

    async def _apply_edit(self, step: str, field: str, value: str):
        """Store an edit; re-check only the errors already shown, and every warning."""
        self.forms = self.forms | {step: self.forms[step] | {field: value}}
        result = validate_step(StepId(step), self._step_form(step))
        shown = {f: m for f, m in result.errors.items() if f in self.errors[step]}
        self._set_feedback(step, shown, result.warnings)
        await self._after_edit(step, {field: value})
        return await _autosave_follow_up(self)

    async def _after_edit(self, step: str, fields: dict[str, str]) -> None:
        wizard = await self.get_state(WizardState)
        wizard._reopen_if_completed(StepId(step))
        (await self.get_state(SaveStatusState))._mark_unsaved()
        drafts = await _drafts(self)
        journal = EditJournal.parse(self.edit_journal)
        # An edit sent while a reconnected page is still opening its draft joins the journal.
        base = (drafts.package_id, drafts.revision) if drafts.package_id else journal.key
        self.edit_journal = journal.record(*base, step, fields).dump()

    async def _replace_form(self, step: str, form: dict[str, str]):
        """Put a whole form in at once (a model looked up on the Hub), as one edit."""
        self.forms = self.forms | {step: form}
        result = validate_step(StepId(step), self._step_form(step))
        self._set_feedback(step, {}, result.warnings)
        await self._after_edit(step, form)

    def _check_new_dataset(self, dataset_id: str) -> str:
        """Why this Hub id cannot be attached ('' if it can); the message shows at the field."""
        message = attach_refusal(self.datasets, dataset_id)
        if message:
            self._set_feedback("dataset", {"new_dataset_id": message}, self.warnings["dataset"])
        return message

    async def _dataset_id_error(self, message: str) -> None:
        self._set_feedback("dataset", {"new_dataset_id": message}, self.warnings["dataset"])

    async def _attach_dataset(self, row: dict[str, str]) -> None:
        self.datasets = [*self.datasets, row]
        keep = "" if row.get("source") == "hub" else self.forms["dataset"]["new_dataset_id"]
        await self._apply_edit("dataset", "new_dataset_id", keep)

    @rx.var
    def dataset_choices(self) -> dict[str, dict[str, list[str]]]:
        """Per checked Hub dataset: its configs, and the splits of its chosen config."""
        return pickers(self.datasets)

    def _hub_dataset(self, dataset_id: str) -> dict[str, str] | None:
        return hub_row(self.datasets, dataset_id)

    async def _replace_dataset(self, dataset_id: str, row: dict[str, str]):
        """Put a re-checked Hub dataset (another config or split) in place of the old one."""
        self.datasets = replaced(self.datasets, dataset_id, row)
        return await self._apply_edit(
            "dataset", "new_dataset_id", self.forms["dataset"]["new_dataset_id"]
        )

    @rx.event
    @checked(dataset_id=ShortText)
    async def remove_dataset(self, dataset_id: str):
        self.datasets = removed(self.datasets, dataset_id)
        return await self._apply_edit(
            "dataset", "new_dataset_id", self.forms["dataset"]["new_dataset_id"]
        )

    @rx.event
    async def next_step(self):
        """Validate the open step; complete it and move on, or show its field errors."""
        wizard = await self.get_state(WizardState)
        step = StepId(wizard.current_step)
        result = validate_step(step, self._step_form(step))
        self._show_results({step: result})
        if step == StepId.DEPLOY and result.ok:  # the estimate is kept with the draft
            estimate = run_estimate(self.forms, self.datasets)["message"]
            self.forms = self.forms | {"deploy": self.forms["deploy"] | {"estimate": estimate}}
        wizard._record_result(step, has_errors=not result.ok)
