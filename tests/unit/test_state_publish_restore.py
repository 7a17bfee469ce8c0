"""Publishing and restoring through the states: what is refused (a conflict, a step with
errors, a database that does not answer), version numbers, and restoring over unsaved edits."""

from __future__ import annotations

import uuid

import pytest
from statekit import database_down, new_package, new_user, on_draft_write, open_tab, stored_draft
from test_drafts import valid_draft

from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.state.compare import CompareState
from trainpkg_app.state.events import EventRefused
from trainpkg_app.state.history import HistoryState
from trainpkg_app.state.publish import PublishState
from trainpkg_app.state.restore import RestoreState
from trainpkg_app.state.workspace import WorkspaceState

pytestmark = pytest.mark.usefixtures("app_db")


async def valid_tab(content: DraftContent | None = None):
    """A tab on a package whose draft passes every step (or holds ``content``)."""
    token = new_user()
    tab = await open_tab(token, new_package(token, content or valid_draft(), name="support-bot"))
    await tab.send(HistoryState.refresh)
    return token, tab


async def publish(tab, summary: str = "") -> str:
    """Publish as the dialog does; the message it leaves."""
    await tab.send(PublishState.open_publish)
    await tab.send(PublishState.set_change_summary, value=summary)
    await tab.send(PublishState.publish)
    return tab.state(HistoryState).message


async def another_tab_saves(token: str, tab) -> None:
    """The same user changes the draft in a second tab, which saves first."""
    other = await open_tab(token, tab.state(WorkspaceState).package_id)
    await other.send(WorkspaceState.set_field, step="model", field="model_id", value="their/model")
    await other.send(WorkspaceState.save_now)


def model_id(tab) -> str:
    return tab.state(WorkspaceState).forms["model"]["model_id"]


async def test_each_publish_takes_the_next_version_number():
    token, tab = await valid_tab()
    drafts, history = tab.state(WorkspaceState), tab.state(HistoryState)
    assert drafts.next_version_name == "support-bot-v1"
    assert await publish(tab, "first") == "Published support-bot-v1."
    assert (drafts.last_version_number, drafts.next_version_name) == (1, "support-bot-v2")
    assert [(v.label, v.change_summary) for v in history.versions] == [("v1", "first")]
    assert not tab.state(PublishState).publish_open
    await tab.send(WorkspaceState.set_field, step="model", field="model_id", value="Qwen/Qwen3-8B")
    assert await publish(tab) == "Published support-bot-v2."
    assert [v.label for v in history.versions] == ["v2", "v1"]
    assert tab.state(WorkspaceState).status == "saved"  # publishing saved the draft too
    stored = stored_draft(token, drafts.package_id)
    assert (stored.revision, stored.last_version_number) == (drafts.revision, 2)
    assert stored.content.forms["model"]["model_id"] == "Qwen/Qwen3-8B"


async def test_a_step_with_errors_is_named_and_opened_and_nothing_is_published():
    draft = valid_draft()
    draft.forms["config"]["learning_rate"] = "0"
    _token, tab = await valid_tab(draft)
    message = await publish(tab)
    assert message == "Not published: step 2 (Config) has errors. Fix the marked fields."
    wizard = tab.state(WorkspaceState)
    assert (wizard.current_step, wizard.statuses["config"]) == ("config", "error")
    assert tab.state(WorkspaceState).errors["config"]["learning_rate"] == "Must be greater than 0."
    assert tab.state(HistoryState).total == 0


async def test_an_unresolved_conflict_publishes_nothing():
    token, tab = await valid_tab()
    await another_tab_saves(token, tab)
    await tab.send(WorkspaceState.set_field, step="model", field="model_id", value="my/model")
    await tab.send(WorkspaceState.save_now)
    assert tab.state(WorkspaceState).status == "conflict"
    assert await publish(tab) == "Resolve the draft conflict before publishing."
    await tab.send(HistoryState.refresh)
    assert tab.state(HistoryState).total == 0


async def test_publishing_after_another_tab_saved_is_a_conflict_too():
    token, tab = await valid_tab()
    await another_tab_saves(token, tab)
    message = await publish(tab)
    assert message.startswith("Not published: The draft was saved elsewhere (revision 1)")
    assert tab.state(WorkspaceState).status == "conflict"
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
    await tab.send(WorkspaceState.set_field, step="model", field="model_id", value="Qwen/Qwen3-8B")
    return tab.state(HistoryState).versions[0].id


async def test_restore_asks_first_when_the_draft_has_unsaved_edits():
    _token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    restore = tab.state(RestoreState)
    await tab.send(RestoreState.ask_restore, version_id=v1, label="v1")
    assert (restore.restore_version_id, restore.restore_label) == (v1, "v1")  # the question
    assert model_id(tab) == "Qwen/Qwen3-8B"  # nothing replaced yet
    await tab.send(RestoreState.cancel_restore)
    assert restore.restore_version_id == ""
    assert model_id(tab) == "Qwen/Qwen3-8B"


async def test_restore_replaces_the_edits_with_the_version():
    token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    await tab.send(RestoreState.ask_restore, version_id=v1, label="v1")
    await tab.send(RestoreState.restore)
    history, drafts = tab.state(HistoryState), tab.state(WorkspaceState)
    assert history.message == "Restored v1 into the draft. History is unchanged."
    assert (tab.state(RestoreState).restore_version_id, model_id(tab)) == ("", "Qwen/Qwen2.5-0.5B")
    assert tab.state(WorkspaceState).status == "saved"
    assert tab.state(WorkspaceState).is_complete  # a version was valid in every step
    assert drafts.parent_version_id == v1
    stored = stored_draft(token, drafts.package_id)
    assert stored.revision == drafts.revision
    assert stored.content.forms["model"]["model_id"] == "Qwen/Qwen2.5-0.5B"
    assert [v.label for v in history.versions] == ["v1"]


