"""Wizard navigation through the states: Next validates the open step, later steps stay locked
until the earlier ones are completed, and editing a completed step reopens it."""

from __future__ import annotations

import pytest
from statekit import new_package, new_user, open_tab
from test_drafts import valid_draft

from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.core.forms import DEFAULT_FORMS
from trainpkg_app.state.workspace import WorkspaceState

pytestmark = pytest.mark.usefixtures("app_db")
STEPS = ["model", "config", "dataset", "deploy"]


async def new_draft_tab():
    """A tab on a new draft whose dataset is attached already (attaching one asks the Hub)."""
    token = new_user()
    return await open_tab(token, new_package(token, DraftContent(datasets=valid_draft().datasets)))


async def fill(tab, step: str) -> None:
    """Type the fields of a valid draft that differ from a new one's."""
    for field, value in valid_draft().forms[step].items():
        if value != DEFAULT_FORMS[step][field]:
            await tab.send(WorkspaceState.set_field, step=step, field=field, value=value)


async def complete(tab, *steps: str) -> None:
    for step in steps:
        await fill(tab, step)
        await tab.send(WorkspaceState.next_step)
        assert tab.state(WorkspaceState).statuses[step] == "completed", step


async def test_next_on_an_empty_model_step_marks_its_error_and_stays():
    tab = await new_draft_tab()
    await tab.send(WorkspaceState.next_step)
    wizard = tab.state(WorkspaceState)
    assert (wizard.current_step, wizard.statuses["model"]) == ("model", "error")
    assert wizard.notice == "Step 1 (Model) has errors: fix the marked fields."
    errors = tab.state(WorkspaceState).errors["model"]
    assert errors["model_id"] == "Choose a model: enter a Hub id such as Qwen/Qwen2.5-0.5B."


async def test_a_later_step_is_refused_until_the_earlier_ones_are_completed():
    tab = await new_draft_tab()
    wizard = tab.state(WorkspaceState)
    assert wizard.locked_steps["dataset"] == (
        "Complete step 1 (Model) before opening step 3 (Dataset)."
    )
    await tab.send(WorkspaceState.go_to, step="dataset")
    assert wizard.notice == "Complete step 1 (Model) before opening step 3 (Dataset)."
    assert wizard.current_step == "model"
    await complete(tab, "model")
    await tab.send(WorkspaceState.go_to, step="deploy")
    assert wizard.notice == "Complete step 2 (Config) before opening step 4 (Deploy)."
    assert wizard.current_step == "config"
    await complete(tab, "config", "dataset")
    await tab.send(WorkspaceState.go_to, step="model")
    assert (wizard.current_step, wizard.notice) == ("model", "")
    await tab.send(WorkspaceState.go_to, step="deploy")
    assert (wizard.current_step, wizard.notice) == ("deploy", "")
    assert wizard.locked_steps == dict.fromkeys(STEPS, "")


async def test_no_step_past_one_with_errors_can_be_opened():
    tab = await new_draft_tab()
    await complete(tab, "model", "config")
    await tab.send(WorkspaceState.go_to, step="model")
    await tab.send(WorkspaceState.set_field, step="model", field="model_id", value="not a hub id")
    await tab.send(WorkspaceState.next_step)
    wizard = tab.state(WorkspaceState)
    assert wizard.statuses["model"] == "error"
    assert tab.state(WorkspaceState).errors["model"]["model_id"]
    await tab.send(WorkspaceState.go_to, step="config")
    assert wizard.current_step == "model"
    assert wizard.notice == "Complete step 1 (Model) before opening step 2 (Config)."


async def test_all_four_steps_complete_and_the_deploy_step_keeps_its_estimate():
    tab = await new_draft_tab()
    await complete(tab, *STEPS)
    wizard = tab.state(WorkspaceState)
    assert wizard.is_complete
    assert wizard.statuses == dict.fromkeys(STEPS, "completed")
    assert tab.state(WorkspaceState).forms["deploy"]["estimate"]


