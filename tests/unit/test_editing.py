from trainpkg_app.core.autosave import CONFLICT, RETRYING, SAVED, UNSAVED
from trainpkg_app.core.edit_journal import EditJournal
from trainpkg_app.core.editing import Draft, apply_edit, status_after_edit, step_form
from trainpkg_app.core.forms import default_forms
from trainpkg_app.core.workflow import (
    StepId,
    StepStatus,
    complete_step,
    create_initial_workflow_state,
)


def _draft(**changes) -> Draft:
    values = {
        "forms": default_forms(),
        "datasets": [],
        "errors": {step.value: {} for step in StepId},
        "workflow": create_initial_workflow_state(),
        "save_status": SAVED,
        "journal": EditJournal(),
        "journal_base": ("pkg", 3),
    }
    return Draft(**(values | changes))


def test_an_edit_stores_the_value_marks_unsaved_and_joins_the_journal():
    edited = apply_edit(_draft(), "model", {"model_id": "org/model"}, whole=False)
    assert edited.forms["model"]["model_id"] == "org/model"
    assert edited.forms["config"] == default_forms()["config"]
    assert edited.save_status == UNSAVED
    assert edited.journal.key == ("pkg", 3)
    assert edited.journal.forms == {"model": {"model_id": "org/model"}}
    assert edited.workflow is None  # the step was not completed: nothing to reopen


def test_only_errors_already_shown_are_checked_again_while_typing():
    shown = {step.value: {} for step in StepId} | {"config": {"learning_rate": "old message"}}
    typed = {"learning_rate": "not a number", "num_epochs": "-1"}
    edited = apply_edit(_draft(errors=shown), "config", typed, whole=False)
    # num_epochs and the unset method are wrong too, but their errors wait for Next:
    assert set(edited.errors) == {"learning_rate"}
    unshown = apply_edit(_draft(), "config", typed, whole=False)
    assert unshown.errors == {}
    assert edited.errors["learning_rate"] != "old message"
    fixed = apply_edit(_draft(errors=shown), "config", {"learning_rate": "2e-4"}, whole=False)
    assert fixed.errors == {}


def test_a_whole_form_replaces_the_step_and_shows_no_error_yet():
    shown = {step.value: {} for step in StepId} | {"model": {"model_id": "shown"}}
    edited = apply_edit(_draft(errors=shown), "model", {"model_id": ""}, whole=True)
    assert edited.forms["model"] == {"model_id": ""}
    assert edited.errors == {}


def test_editing_a_completed_step_reopens_it():
    done = complete_step(create_initial_workflow_state(), StepId.MODEL, has_errors=False)
    edited = apply_edit(_draft(workflow=done), "model", {"model_id": "x/y"}, whole=False)
    assert edited.workflow is not None
    assert edited.workflow.statuses[StepId.MODEL] == StepStatus.IN_PROGRESS
    assert edited.workflow.current_step == StepId.MODEL


def test_a_conflict_or_a_retry_stays_on_the_indicator_after_an_edit():
    assert status_after_edit(CONFLICT) == CONFLICT
    assert status_after_edit(RETRYING) == RETRYING
    assert status_after_edit(SAVED) == UNSAVED


def test_the_dataset_step_validates_its_attached_datasets_too():
    row = {"source": "hub", "dataset_id": "org/data"}
    assert step_form(default_forms(), [row], "dataset")["datasets"] == [row]
    assert "datasets" not in step_form(default_forms(), [row], "config")
