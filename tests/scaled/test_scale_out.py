"""The app with Redis, several workers and PostgreSQL: edits and runs survive worker deaths,
database outages and restarts, and each run has exactly one monitor."""

import json
import re
import signal
import time
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browserkit.app import socket_connects, wait_for_reconnect
from tests.e2e.wizard_steps import open_new_package
from tests.scaled.conftest import WORKERS, ScaledApp


def _indicator(page: Page):
    return page.locator("#save-indicator")


def _wait_for_journal(page: Page, text: str) -> None:
    """Until the server has the edit: the browser's unsaved-edits journal holds it."""
    page.wait_for_function(
        f"(localStorage.getItem('trainpkg_unsaved_edits') || '').includes({text!r})"
    )


def _draft_model(scaled: ScaledApp, package_name: str) -> dict:
    with scaled.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT draft_model FROM training_packages WHERE name = :name"),
            {"name": package_name},
        ).scalar_one()
    return row if isinstance(row, dict) else json.loads(row)


def _wait_for_draft(page: Page, scaled: ScaledApp, name: str, field: str, value: str) -> None:
    deadline = time.monotonic() + 60
    while _draft_model(scaled, name).get(field) != value:
        shown = _indicator(page).inner_text()  # the tab's account of it, should this fail
        assert time.monotonic() < deadline, f"{field}={value!r} not saved in 60 s: {shown!r}"
        time.sleep(0.5)


def test_the_app_runs_several_workers(scaled: ScaledApp):
    assert len(scaled.workers()) == WORKERS


def test_killed_workers_are_replaced_and_the_session_goes_on(page: Page, scaled: ScaledApp):
    """Every worker dies mid-session: the supervisor starts new ones, the tab reconnects still
    signed in, the saved draft is intact and new edits save."""
    name = open_new_package(page)
    page.get_by_label("Model id").fill("kept/model")
    page.get_by_label("Parameters").focus()
    expect(_indicator(page)).to_have_text(re.compile("^Saved at"), timeout=30_000)
    connects = socket_connects(page)
    assert connects >= 1
    assert scaled.kill_workers() == WORKERS
    deadline = time.monotonic() + 60
    while len(scaled.workers()) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(scaled.workers()) == WORKERS  # the supervisor replaced them
    # A new worker may need a while to start under load: the edit's 60 s count from here.
    wait_for_reconnect(page, connects)
    expect(page.get_by_label("Model id")).to_have_value("kept/model")
    expect(page.get_by_label("Package name")).to_have_value(name)
    page.get_by_label("Size on disk (GB)").fill("2.5")
    page.get_by_label("Parameters").focus()
    _wait_for_draft(page, scaled, name, "size_gb", "2.5")  # "Saved at" may still be the old save's
    assert _draft_model(scaled, name)["model_id"] == "kept/model"
    expect(_indicator(page)).to_have_text(re.compile("^Saved at"))


def test_a_worker_killed_mid_edit_loses_no_edit(page: Page, scaled: ScaledApp):
    """Edits typed since the last auto-save, when every worker dies: the reconnecting tab gets
    them back from the browser's journal (a new worker cannot read the dead one's memory),
    shows them as unsaved, and saves them."""
    name = open_new_package(page)
    page.get_by_label("Model id").fill("saved/first")
    page.get_by_label("Parameters").focus()
    expect(_indicator(page)).to_have_text(re.compile("^Saved at"), timeout=30_000)
    page.get_by_label("Model id").fill("typed/before-the-crash")
    page.get_by_label("Parameters").fill("7000000")
    page.get_by_label("Model id").focus()
    expect(_indicator(page)).to_have_text(re.compile("^Unsaved changes"))
    _wait_for_journal(page, "7000000")
    assert scaled.kill_workers() == WORKERS  # well inside the 10 s auto-save interval
    assert _draft_model(scaled, name)["model_id"] == "saved/first"  # not saved when killed
    expect(page.get_by_label("Model id")).to_have_value("typed/before-the-crash", timeout=60_000)
    expect(page.get_by_label("Parameters")).to_have_value("7000000")
    _wait_for_draft(page, scaled, name, "model_id", "typed/before-the-crash")
    assert _draft_model(scaled, name)["parameters"] == "7000000"
    expect(_indicator(page)).to_have_text(re.compile("^Saved"))