async def test_edit_reopens_a_completed_step_and_flags_the_later_ones_for_a_recheck():
    tab = await new_draft_tab()
    await complete(tab, "model", "config", "dataset")
    await tab.send(WorkspaceState.edit, step="model")
    wizard = tab.state(WorkspaceState)
    assert wizard.current_step == wizard.open_step == "model"
    assert wizard.statuses == dict.fromkeys(STEPS, "in_progress")  # deploy was open already
    assert wizard.needs_recheck == ["config", "dataset"]
    assert tab.state(WorkspaceState).forms["model"]["model_id"] == "Qwen/Qwen2.5-0.5B"
    await tab.send(WorkspaceState.go_to, step="dataset")
    assert wizard.notice.startswith("Complete step 1 (Model)")
    await tab.send(WorkspaceState.next_step)
    assert wizard.statuses["model"] == "completed"
    assert tab.state(WorkspaceState).forms["config"]["method"] == "lora"  # its data is kept


async def test_editing_a_field_of_a_completed_step_reopens_it():
    tab = await new_draft_tab()
    await complete(tab, "model")
    await tab.send(WorkspaceState.go_to, step="model")
    wizard = tab.state(WorkspaceState)
    assert wizard.statuses["model"] == "completed"
    await tab.send(
        WorkspaceState.set_field, step="model", field="model_id", value="Qwen/Qwen2.5-7B"
    )
    assert wizard.statuses["model"] == "in_progress"


async def test_a_shown_error_goes_away_once_the_field_is_fixed():
    tab = await new_draft_tab()
    await complete(tab, "model")
    await fill(tab, "config")
    await tab.send(WorkspaceState.set_field, step="config", field="learning_rate", value="0")
    data = tab.state(WorkspaceState)
    assert data.errors["config"] == {}  # not shown before Next
    await tab.send(WorkspaceState.next_step)
    assert data.errors["config"]["learning_rate"] == "Must be greater than 0."
    await tab.send(WorkspaceState.set_field, step="config", field="learning_rate", value="0.0001")
    assert "learning_rate" not in data.errors["config"]


async def test_a_warning_shows_without_blocking_next():
    tab = await new_draft_tab()
    await tab.send(WorkspaceState.set_field, step="model", field="model_id", value="meta-llama/x")
    await tab.send(WorkspaceState.set_field, step="model", field="size_gb", value="16.1")
    assert "over 10 GB" in tab.state(WorkspaceState).warnings["model"]["size_gb"]
    await tab.send(WorkspaceState.next_step)
    assert tab.state(WorkspaceState).statuses["model"] == "completed"


async def test_back_and_toggle_move_between_open_steps():
    tab = await new_draft_tab()
    await complete(tab, "model")
    wizard = tab.state(WorkspaceState)
    await tab.send(WorkspaceState.back)
    assert wizard.current_step == "model"
    await tab.send(WorkspaceState.toggle, step="model")
    assert wizard.open_step == ""  # collapsed
    await tab.send(WorkspaceState.toggle, step="dataset")
    assert (wizard.open_step, wizard.notice) == ("", wizard.locked_steps["dataset"])
    await tab.send(WorkspaceState.toggle, step="config")
    assert wizard.open_step == wizard.current_step == "config"


async def test_the_deploy_step_is_checked_for_the_chosen_target():
    tab = await new_draft_tab()
    await complete(tab, "model", "config", "dataset")
    for field, value in {"target": "hf_space", "space_name": "me/bad--name"}.items():
        await tab.send(WorkspaceState.set_field, step="deploy", field=field, value=value)
    await tab.send(WorkspaceState.next_step)
    errors = tab.state(WorkspaceState).errors["deploy"]
    assert errors["space_name"].startswith("Not a valid Hub id")
    await tab.send(WorkspaceState.set_field, step="deploy", field="space_name", value="me/trainer")
    await tab.send(WorkspaceState.next_step)
    assert tab.state(WorkspaceState).is_complete
