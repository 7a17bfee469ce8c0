"""Auto-save, through the states: an edit marks the draft unsaved and starts one loop, which
saves, backs off while the database is down, stops on a conflict and once all is saved."""

from __future__ import annotations

import asyncio

import pytest
from statekit import (
    Clock,
    Tab,
    database_down,
    new_user,
    on_draft_write,
    open_tab,
    stored_draft,
)

from trainpkg_app.settings import get_settings
from trainpkg_app.state.packages import PackagesState
from trainpkg_app.state.workspace import WorkspaceState

pytestmark = pytest.mark.usefixtures("app_db")


def model_id_edit(value: str) -> dict:
    return {"step": "model", "field": "model_id", "value": value}


def jittered(delays: list[float], planned: list[float]) -> bool:
    """The loop slept as planned, each sleep stretched by at most 10 %."""
    return len(delays) == len(planned) and all(
        0.9 * plan <= delay <= 1.1 * plan for delay, plan in zip(delays, planned, strict=True)
    )


async def run_loop(tab, monkeypatch, clock: Clock) -> None:
    """The auto-save loop, with ``clock`` for its sleeps; it must end by itself."""
    monkeypatch.setattr(asyncio, "sleep", clock.sleep)
    await asyncio.wait_for(tab.send(WorkspaceState.autosave_loop), timeout=10)


async def test_a_fresh_draft_is_saved_and_an_edit_makes_it_unsaved():
    tab = await open_tab(new_user())
    status = tab.state(WorkspaceState)
    assert status.status == "saved"
    await tab.send(WorkspaceState.set_field, **model_id_edit("Qwen/Qwen2.5-0.5B"))
    assert status.status == "unsaved"
    assert tab.state(WorkspaceState).forms["model"]["model_id"] == "Qwen/Qwen2.5-0.5B"


async def test_the_first_edit_starts_the_loop_and_the_next_ones_do_not():
    tab = await open_tab(new_user())
    first = await tab.send(WorkspaceState.set_field, **model_id_edit("a/b"))
    assert first == WorkspaceState.autosave_loop
    assert await tab.send(WorkspaceState.set_field, **model_id_edit("a/bc")) is None
    assert await tab.send(WorkspaceState.ensure_autosave) is None  # its start is on its way


async def test_the_status_is_saving_while_the_database_writes(monkeypatch):
    token = new_user()
    tab = await open_tab(token)
    await tab.send(WorkspaceState.set_field, **model_id_edit("a/b"))
    during: list[str] = []
    with on_draft_write(lambda: during.append(tab.state(WorkspaceState).status)):
        await run_loop(tab, monkeypatch, Clock())
    assert during == ["saving"]
    assert tab.state(WorkspaceState).status == "saved"
    assert tab.state(WorkspaceState).saved_at
    drafts = tab.state(WorkspaceState)
    stored = stored_draft(token, drafts.package_id)
    assert (stored.revision, drafts.revision) == (1, 1)
    assert stored.content.forms["model"]["model_id"] == "a/b"


async def test_the_loop_waits_the_interval_and_stops_once_everything_is_saved(monkeypatch):
    tab = await open_tab(new_user())
    await tab.send(WorkspaceState.set_field, **model_id_edit("a/b"))
    asked: list = []

    async def ask_for_another_loop() -> None:  # a second connection of this session
        asked.append(await tab.send(WorkspaceState.ensure_autosave))

    clock = Clock(ask_for_another_loop)
    await run_loop(tab, monkeypatch, clock)
    assert asked == [None]  # one loop runs already
    assert jittered(clock.delays, [get_settings().autosave_interval_s])  # one save: it ended
    assert tab.state(WorkspaceState).status == "saved"
    # the ended loop holds no lease: the next edit starts a new one
    follow_up = await tab.send(WorkspaceState.set_field, **model_id_edit("a/c"))
    assert follow_up == WorkspaceState.autosave_loop


async def test_a_loop_with_nothing_to_save_writes_nothing(monkeypatch):
    tab = await open_tab(new_user())
    writes: list[str] = []
    with on_draft_write(lambda: writes.append("write")):
        await run_loop(tab, monkeypatch, Clock())
    assert writes == []
    assert tab.state(WorkspaceState).status == "saved"


