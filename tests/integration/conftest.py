"""Database fixtures: every DB test runs on SQLite, and on PostgreSQL when
TRAINPKG_TEST_POSTGRES_URL is set. A set but unreachable URL fails the run, never skips it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "TRAINPKG_TEST_POSTGRES_URL"


def _fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """Create a throwaway database beside the one in the URL, and drop it afterwards."""
    name = f"trainpkg_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.fail(f"{POSTGRES_URL_VARIABLE}={admin_url} is set but unreachable: {error}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """An empty database, one per test: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not admin_url:
        pytest.skip(f"set {POSTGRES_URL_VARIABLE} to run the PostgreSQL tests")
    yield from _fresh_postgres_database(admin_url)


@pytest.fixture
def migrated(database_url):
    """An engine on a database migrated to head."""
    from trainpkg_app.db.engine import create_db_engine
    from trainpkg_app.db.migrations import upgrade

    upgrade(database_url)
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uid1000_root():
    """A scratch folder that uid 1000 may enter (pytest's own are 0700)."""
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="trainpkg-space-", dir="/tmp"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root)


def _processes_in(folder: Path) -> list[int]:
    """Processes (not this one) whose working directory is under ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:  # gone, or not ours to read
            continue
        if cwd == str(folder) or cwd.startswith(f"{folder}/"):
            found.append(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def no_run_outlives_its_test(tmp_path):
    """A test that fails mid-run would leave its train.py training (in its own process group)
    and slowing every later test: whatever still runs in the test's folders is ended."""
    import contextlib
    import signal

    yield
    for pid in _processes_in(tmp_path):
        with contextlib.suppress(OSError):  # its own group (a run's), never pytest's
            group = os.getpgid(pid)
            if group == os.getpgid(0):
                os.kill(pid, signal.SIGKILL)
            else:
                os.killpg(group, signal.SIGKILL)
