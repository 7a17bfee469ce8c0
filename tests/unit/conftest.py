"""Unit-suite fixtures for the state tests (statekit.py): ``async def`` tests and a database."""

from __future__ import annotations

import asyncio
import inspect

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run an ``async def`` test in its own event loop (no asyncio plugin is installed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    wanted = inspect.signature(pyfuncitem.obj).parameters
    arguments = {name: value for name, value in pyfuncitem.funcargs.items() if name in wanted}
    asyncio.run(pyfuncitem.obj(**arguments))
    return True


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """The app's settings point at a fresh data folder whose SQLite file is migrated."""
    from trainpkg_app.db import engine as engine_module
    from trainpkg_app.db.migrations import upgrade
    from trainpkg_app.settings import get_settings

    monkeypatch.setenv("TRAINPKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TRAINPKG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    engine_module.get_engine.cache_clear()
    get_settings().ensure_data_dir()
    upgrade(get_settings().resolved_database_url)
    yield engine_module.get_engine()
    engine_module.get_engine().dispose()
    get_settings.cache_clear()
    engine_module.get_engine.cache_clear()
