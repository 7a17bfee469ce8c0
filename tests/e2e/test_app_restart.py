"""The one-worker app (`make run`) keeps its sessions' states in memory: killed and started
again with an edit not yet saved, it gives the tab back its draft and the edit, and saves it."""

from __future__ import annotations

import json
import re
import signal

import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from tests.browserkit.app import (
    COUNT_SOCKET_CONNECTS,
    app_environment,
    free_port,
    new_account,
    signed_in_state,
    socket_connects,
    start_app,
    stop_app,
    wait_for_reconnect,
)
from tests.e2e.wizard_steps import open_new_package


def _stored_parameters(engine: sa.Engine, name: str) -> str | None:
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT draft_model FROM training_packages WHERE name = :name"),
            {"name": name},
        ).scalar_one()
    return (row if isinstance(row, dict) else json.loads(row)).get("parameters")


def test_a_killed_app_gives_the_tab_its_unsaved_edit_back(browser: Browser, session_app, tmp_path):
    session_app.stop()  # this test's own app (10 s auto-save) must not share .web/ with it
    try:
        _kill_and_restart_with_an_unsaved_edit(browser, tmp_path)
    finally:
        session_app.start()


def _kill_and_restart_with_an_unsaved_edit(browser: Browser, tmp_path) -> None:
    port = free_port()
    env = app_environment(tmp_path, port, TRAINPKG_AUTOSAVE_INTERVAL_S="10")
    log, url = tmp_path / "app.log", f"http://127.0.0.1:{port}"
    process = start_app(env, log)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'trainpkg.db'}")
    user = new_account(engine, "restart@example.com", "correct horse battery staple")
    context = browser.new_context(base_url=url, storage_state=signed_in_state(engine, url, user))
    context.add_init_script(COUNT_SOCKET_CONNECTS)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        name = open_new_package(page)
        page.get_by_label("Parameters").fill("9000000")
        page.get_by_label("Model id").focus()
        expect(page.locator("#save-indicator")).to_have_text(re.compile("^Unsaved changes"))
        page.wait_for_function(
            "(localStorage.getItem('trainpkg_unsaved_edits') || '').includes('9000000')"
        )
        stop_app(process, signal.SIGKILL)  # well inside the 10 s auto-save interval
        assert _stored_parameters(engine, name) in (None, "")
        connects = socket_connects(page)
        process = start_app(env, log, migrate=False)
        # The old page reconnects first and reopens the draft; then the user reloads (Reflex
        # cancels what the old page's load started, the auto-save loop included).
        wait_for_reconnect(page, connects, timeout_ms=60_000)
        expect(page.locator("#save-indicator")).to_have_text(re.compile("^Unsaved changes"))
        page.reload()
        expect(page.get_by_label("Package name")).to_have_value(name)
        expect(page.get_by_label("Parameters")).to_have_value("9000000")
        expect(page.locator("#save-indicator")).to_have_text(re.compile("^Saved"), timeout=60_000)
        assert _stored_parameters(engine, name) == "9000000"
    finally:
        context.close()
        stop_app(process)
        engine.dispose()
