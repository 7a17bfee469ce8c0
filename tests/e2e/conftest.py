"""Browser tests: the real app in production mode, driven by Playwright in Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.fakehub.fixtures import started_hub
from tests.fakehub.server import FakeHub

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to test-results/; TRAINPKG_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/.
SCREENSHOT_DIR = PROJECT_ROOT / (
    "docs/screenshots"
    if os.environ.get("TRAINPKG_UPDATE_SCREENSHOTS")
    else "test-results/screenshots"
)
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_S = 300
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_served(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"the app did not serve {url} within {START_TIMEOUT_S}s:\n{log.read_text()[-4000:]}"
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


@pytest.fixture(scope="session")
def app_url(data_dir, e2e_hub) -> Iterator[str]:
    """Migrate a fresh SQLite database and start `reflex run --env prod`, as `make run` does."""
    port = _free_port()
    env = os.environ | {
        "TRAINPKG_DATA_DIR": str(data_dir),
        "PORT": str(port),
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "TRAINPKG_AUTOSAVE_INTERVAL_S": str(AUTOSAVE_INTERVAL_S),
        "TRAINPKG_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB),
        "TRAINPKG_HUB_POLL_S": "0.5",
        "TRAINPKG_UPLOAD_QUOTA_MB": str(UPLOAD_QUOTA_MB),
        "HF_ENDPOINT": e2e_hub.endpoint,
        "HF_HUB_CACHE": str(data_dir / "hf-cache"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    for name in ("TRAINPKG_DATABASE_URL", "HF_TOKEN", "TRAINPKG_HF_TOKEN", "TRAINPKG_HF_ENDPOINT"):
        env.pop(name, None)
    subprocess.run([VENV_BIN / "alembic", "upgrade", "head"], cwd=PROJECT_ROOT, env=env, check=True)
    log = data_dir / "app.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [VENV_BIN / "reflex", "run", "--env", "prod", "--single-port"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_served(f"{base_url}/ping", process, log)
        _wait_until_served(f"{base_url}/training", process, log)
        yield base_url
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("TRAINPKG_CHROMIUM") or None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


OWNER_EMAIL, OWNER_PASSWORD = "owner@example.com", "correct horse battery staple"
SESSION_KEY = "trainpkg_session"  # AuthState.session_token's local-storage name


def new_account(app_db, email: str, password: str):
    """An account made the way the admin makes one; returns its id."""
    from sqlmodel import Session

    from trainpkg_app.db.accounts import create_account

    with Session(app_db) as session:
        user_id = create_account(session, email=email, password=password).id
        session.commit()
    return user_id


def signed_in_state(app_db, app_url: str, user_id) -> dict:
    """A browser storage state holding a fresh session of the user (as after signing in)."""
    from datetime import timedelta

    from sqlmodel import Session

    from trainpkg_app.db.accounts import start_session

    with Session(app_db) as session:
        token = start_session(session, user_id, timedelta(hours=1))
        session.commit()
    return {
        "cookies": [],
        "origins": [{"origin": app_url, "localStorage": [{"name": SESSION_KEY, "value": token}]}],
    }


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
