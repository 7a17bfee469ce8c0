"""Engines and sessions for the configured database (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import orjson
import sqlalchemy as sa
from sqlmodel import Session

from trainpkg_app.settings import get_settings


def _enable_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _json_loads(text: str | bytes | memoryview):
    """orjson's parse of a JSON column (a 10,000-step run's metrics in a fifth of json's time),
    json's for what only json reads (a NaN that an older row may hold)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(bytes(text) if isinstance(text, memoryview) else text)


def create_db_engine(url: str) -> sa.Engine:
    """An engine with foreign keys enforced on SQLite, liveness checks on pooled connections and
    a fast parse of JSON columns."""
    engine = sa.create_engine(url, pool_pre_ping=True, json_deserializer=_json_loads)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _enable_sqlite_pragmas)
    return engine


@lru_cache(maxsize=1)
def get_engine() -> sa.Engine:
    """The engine of the configured database (created once)."""
    settings = get_settings()
    if not settings.database_url:
        settings.ensure_data_dir()
    return create_db_engine(settings.resolved_database_url)


@contextmanager
def session_scope(engine: sa.Engine | None = None, *, system: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on error. ``system`` (the run monitor,
    the CLI) may see every owner's rows under PostgreSQL's row-level security."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            if system:
                _set_row_scope(session, "", system=True)
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def scope_to_user(session: Session, user_id: uuid.UUID) -> None:
    """Row-level security: this transaction sees only the user's rows (PostgreSQL)."""
    _set_row_scope(session, str(user_id), system=False)


def _set_row_scope(session: Session, user_id: str, *, system: bool) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the owner checks of the data layer are the guard
    session.execute(
        sa.text(
            "SELECT set_config('app.user_id', :user_id, true), "
            "set_config('app.system', :system, true)"
        ),
        {"user_id": user_id, "system": "on" if system else "off"},
    )
