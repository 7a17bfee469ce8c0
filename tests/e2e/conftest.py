"""Browser tests: the real app in production mode, driven by Playwright in Chromium."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browserkit.app import (
    CHROMIUM_ARGS,
    PROJECT_ROOT,
    app_environment,
    free_port,
    new_account,
    signed_in_state,
    start_app,
    stop_app,
)
from tests.fakehub.fixtures import started_hub, viewer_environment
from tests.fakehub.server import FakeHub

# Screenshots go to test-results/; TRAINPKG_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/.
SCREENSHOT_DIR = PROJECT_ROOT / (
    "docs/screenshots"
    if os.environ.get("TRAINPKG_UPDATE_SCREENSHOTS")
    else "test-results/screenshots"
)
AUTOSAVE_INTERVAL_S = 1.0  # the real default (30 s) is checked by a unit test
MAX_UPLOAD_MB = 1.0  # small, so that a test can go over it
UPLOAD_QUOTA_MB = 1.5  # each user's uploads together: two near-limit files pass it


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def app_db(data_dir):
    """An engine on the app's SQLite database, to check what the app wrote."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{data_dir / 'trainpkg.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def e2e_hub() -> Iterator[FakeHub]:
    """The fake Hub the app talks to (HF_ENDPOINT), shared by the session's tests."""
    hub = started_hub()
    yield hub
    hub.stop()


@pytest.fixture(scope="session")
def tiny_model_folder(data_dir) -> Path:
    """A tiny GPT-2 on disk: chosen as a local model folder, it trains in seconds on the CPU."""
    from tests.trainkit.tiny_model import build_tiny_model

    return build_tiny_model(data_dir / "models")


@dataclass
class SessionApp:
    """The app every e2e test shares. A test that runs an app of its own stops this one first
    and starts it again after (two apps in one project would rebuild one .web/ under each
    other)."""

    url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = start_app(self.env, self.log, migrate=False)

    def stop(self) -> None:
        if self.process is not None:
            stop_app(self.process)
            self.process = None


@pytest.fixture(scope="session")
def session_app(data_dir, e2e_hub) -> Iterator[SessionApp]:
    """Migrate a fresh SQLite database and start `reflex run --env prod`, as `make run` does."""
    port = free_port()
    env = app_environment(
        data_dir,
        port,
        TRAINPKG_AUTOSAVE_INTERVAL_S=str(AUTOSAVE_INTERVAL_S),
        TRAINPKG_MAX_UPLOAD_MB=str(MAX_UPLOAD_MB),
        TRAINPKG_HUB_POLL_S="0.5",
        TRAINPKG_UPLOAD_QUOTA_MB=str(UPLOAD_QUOTA_MB),
        TRAINPKG_WEBHOOK_ALLOW_PRIVATE="true",  # the webhook test's receiver is on 127.0.0.1
        HF_ENDPOINT=e2e_hub.endpoint,
        HF_HUB_CACHE=str(data_dir / "hf-cache"),
        **viewer_environment(e2e_hub),
    )
    app = SessionApp(f"http://127.0.0.1:{port}", env, data_dir / "app.log")
    app.process = start_app(env, app.log)
    yield app
    app.stop()


@pytest.fixture(scope="session")
def app_url(session_app) -> str:
    return session_app.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("TRAINPKG_CHROMIUM") or None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


OWNER_EMAIL, OWNER_PASSWORD = "owner@example.com", "correct horse battery staple"


@pytest.fixture(scope="session")
def owner_id(app_db, app_url):
    """The first account (the admin): the user of every test that needs no other."""
    return new_account(app_db, OWNER_EMAIL, OWNER_PASSWORD)


def open_context(browser: Browser, app_url: str, storage_state: dict | None = None):
    context = browser.new_context(
        base_url=app_url,
        color_scheme="light",
        viewport={"width": 1280, "height": 900},
        storage_state=storage_state,
    )
    return context


@pytest.fixture
def page(browser: Browser, app_url: str, app_db, owner_id) -> Iterator[Page]:
    context = open_context(browser, app_url, signed_in_state(app_db, app_url, owner_id))
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    # A failed backend event shows this toast; no flow may end with one.
    expect(page.get_by_text("An error occurred")).to_have_count(0)
    context.close()


@pytest.fixture
def screenshot(page: Page):
    """Save a full-page screenshot under a name, to be looked at by a person."""

    def take(name: str, of: Page | None = None) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        (of or page).screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def signed_in_context(browser: Browser, app_url: str, app_db, owner_id):
    """Make browser contexts signed in as a user (default: the owner); closed at the end."""
    contexts = []

    def make(user_id=None):
        state = signed_in_state(app_db, app_url, user_id or owner_id)
        contexts.append(open_context(browser, app_url, state))
        return contexts[-1]

    yield make
    for context in contexts:
        context.close()
