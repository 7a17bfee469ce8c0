"""Scale-out mode: the app with PostgreSQL (through a proxy the tests can cut), Redis as
Reflex's state manager, and several workers. Needs TRAINPKG_TEST_POSTGRES_URL and
TRAINPKG_TEST_REDIS_URL (CI sets both); set but unreachable fails, unset skips."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.engine import make_url

from tests.browserkit.app import (
    CHROMIUM_ARGS,
    COUNT_SOCKET_CONNECTS,
    app_environment,
    free_port,
    new_account,
    signed_in_state,
    start_app,
    stop_app,
)
from tests.browserkit.tcp_proxy import TcpProxy
from tests.integration.conftest import POSTGRES_URL_VARIABLE, _fresh_postgres_database

REDIS_URL_VARIABLE = "TRAINPKG_TEST_REDIS_URL"
WORKERS = 2


@dataclass
class ScaledApp:
    url: str
    env: dict[str, str]
    log: Path
    proxy: TcpProxy
    engine: sa.Engine  # straight to PostgreSQL, to check what the app wrote
    process: object = None

    def start(self) -> None:
        self.process = start_app(self.env, self.log, migrate=False)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop_app(self.process, sig)

    def workers(self) -> list[psutil.Process]:
        """The worker processes serving requests (not training runs, which outlive them)."""
        found = []
        for process in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if process.status() == psutil.STATUS_ZOMBIE or process.children():
                    continue
                if "train.py" not in " ".join(process.cmdline()):
                    found.append(process)
            except psutil.Error:  # it ended meanwhile
                continue
        return found

    def kill_workers(self) -> int:
        doomed = self.workers()
        for worker in doomed:
            worker.send_signal(signal.SIGKILL)
        return len(doomed)


def _required(variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"set {variable} to run the scale-out tests")
    return value


def pytest_configure(config):
    config.addinivalue_line("markers", "empty_server: needs a server no account was made on yet")


def pytest_collection_modifyitems(items):
    """Tests that need an empty server run first, whatever the file order or selection."""
    items.sort(key=lambda item: item.get_closest_marker("empty_server") is None)


@pytest.fixture(scope="session")
def scaled(tmp_path_factory) -> Iterator[ScaledApp]:
    import redis

    admin_url, redis_url = _required(POSTGRES_URL_VARIABLE), _required(REDIS_URL_VARIABLE)
    redis.Redis.from_url(redis_url).flushdb()  # a database index of its own (see .ci/run)
    for database_url in _fresh_postgres_database(admin_url):
        url = make_url(database_url)
        proxy = TcpProxy((url.host, url.port or 5432)).start()
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        data_dir = tmp_path_factory.mktemp("scaled")
        port = free_port()
        env = app_environment(
            data_dir,
            port,
            TRAINPKG_DATABASE_URL=proxied,
            REFLEX_REDIS_URL=redis_url,
            GRANIAN_WORKERS=str(WORKERS),
            REFLEX_OPLOCK_ENABLED="true",  # as make run-scaled
            TRAINPKG_AUTOSAVE_INTERVAL_S="10",  # room to kill workers before the next save
            HF_HUB_OFFLINE="1",  # runs train a local tiny model
            HF_DATASETS_OFFLINE="1",
            TOKENIZERS_PARALLELISM="false",
        )
        engine = sa.create_engine(database_url)
        app = ScaledApp(f"http://127.0.0.1:{port}", env, data_dir / "app.log", proxy, engine)
        from trainpkg_app.db.migrations import upgrade

        upgrade(database_url)
        app.start()
        try:
            yield app
        finally:
            app.stop()
            engine.dispose()
            proxy.cut()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("TRAINPKG_CHROMIUM") or None, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def user(scaled):
    return new_account(scaled.engine, "scaled@example.com", "correct horse battery staple")


@pytest.fixture
def page(browser, scaled, user):
    context = browser.new_context(
        base_url=scaled.url,
        viewport={"width": 1280, "height": 900},
        storage_state=signed_in_state(scaled.engine, scaled.url, user),
    )
    context.add_init_script(COUNT_SOCKET_CONNECTS)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