def test_a_database_outage_during_auto_save_loses_nothing(page: Page, scaled: ScaledApp):
    name = open_new_package(page)
    scaled.proxy.cut()
    try:
        page.get_by_label("Model id").fill("written/while-down")
        page.get_by_label("Parameters").focus()
        expect(_indicator(page)).to_have_text(
            re.compile("^Unsaved changes: retrying"), timeout=60_000
        )
        page.get_by_label("Parameters").fill("123")  # more edits while it is down
    finally:
        scaled.proxy.start()
    expect(_indicator(page)).to_have_text(re.compile("^Saved at"), timeout=90_000)
    stored = _draft_model(scaled, name)
    assert (stored["model_id"], stored["parameters"]) == ("written/while-down", "123")


def test_a_restart_of_the_whole_app_loses_no_edit(page: Page, scaled: ScaledApp):
    """The whole app is killed with an edit not yet saved, restarted, and the page reloaded
    (its old connection may reconnect first and be sent the auto-save's start, then vanish):
    the edit comes back and is saved."""
    name = open_new_package(page)
    page.get_by_label("Model id").fill("saved/before-restart")
    page.get_by_label("Parameters").focus()
    expect(_indicator(page)).to_have_text(re.compile("^Saved at"), timeout=30_000)
    page.get_by_label("Parameters").fill("8000000")
    page.get_by_label("Model id").focus()
    _wait_for_journal(page, "8000000")
    scaled.stop(signal.SIGKILL)
    scaled.start()
    page.reload()
    expect(page.get_by_label("Package name")).to_have_value(name)
    expect(page.get_by_label("Model id")).to_have_value("saved/before-restart")
    expect(page.get_by_label("Parameters")).to_have_value("8000000")
    _wait_for_draft(page, scaled, name, "parameters", "8000000")
    expect(_indicator(page)).to_have_text(re.compile("^Saved"))


def _publish_tiny_version(scaled: ScaledApp, user, folder, steps: int) -> str:
    """A published local version of the tiny model for the user; returns its package id."""
    from sqlmodel import Session

    from tests.trainkit.packages import published_snapshot, store_uploads, write_rows
    from tests.trainkit.tiny_model import build_tiny_model
    from trainpkg_app.db.packages import create_package
    from trainpkg_app.db.versions import publish_version

    model = build_tiny_model(folder / "models")
    snapshot = published_snapshot(write_rows(folder / "qa.jsonl"), steps, model_folder=model)
    with Session(scaled.engine) as session:
        package = create_package(session, owner_id=user, name=f"tiny {folder.name}")
        uploads = Path(scaled.env["TRAINPKG_DATA_DIR"]) / "uploads" / str(user) / str(package.id)
        store_uploads(snapshot, uploads)  # where the app keeps what the user uploaded
        publish_version(
            session,
            owner_id=user,
            package_id=package.id,
            snapshot=snapshot,
            change_summary="",
            parent_version_id=None,
        )
        session.commit()
        return str(package.id)


def test_a_run_has_one_monitor_and_survives_an_app_crash(
    page: Page, scaled: ScaledApp, user, tmp_path
):
    steps = 300
    package_id = _publish_tiny_version(scaled, user, tmp_path, steps)
    page.goto(f"/training?package={package_id}")
    page.get_by_role("button", name="Deploy v1").click()
    expect(page.locator("#sidebar-run-step")).to_contain_text(
        re.compile(rf"step [1-9]\d* of {steps}"), timeout=120_000
    )
    scaled.stop(signal.SIGKILL)  # the runner has its own session: it trains on
    scaled.start()
    page.reload()
    expect(page.locator("#sidebar-run-status")).to_have_text("completed", timeout=240_000)
    with scaled.engine.connect() as connection:
        status, metrics, owner = connection.execute(
            sa.text("SELECT status, metrics, lease_owner FROM deployments")
        ).one()
    metrics = metrics if isinstance(metrics, list) else json.loads(metrics)
    logged = [m["step"] for m in metrics if "loss" in m]
    assert status == "completed"
    # The lease names the worker that monitors the run, not the process that forked them all.
    assert int(owner.rpartition(":")[2]) in {worker.pid for worker in scaled.workers()}
    assert logged == sorted(set(logged)), "two monitors appended the same records"
    assert logged[-1] == steps
