"""The one migration builds the schema of models.py on SQLite and PostgreSQL, and undoes it."""

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel

from trainpkg_app.db.engine import create_db_engine
from trainpkg_app.db.migrations import downgrade, upgrade
from trainpkg_app.db.models import TrainingPackage, TrainingPackageVersion, User

TABLES = {"users", "training_packages", "training_package_versions"}


def _make_package(session: Session) -> TrainingPackage:
    user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
    session.add(user)
    session.flush()
    package = TrainingPackage(owner_id=user.id, name="my-package")
    session.add(package)
    session.commit()
    return package


def _version(package: TrainingPackage, **overrides) -> TrainingPackageVersion:
    fields = {"package_id": package.id, "version_number": 1, "name": "my-package-v1"}
    return TrainingPackageVersion(**(fields | overrides))


def test_upgrade_creates_every_table_and_downgrade_removes_them(database_url):
    upgrade(database_url)
    engine = create_db_engine(database_url)
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    downgrade(database_url)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_autogenerate_finds_no_difference_from_the_models(migrated):
    with migrated.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, SQLModel.metadata) == []


def test_json_snapshots_and_costs_round_trip(migrated):
    with Session(migrated) as session:
        package = _make_package(session)
        version = _version(
            package,
            model_snapshot={"model_id": "org/tiny", "revision": "abc123"},
            training_metrics={"loss": [2.5, 1.25]},
            estimated_cost=Decimal("1.2500"),
        )
        session.add(version)
        session.commit()
        session.expire_all()
        stored = session.get(TrainingPackageVersion, version.id)
        assert stored.model_snapshot == {"model_id": "org/tiny", "revision": "abc123"}
        assert stored.training_metrics == {"loss": [2.5, 1.25]}
        assert stored.estimated_cost == Decimal("1.2500")
        assert stored.status == "draft"
        assert stored.created_at is not None


@pytest.mark.parametrize(
    "bad_field",
    [
        {"status": "foo"},
        {"deployment_target": "aws"},
        {"training_status": "exploded"},
        {"version_number": 0},
        {"estimated_cost": Decimal("-1")},
        {"actual_cost": Decimal("-0.01")},
    ],
    ids=lambda field: next(iter(field)),
)
def test_check_constraints_reject_bad_values(migrated, bad_field):
    with Session(migrated) as session:
        package = _make_package(session)
        session.add(_version(package, **bad_field))
        with pytest.raises(sa.exc.IntegrityError, match=r"(?i)check"):
            session.commit()


def test_every_allowed_value_is_accepted(migrated):
    with Session(migrated) as session:
        package = _make_package(session)
        for number, target in enumerate(["local", "hf_space", "hf_job"], start=1):
            session.add(
                _version(
                    package,
                    version_number=number,
                    deployment_target=target,
                    status="published",
                    training_status="completed",
                )
            )
        session.commit()
        assert len(session.exec(sa.select(TrainingPackageVersion)).all()) == 3


def test_version_numbers_are_unique_per_package(migrated):
    with Session(migrated) as session:
        package = _make_package(session)
        session.add(_version(package))
        session.commit()
        session.add(_version(package, name="duplicate"))
        with pytest.raises(sa.exc.IntegrityError, match=r"(?i)unique|duplicate"):
            session.commit()


def test_package_names_are_unique_per_owner_only(migrated):
    with Session(migrated) as session:
        package = _make_package(session)
        other_user = User(email="other@example.com", password_hash="x")
        session.add(other_user)
        session.flush()
        session.add(TrainingPackage(owner_id=other_user.id, name=package.name))
        session.commit()
        session.add(TrainingPackage(owner_id=package.owner_id, name=package.name))
        with pytest.raises(sa.exc.IntegrityError, match=r"(?i)unique|duplicate"):
            session.commit()


def test_user_emails_are_unique(migrated):
    with Session(migrated) as session:
        session.add(User(email="same@example.com", password_hash="x"))
        session.commit()
        session.add(User(email="same@example.com", password_hash="y"))
        with pytest.raises(sa.exc.IntegrityError, match=r"(?i)unique|duplicate"):
            session.commit()


def test_versions_reference_an_existing_package(migrated):
    with Session(migrated) as session:
        session.add(TrainingPackageVersion(package_id=uuid.uuid4(), version_number=1, name="x"))
        with pytest.raises(sa.exc.IntegrityError, match=r"(?i)foreign key"):
            session.commit()


def test_indexes_for_the_app_queries_exist(migrated):
    inspector = sa.inspect(migrated)
    version_indexes = {i["name"] for i in inspector.get_indexes("training_package_versions")}
    package_indexes = {i["name"] for i in inspector.get_indexes("training_packages")}
    assert {
        "ix_training_package_versions_package_status",
        "ix_training_package_versions_package_training_status",
    } <= version_indexes
    assert "ix_training_packages_owner_id_updated_at" in package_indexes
