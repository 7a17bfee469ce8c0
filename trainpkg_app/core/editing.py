"""One edit of the draft, as one pure call: the new forms, the step's feedback, the wizard's
place, the save indicator and the browser's journal of unsaved edits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from trainpkg_app.core.autosave import CONFLICT, RETRYING, UNSAVED
from trainpkg_app.core.edit_journal import EditJournal
from trainpkg_app.core.validation import validate_step
from trainpkg_app.core.workflow import StepId, StepStatus, WorkflowState, reopen_step

Forms = dict[str, dict[str, str]]


def step_form(forms: Forms, datasets: list[dict[str, str]], step: str) -> dict[str, Any]:
    """What a step validates: its form, and for the dataset step the attached datasets."""
    form: dict[str, Any] = dict(forms[step])
    if step == StepId.DATASET:
        form["datasets"] = datasets
    return form


def status_after_edit(save_status: str) -> str:
    """An edit makes the draft unsaved, except while a conflict or a retry is shown."""
    return save_status if save_status in (CONFLICT, RETRYING) else UNSAVED


@dataclass(frozen=True)
class Draft:
    """What an edit changes, as the workspace holds it before the edit."""

    forms: Forms
    datasets: list[dict[str, str]]
    errors: Forms  # per step: the field errors on screen
    workflow: WorkflowState
    save_status: str
    journal: EditJournal
    journal_base: tuple[str, int]  # (package id, revision) the edits build on


@dataclass(frozen=True)
class Edited:
    forms: Forms
    errors: dict[str, str]  # the step's: those on screen, checked again
    warnings: dict[str, str]  # the step's, all of them
    workflow: WorkflowState | None  # None when the wizard's place did not change
    save_status: str
    journal: EditJournal


def apply_edit(draft: Draft, step: str, fields: dict[str, str], *, whole: bool) -> Edited:
    """``fields`` typed into ``step``; ``whole``: a form put in at once (a model looked up on
    the Hub), whose errors wait for the step's Next, as a fresh form's do."""
    forms = draft.forms | {step: fields if whole else draft.forms[step] | fields}
    result = validate_step(StepId(step), step_form(forms, draft.datasets, step))
    shown = () if whole else draft.errors.get(step, {})
    workflow = None
    if draft.workflow.statuses[StepId(step)] == StepStatus.COMPLETED:
        workflow = reopen_step(draft.workflow, StepId(step))
    return Edited(
        forms=forms,
        errors=_still_shown(result.errors, shown),
        warnings=result.warnings,
        workflow=workflow,
        save_status=status_after_edit(draft.save_status),
        journal=draft.journal.record(*draft.journal_base, step, fields),
    )


def _still_shown(errors: dict[str, str], shown: Collection[str]) -> dict[str, str]:
    """Errors appear on Next; while typing, only those already shown are checked again."""
    return {field: message for field, message in errors.items() if field in shown}