async def test_an_edit_during_a_save_is_saved_by_the_next_round(monkeypatch):
    token = new_user()
    tab = await open_tab(token)
    await tab.send(WorkspaceState.set_field, **model_id_edit("a/b"))
    loop = asyncio.get_running_loop()
    typed: list[str] = []

    def type_while_saving() -> None:  # the user types while the first write is in flight
        if not typed:
            typed.append("size")
            edit = tab.send(WorkspaceState.set_field, step="model", field="size_gb", value="0.99")
            asyncio.run_coroutine_threadsafe(edit, loop).result(timeout=5)

    statuses: list[str] = []

    async def look() -> None:
        statuses.append(tab.state(WorkspaceState).status)

    clock = Clock(look, look)
    with on_draft_write(type_while_saving):
        await run_loop(tab, monkeypatch, clock)
    assert statuses == ["unsaved", "unsaved"]  # before the first save, and after it
    assert len(clock.delays) == 2
    assert tab.state(WorkspaceState).status == "saved"
    stored = stored_draft(token, tab.state(WorkspaceState).package_id)
    assert stored.revision == 2
    model = stored.content.forms["model"]
    assert (model["model_id"], model["size_gb"]) == ("a/b", "0.99")


async def test_a_reload_brings_back_the_edits_the_browser_kept():
    token = new_user()
    tab = await open_tab(token)
    await tab.send(WorkspaceState.set_field, **model_id_edit("a/b"))
    reloaded = Tab(token)  # the worker died before saving: a new state tree, same browser
    reloaded.state(WorkspaceState).edit_journal = tab.state(WorkspaceState).edit_journal
    follow_ups = await reloaded.send(PackagesState.open_initial)
    assert reloaded.state(WorkspaceState).forms["model"]["model_id"] == "a/b"
    assert reloaded.state(WorkspaceState).status == "unsaved"
    assert WorkspaceState.ensure_autosave in follow_ups


# --- another tab saved first --------------------------------------------------------------


async def two_tabs_on_one_draft() -> tuple:
    token = new_user()
    mine = await open_tab(token)
    theirs = await open_tab(token, mine.state(WorkspaceState).package_id)
    return token, mine, theirs


async def test_a_save_after_another_tab_saved_is_a_conflict_that_ends_the_loop(monkeypatch):
    token, mine, theirs = await two_tabs_on_one_draft()
    await theirs.send(WorkspaceState.set_field, **model_id_edit("theirs/model"))
    await theirs.send(WorkspaceState.save_now)
    await mine.send(WorkspaceState.set_field, **model_id_edit("my/model"))
    await run_loop(mine, monkeypatch, Clock())
    status = mine.state(WorkspaceState)
    assert status.status == "conflict"
    assert "saved elsewhere (revision 1)" in status.detail
    assert mine.state(WorkspaceState).forms["model"]["model_id"] == "my/model"  # kept on screen
    package_id = mine.state(WorkspaceState).package_id
    assert stored_draft(token, package_id).content.forms["model"]["model_id"] == "theirs/model"
    # while in conflict, edits start no loop and do not hide the conflict
    assert await mine.send(WorkspaceState.set_field, **model_id_edit("my/model2")) is None
    assert status.status == "conflict"


async def test_a_conflict_can_load_the_newer_draft():
    _token, mine, theirs = await two_tabs_on_one_draft()
    await theirs.send(WorkspaceState.set_field, **model_id_edit("theirs/model"))
    await theirs.send(WorkspaceState.save_now)
    await mine.send(WorkspaceState.set_field, **model_id_edit("my/model"))
    await mine.send(WorkspaceState.save_now)
    assert mine.state(WorkspaceState).status == "conflict"
    await mine.send(WorkspaceState.reload_newer)
    assert mine.state(WorkspaceState).forms["model"]["model_id"] == "theirs/model"
    assert (mine.state(WorkspaceState).status, mine.state(WorkspaceState).revision) == ("saved", 1)


