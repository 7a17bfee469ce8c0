"""The browser benches' set-up: the fake Hub, the app's production build on a fresh SQLite
database in a temporary folder, a new account and a headless Chromium page signed in as it;
all stopped again at the end."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench_kit import use_project_tools

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, sync_playwright

from tests.browserkit.app import (
    CHROMIUM_ARGS,
    app_environment,
    free_port,
    new_account,
    signed_in_state,
    start_app,
    stop_app,
)
from tests.fakehub.fixtures import started_hub


@contextmanager
def signed_in_page(setup=None) -> Iterator[Page]:
    """A signed-in page on the started app; ``setup(engine, user_id)`` fills the database
    first."""
    use_project_tools()
    hub = started_hub()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        port = free_port()
        env = app_environment(data_dir, port, HF_ENDPOINT=hub.endpoint)
        app = start_app(env, data_dir / "app.log")
        try:
            import sqlalchemy as sa

            engine = sa.create_engine(f"sqlite:///{data_dir / 'trainpkg.db'}")
            user = new_account(engine, "bench@example.com", "correct horse battery staple")
            if setup:
                setup(engine, user)
            url = f"http://127.0.0.1:{port}"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=os.environ.get("TRAINPKG_CHROMIUM") or None, args=CHROMIUM_ARGS
                )
                context = browser.new_context(
                    base_url=url, storage_state=signed_in_state(engine, url, user)
                )
                page = context.new_page()
                page.set_default_timeout(30_000)
                try:
                    yield page
                finally:
                    browser.close()
        finally:
            stop_app(app)
            hub.stop()
