"""Publishing and restoring through the states: what is refused (a conflict, a step with
errors, a database that does not answer), version numbers, and restoring over unsaved edits."""

from __future__ import annotations

import uuid

import pytest
from statekit import database_down, new_package, new_user, on_draft_write, open_tab, stored_draft
from test_drafts import valid_draft

from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.state.drafts import DraftState
from trainpkg_app.state.history import HistoryState
from trainpkg_app.state.save_status import SaveStatusState
from trainpkg_app.state.step_data import StepDataState
from trainpkg_app.state.wizard import WizardState

pytestmark = pytest.mark.usefixtures("app_db")


async def valid_tab(content: DraftContent | None = None):
    """A tab on a package whose draft passes every step (or holds ``content``)."""
    token = new_user()
    tab = await open_tab(token, new_package(token, content or valid_draft(), name="support-bot"))
    await tab.send(HistoryState.refresh)
    return token, tab


async def publish(tab, summary: str = "") -> str:
    """Publish as the dialog does; the message it leaves."""
    await tab.send(HistoryState.open_publish)
    await tab.send(HistoryState.set_change_summary, value=summary)
    await tab.send(HistoryState.publish)
    return tab.state(HistoryState).message


async def another_tab_saves(token: str, tab) -> None:
    """The same user changes the draft in a second tab, which saves first."""
    other = await open_tab(token, tab.state(DraftState).package_id)
    await other.send(StepDataState.set_field, step="model", field="model_id", value="their/model")
    await other.send(DraftState.save_now)


def model_id(tab) -> str:
    return tab.state(StepDataState).forms["model"]["model_id"]


async def test_each_publish_takes_the_next_version_number():
    token, tab = await valid_tab()
    drafts, history = tab.state(DraftState), tab.state(HistoryState)
    assert drafts.next_version_name == "support-bot-v1"
    assert await publish(tab, "first") == "Published support-bot-v1."
    assert (drafts.last_version_number, drafts.next_version_name) == (1, "support-bot-v2")
    assert [(v["label"], v["change_summary"]) for v in history.versions] == [("v1", "first")]
    assert not history.publish_open
    await tab.send(StepDataState.set_field, step="model", field="model_id", value="Qwen/Qwen3-8B")
    assert await publish(tab) == "Published support-bot-v2."
    assert [v["label"] for v in history.versions] == ["v2", "v1"]
    assert tab.state(SaveStatusState).status == "saved"  # publishing saved the draft too
    stored = stored_draft(token, drafts.package_id)
    assert (stored.revision, stored.last_version_number) == (drafts.revision, 2)
    assert stored.content.forms["model"]["model_id"] == "Qwen/Qwen3-8B"


async def test_a_step_with_errors_is_named_and_opened_and_nothing_is_published():
    draft = valid_draft()
    draft.forms["config"]["learning_rate"] = "0"
    _token, tab = await valid_tab(draft)
    message = await publish(tab)
    assert message == "Not published: step 2 (Config) has errors. Fix the marked fields."
    wizard = tab.state(WizardState)
    assert (wizard.current_step, wizard.statuses["config"]) == ("config", "error")
    assert tab.state(StepDataState).errors["config"]["learning_rate"] == "Must be greater than 0."
    assert tab.state(HistoryState).total == 0


async def test_an_unresolved_conflict_publishes_nothing():
    token, tab = await valid_tab()
    await another_tab_saves(token, tab)
    await tab.send(StepDataState.set_field, step="model", field="model_id", value="my/model")
    await tab.send(DraftState.save_now)
    assert tab.state(SaveStatusState).status == "conflict"
    assert await publish(tab) == "Resolve the draft conflict before publishing."
    await tab.send(HistoryState.refresh)
    assert tab.state(HistoryState).total == 0


async def test_publishing_after_another_tab_saved_is_a_conflict_too():
    token, tab = await valid_tab()
    await another_tab_saves(token, tab)
    message = await publish(tab)
    assert message.startswith("Not published: The draft was saved elsewhere (revision 1)")
    assert tab.state(SaveStatusState).status == "conflict"
    await tab.send(HistoryState.refresh)
    assert tab.state(HistoryState).total == 0  # the version was not written either


async def test_a_database_that_does_not_answer_publishes_nothing():
    _token, tab = await valid_tab()
    with on_draft_write(database_down(times=1)):
        message = await publish(tab)
    assert message == "Not published: the database did not answer (OperationalError)."
    await tab.send(HistoryState.refresh)
    assert tab.state(HistoryState).total == 0
    assert await publish(tab) == "Published support-bot-v1."