async def test_a_conflict_can_keep_mine_as_a_new_package():
    token, mine, theirs = await two_tabs_on_one_draft()
    original = mine.state(WorkspaceState).package_id
    await theirs.send(WorkspaceState.set_field, **model_id_edit("theirs/model"))
    await theirs.send(WorkspaceState.save_now)
    await mine.send(WorkspaceState.set_field, **model_id_edit("my/model"))
    await mine.send(WorkspaceState.save_now)
    await mine.send(WorkspaceState.keep_mine_as_new)
    drafts = mine.state(WorkspaceState)
    assert drafts.package_id != original
    assert drafts.package_name.endswith(" (my copy)")
    assert mine.state(WorkspaceState).status == "saved"
    copy = stored_draft(token, drafts.package_id)
    assert copy.content.forms["model"]["model_id"] == "my/model"
    assert stored_draft(token, original).content.forms["model"]["model_id"] == "theirs/model"


# --- the database does not answer ---------------------------------------------------------


async def test_a_failed_save_retries_with_backoff_until_it_goes_through(monkeypatch):
    token = new_user()
    tab = await open_tab(token)
    await tab.send(WorkspaceState.set_field, **model_id_edit("a/b"))
    status = tab.state(WorkspaceState)
    seen: list[tuple[str, str]] = []

    async def look() -> None:
        seen.append((status.status, status.detail))

    clock = Clock(look, look, look)
    with on_draft_write(database_down(times=2)):
        await run_loop(tab, monkeypatch, clock)
    retrying = ("retrying", "The database did not answer (OperationalError); retrying.")
    assert seen == [("unsaved", ""), retrying, retrying]
    interval = get_settings().autosave_interval_s
    assert jittered(clock.delays, [interval, 1, 2])  # the interval, then backing off
    assert (status.status, status.detail) == ("saved", "")
    assert stored_draft(token, tab.state(WorkspaceState).package_id).revision == 1


async def test_a_failed_save_now_hands_over_to_the_loop():
    token = new_user()
    tab = await open_tab(token)
    await tab.send(WorkspaceState.set_field, **model_id_edit("a/b"))
    with on_draft_write(database_down(times=1)):
        follow_up = await tab.send(WorkspaceState.save_now)
    assert follow_up == WorkspaceState.ensure_autosave
    assert tab.state(WorkspaceState).status == "retrying"
    assert tab.state(WorkspaceState).forms["model"]["model_id"] == "a/b"
    assert stored_draft(token, tab.state(WorkspaceState).package_id).revision == 0
    assert await tab.send(WorkspaceState.save_now) is None
    assert tab.state(WorkspaceState).status == "saved"


async def test_a_loop_cancelled_with_its_page_load_frees_its_lease(monkeypatch):
    """Reflex cancels what a page load started (the loop included) when that page disconnects
    or reconnects; the next ask must start a new loop, not wait on the dead one's lease."""
    tab = await open_tab(new_user())
    await tab.send(WorkspaceState.set_field, **model_id_edit("kept/edit"))
    started = asyncio.Event()

    async def long_sleep(_seconds):
        started.set()
        await asyncio.Event().wait()  # until cancelled

    monkeypatch.setattr(asyncio, "sleep", long_sleep)
    loop = asyncio.create_task(tab.send(WorkspaceState.autosave_loop))
    await started.wait()
    workspace = tab.state(WorkspaceState)
    assert workspace._loop_runs()
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert not workspace._loop_runs()
    workspace._loop_asked_by, workspace._loop_asked_at = "", 0.0  # another connection asks
    assert await tab.send(WorkspaceState.ensure_autosave) == WorkspaceState.autosave_loop


async def test_a_lease_of_this_worker_without_a_live_loop_is_free():
    """The lease outlived its loop (cancelled before it could let go): only a live task counts."""
    import time

    from trainpkg_app.core.workers import this_worker

    tab = await open_tab(new_user())
    await tab.send(WorkspaceState.set_field, **model_id_edit("kept/edit"))
    workspace = tab.state(WorkspaceState)
    workspace._loop_beat, workspace._loop_worker = time.time(), this_worker()
    workspace._loop_asked_by, workspace._loop_asked_at = "", 0.0  # its start came back
    assert not workspace._loop_runs()
    assert await tab.send(WorkspaceState.ensure_autosave) == WorkspaceState.autosave_loop
