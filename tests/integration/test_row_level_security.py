"""PostgreSQL row-level security: even raw SQL on the app's connection cannot cross users.

The local server's ``postgres`` role is a superuser, and superusers bypass RLS, so these tests
connect as an ordinary role, the way the app must run in production (README)."""

import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

from tests.integration.conftest import POSTGRES_URL_VARIABLE, _fresh_postgres_database
from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from trainpkg_app.db.engine import scope_to_user, session_scope
from trainpkg_app.db.models import Deployment, HubToken, TrainingPackageVersion

APP_ROLE = "trainpkg_app_rls_test"
TABLES = ["training_packages", "training_package_versions", "deployments", "hub_tokens"]


@pytest.fixture
def postgres_url():
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not admin_url:
        pytest.skip(f"set {POSTGRES_URL_VARIABLE} to run the PostgreSQL tests")
    yield from _fresh_postgres_database(admin_url)


@pytest.fixture
def seeded(postgres_url, tmp_path):
    """Users A and B, each with a published version, A with a run and a stored token; and an
    engine that connects as an ordinary role (no superuser, no BYPASSRLS)."""
    from trainpkg_app.db.engine import create_db_engine
    from trainpkg_app.db.migrations import upgrade

    upgrade(postgres_url)
    owner = create_db_engine(postgres_url)
    with owner.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
        ).first()
        if not exists:
            connection.execute(sa.text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
        connection.execute(
            sa.text(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
            )
        )
        connection.commit()
    users = {}
    for name in ("a", "b"):
        snapshot = published_snapshot(write_rows(tmp_path / f"{name}.jsonl"))
        users[name] = publish_for_new_user(owner, snapshot, name=f"{name}-pkg")
    with Session(owner) as session:
        session.add(Deployment(version_id=users["a"][1], target="local", status="completed"))
        session.add(HubToken(user_id=users["a"][0], token_encrypted="secret"))
        session.commit()
    app_url = make_url(postgres_url).set(username=APP_ROLE, password=None)
    app = create_db_engine(app_url.render_as_string(hide_password=False))
    yield app, users
    app.dispose()
    owner.dispose()


def _counts(connection) -> dict[str, int]:
    return {
        table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in TABLES
    }


def _as(connection, user_id=None, system="off") -> None:
    connection.execute(
        sa.text("SELECT set_config('app.user_id', :u, true), set_config('app.system', :s, true)"),
        {"u": str(user_id or ""), "s": system},
    )


def test_without_the_setting_the_role_sees_nothing(seeded):
    app, _users = seeded
    with app.connect() as connection:
        assert _counts(connection) == dict.fromkeys(TABLES, 0)


def test_b_cannot_read_change_or_delete_as_rows_even_with_raw_sql(seeded):
    app, users = seeded
    (a_user, a_version), (b_user, _b_version) = users["a"], users["b"]
    with app.connect() as connection, connection.begin():
        _as(connection, b_user)
        assert _counts(connection) == {
            "training_packages": 1,
            "training_package_versions": 1,
            "deployments": 0,
            "hub_tokens": 0,
        }
        by_id = sa.text("SELECT count(*) FROM training_package_versions WHERE id = :id")
        assert connection.execute(by_id, {"id": a_version}).scalar_one() == 0
        renamed = connection.execute(
            sa.text("UPDATE training_packages SET name = 'stolen' WHERE owner_id = :a"),
            {"a": a_user},
        )
        assert renamed.rowcount == 0
        deleted = connection.execute(sa.text("DELETE FROM deployments"))
        assert deleted.rowcount == 0
        gone = connection.execute(
            sa.text("DELETE FROM hub_tokens WHERE user_id = :a"), {"a": a_user}
        )
        assert gone.rowcount == 0
    with app.connect() as connection, connection.begin():
        _as(connection, b_user)
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            connection.execute(
                sa.text(
                    "INSERT INTO training_packages (id, owner_id, name) VALUES (:id, :a, 'planted')"
                ),
                {"id": uuid.uuid4(), "a": a_user},
            )
    with app.connect() as connection, connection.begin():
        _as(connection, a_user)
        assert _counts(connection) == dict.fromkeys(TABLES, 1)  # A's rows are all still there


def test_the_app_scopes_its_transactions(seeded):
    """An unfiltered query (a would-be bug in the data layer) still sees only the user's rows."""
    app, users = seeded
    with session_scope(app) as session:
        scope_to_user(session, users["b"][0])
        names = session.exec(sa.select(TrainingPackageVersion.name)).scalars().all()
    assert names == ["b-pkg-v1"]
    with session_scope(app, system=True) as session:  # the run monitor follows everyone's runs
        assert len(session.exec(sa.select(Deployment.id)).all()) == 1


def test_a_whole_flow_works_under_the_ordinary_role(seeded, tmp_path):
    """Create, save, publish, list and store a token as the app does, under RLS."""
    from trainpkg_app.db.drafts import create_with_draft, save_draft
    from trainpkg_app.db.hub_tokens import read_token, save_token
    from trainpkg_app.db.versions import list_versions, publish_version

    app, users = seeded
    user = users["b"][0]
    with session_scope(app) as session:
        scope_to_user(session, user)
        stored = create_with_draft(session, owner_id=user, name="under rls")
        package_id = uuid.UUID(stored.package_id)
        save_draft(
            session,
            owner_id=user,
            package_id=package_id,
            expected_revision=0,
            content=stored.content,
        )
        publish_version(
            session,
            owner_id=user,
            package_id=package_id,
            snapshot=published_snapshot(write_rows(tmp_path / "c.jsonl")),
            change_summary="",
            parent_version_id=None,
        )
        save_token(session, owner_id=user, token="hf_abc", hub_username="b")
    with session_scope(app) as session:
        scope_to_user(session, user)
        assert list_versions(session, owner_id=user, package_id=package_id)[1] == 1
        assert read_token(session, owner_id=user) is not None