# --- restore ------------------------------------------------------------------------------


async def published_then_edited(tab) -> str:
    """v1 published, then an unsaved edit: v1's id."""
    await publish(tab)
    await tab.send(StepDataState.set_field, step="model", field="model_id", value="Qwen/Qwen3-8B")
    return tab.state(HistoryState).versions[0]["id"]


async def test_restore_asks_first_when_the_draft_has_unsaved_edits():
    _token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    history = tab.state(HistoryState)
    await tab.send(HistoryState.ask_restore, version_id=v1, label="v1")
    assert (history.restore_version_id, history.restore_label) == (v1, "v1")  # the question
    assert model_id(tab) == "Qwen/Qwen3-8B"  # nothing replaced yet
    await tab.send(HistoryState.cancel_restore)
    assert history.restore_version_id == ""
    assert model_id(tab) == "Qwen/Qwen3-8B"


async def test_restore_replaces_the_edits_with_the_version():
    token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    await tab.send(HistoryState.ask_restore, version_id=v1, label="v1")
    await tab.send(HistoryState.restore)
    history, drafts = tab.state(HistoryState), tab.state(DraftState)
    assert history.message == "Restored v1 into the draft. History is unchanged."
    assert (history.restore_version_id, model_id(tab)) == ("", "Qwen/Qwen2.5-0.5B")
    assert tab.state(SaveStatusState).status == "saved"
    assert tab.state(WizardState).is_complete  # a version was valid in every step
    assert drafts.parent_version_id == v1
    stored = stored_draft(token, drafts.package_id)
    assert stored.revision == drafts.revision
    assert stored.content.forms["model"]["model_id"] == "Qwen/Qwen2.5-0.5B"
    assert [v["label"] for v in history.versions] == ["v1"]


async def test_restore_is_immediate_when_the_draft_equals_its_version():
    _token, tab = await valid_tab()
    await publish(tab)
    history = tab.state(HistoryState)
    v1 = history.versions[0]["id"]
    await tab.send(HistoryState.ask_restore, version_id=v1, label="v1")
    assert history.restore_version_id == ""  # nothing to lose: no question
    assert history.message == "Restored v1 into the draft. History is unchanged."


async def test_a_saved_change_since_the_version_is_asked_about_too():
    _token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    await tab.send(DraftState.save_now)
    assert tab.state(SaveStatusState).status == "saved"
    await tab.send(HistoryState.ask_restore, version_id=v1, label="v1")
    assert tab.state(HistoryState).restore_version_id == v1
    assert model_id(tab) == "Qwen/Qwen3-8B"


# --- compare and archive ------------------------------------------------------------------


async def two_versions(tab) -> tuple[str, str]:
    """v1, then v2 with a lower learning rate and more epochs: their ids."""
    await publish(tab)
    for field, value in {"learning_rate": "0.00005", "num_epochs": "5"}.items():
        await tab.send(StepDataState.set_field, step="config", field=field, value=value)
    await publish(tab)
    v2, v1 = (row["id"] for row in tab.state(HistoryState).versions)
    return v1, v2


async def test_compare_shows_what_changed_between_versions_and_the_draft():
    _token, tab = await valid_tab()
    v1, v2 = await two_versions(tab)
    history = tab.state(HistoryState)
    await tab.send(HistoryState.open_compare, version_id=v1)
    assert history.compare_open and history.compare_right == "draft"
    changed = [(row["path"], row["change"]) for row in history.shown_diff_rows]
    assert changed == [("learning_rate", "changed"), ("num_epochs", "changed")]
    await tab.send(HistoryState.set_compare_right, value=v2)
    assert [row["path"] for row in history.shown_diff_rows] == ["learning_rate", "num_epochs"]
    await tab.send(HistoryState.set_only_differences, value=False)
    assert len(history.shown_diff_rows) > 2
    await tab.send(HistoryState.set_compare_left, value=str(uuid.uuid4()))
    assert not history.compare_open and history.message


async def test_an_archived_version_shows_only_with_the_archived_ones():
    _token, tab = await valid_tab()
    v1, _v2 = await two_versions(tab)
    history = tab.state(HistoryState)
    await tab.send(HistoryState.archive, version_id=v1, archived=True)
    assert [row["label"] for row in history.versions] == ["v2"]
    await tab.send(HistoryState.set_include_archived, value=True)
    assert [(row["label"], row["status"]) for row in history.versions] == [
        ("v2", "published"),
        ("v1", "archived"),
    ]
