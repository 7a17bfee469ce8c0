"""Start and stop the real app (`reflex run --env prod --single-port`, as `make run` does), and
sign a browser in without the login form. Shared by the browser and the scaled-mode tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_S = 300
SESSION_KEY = "trainpkg_session"  # AuthState.session_token's local-storage name
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_served(url: str, process: subprocess.Popen, log: Path) -> None:
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


def app_environment(data_dir: Path, port: int, **settings: str) -> dict[str, str]:
    """The process environment: this one, without the Hub token or a database URL of its own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TRAINPKG_DATABASE_URL", "HF_TOKEN", "TRAINPKG_HF_TOKEN")
        and k not in ("TRAINPKG_HF_ENDPOINT", "REFLEX_REDIS_URL", "TRAINPKG_REDIS_URL")
    }
    return env | {
        "TRAINPKG_DATA_DIR": str(data_dir),
        "PORT": str(port),
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        **settings,
    }


def start_app(env: dict[str, str], log: Path, migrate: bool = True) -> subprocess.Popen:
    """Migrate (unless told not to) and start the app; returns once it serves /training."""
    if migrate:
        subprocess.run(
            [VENV_BIN / "alembic", "upgrade", "head"], cwd=PROJECT_ROOT, env=env, check=True
        )
    with log.open("a") as log_file:
        process = subprocess.Popen(
            [VENV_BIN / "reflex", "run", "--env", "prod", "--single-port"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_until_served(f"{base_url}/ping", process, log)
        wait_until_served(f"{base_url}/training", process, log)
    except BaseException:
        stop_app(process)
        raise
    return process


def stop_app(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop the app's whole process group (SIGKILL: a crash)."""
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def new_account(engine, email: str, password: str):
    """An account made the way the admin makes one; returns its id."""
    from sqlmodel import Session

    from trainpkg_app.db.accounts import create_account

    with Session(engine) as session:
        user_id = create_account(session, email=email, password=password).id
        session.commit()
    return user_id


def signed_in_state(engine, app_url: str, user_id) -> dict:
    """A browser storage state holding a fresh session of the user (as after signing in)."""
    from sqlmodel import Session

    from trainpkg_app.db.accounts import start_session

    with Session(engine) as session:
        token = start_session(session, user_id, timedelta(hours=1))
        session.commit()
    return {
        "cookies": [],
        "origins": [{"origin": app_url, "localStorage": [{"name": SESSION_KEY, "value": token}]}],
    }


# Reflex's front end calls this hook on every socket (re)connect (utils/state.js): a test can
# tell when a tab is connected again. Install it with context.add_init_script.
COUNT_SOCKET_CONNECTS = (
    "window.__reflex_otel = {onSocketConnect() {"
    " window.socketConnects = (window.socketConnects || 0) + 1; }};"
)


def socket_connects(page) -> int:
    return page.evaluate("window.socketConnects || 0")


def wait_for_reconnect(page, connects_before: int, timeout_ms: int = 90_000) -> None:
    """Until the tab's socket has connected again since ``connects_before``."""
    page.wait_for_function(f"(window.socketConnects || 0) > {connects_before}", timeout=timeout_ms)