async def test_restore_is_immediate_when_the_draft_equals_its_version():
    _token, tab = await valid_tab()
    await publish(tab)
    history = tab.state(HistoryState)
    v1 = history.versions[0].id
    await tab.send(RestoreState.ask_restore, version_id=v1, label="v1")
    assert tab.state(RestoreState).restore_version_id == ""  # nothing to lose: no question
    assert history.message == "Restored v1 into the draft. History is unchanged."


async def test_a_saved_change_since_the_version_is_asked_about_too():
    _token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    await tab.send(WorkspaceState.save_now)
    assert tab.state(WorkspaceState).status == "saved"
    await tab.send(RestoreState.ask_restore, version_id=v1, label="v1")
    assert tab.state(RestoreState).restore_version_id == v1
    assert model_id(tab) == "Qwen/Qwen3-8B"


async def test_the_doctors_retry_restores_the_version_with_half_its_learning_rate():
    token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    await tab.send(RestoreState.ask_gentler_retry, version_id=v1, label="v1")
    assert model_id(tab) == "Qwen/Qwen3-8B"  # unsaved edits: it asks first, as a restore does
    await tab.send(RestoreState.restore)
    drafts = tab.state(WorkspaceState)
    assert model_id(tab) == "Qwen/Qwen2.5-0.5B"
    assert drafts.forms["config"]["learning_rate"] == "5e-05"  # the version's 0.0001, halved
    assert drafts.status == "unsaved"  # the change saves itself like an edit
    assert tab.state(HistoryState).message == (
        "Restored v1 into the draft with the learning rate halved (0.0001 to 5e-05): "
        "publish it to try again. It starts from the base model: no checkpoint was saved before."
    )
    await tab.send(WorkspaceState.save_now)
    assert stored_draft(token, drafts.package_id).content.forms["config"]["learning_rate"] == (
        "5e-05"
    )


async def test_the_doctors_retry_starts_from_the_best_checkpoint_it_is_given():
    _token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    start = "7e95f32c-69a0-4aa9-8eac-658d7e70fa1c:50"
    await tab.send(RestoreState.ask_gentler_retry, version_id=v1, label="v1", warm_start=start)
    await tab.send(RestoreState.restore)
    assert tab.state(WorkspaceState).forms["config"]["warm_start"] == start
    assert "starting from its checkpoint at step 50: publish" in tab.state(HistoryState).message
    with pytest.raises(EventRefused):  # only "<run id>:<step>" (a path, say, is refused)
        await tab.send(
            RestoreState.ask_gentler_retry, version_id=v1, label="v1", warm_start="../x:1"
        )


async def test_a_plain_restore_after_a_retry_question_changes_nothing_more():
    _token, tab = await valid_tab()
    v1 = await published_then_edited(tab)
    await tab.send(RestoreState.ask_gentler_retry, version_id=v1, label="v1")
    await tab.send(RestoreState.cancel_restore)
    await tab.send(RestoreState.ask_restore, version_id=v1, label="v1")
    await tab.send(RestoreState.restore)
    assert tab.state(WorkspaceState).forms["config"]["learning_rate"] == "0.0001"


# --- compare and archive ------------------------------------------------------------------


async def two_versions(tab) -> tuple[str, str]:
    """v1, then v2 with a lower learning rate and more epochs: their ids."""
    await publish(tab)
    for field, value in {"learning_rate": "0.00005", "num_epochs": "5"}.items():
        await tab.send(WorkspaceState.set_field, step="config", field=field, value=value)
    await publish(tab)
    v2, v1 = (row.id for row in tab.state(HistoryState).versions)
    return v1, v2


async def test_compare_shows_what_changed_between_versions_and_the_draft():
    _token, tab = await valid_tab()
    v1, v2 = await two_versions(tab)
    history, compare = tab.state(HistoryState), tab.state(CompareState)
    await tab.send(CompareState.open_compare, version_id=v1)
    assert compare.compare_open and compare.compare_right == "draft"
    changed = [(row["path"], row["change"]) for row in compare.shown_diff_rows]
    assert changed == [("learning_rate", "changed"), ("num_epochs", "changed")]
    await tab.send(CompareState.set_compare_right, value=v2)
    assert [row["path"] for row in compare.shown_diff_rows] == ["learning_rate", "num_epochs"]
    await tab.send(CompareState.set_only_differences, value=False)
    assert len(compare.shown_diff_rows) > 2
    await tab.send(CompareState.set_compare_left, value=str(uuid.uuid4()))
    assert not compare.compare_open and history.message


async def test_an_archived_version_shows_only_with_the_archived_ones():
    _token, tab = await valid_tab()
    v1, _v2 = await two_versions(tab)
    history = tab.state(HistoryState)
    await tab.send(HistoryState.archive, version_id=v1, archived=True)
    assert [row.label for row in history.versions] == ["v2"]
    await tab.send(HistoryState.set_include_archived, value=True)
    assert [(row.label, row.status) for row in history.versions] == [
        ("v2", "published"),
        ("v1", "archived"),
    ]
