"""Alembic environment: the schema from trainpkg_app.db.models, the URL from settings."""

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

from trainpkg_app.db import models  # noqa: F401  (registers the tables)
from trainpkg_app.settings import get_settings

target_metadata = SQLModel.metadata


def _database_url() -> str:
    # A URL handed in by code (tests) wins over settings.
    url = context.config.attributes.get("database_url")
    if url:
        return url
    settings = get_settings()
    if not settings.database_url:
        settings.ensure_data_dir()
    return settings.resolved_database_url


def _configure(**kwargs) -> None:
    url = kwargs.pop("url", None) or _database_url()
    context.configure(
        url=url if "connection" not in kwargs else None,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        render_as_batch=url.startswith("sqlite"),
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _database_url()
    # A plain engine: on SQLite, foreign keys stay off while batch mode rebuilds tables, so
    # dropping a parent table never cascades into its children.
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        _configure(url=url, connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
