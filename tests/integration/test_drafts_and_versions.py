"""Drafts guarded by revision, numbered immutable versions, owner scoping: SQLite and PostgreSQL."""

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.db.drafts import load_draft, save_draft
from trainpkg_app.db.errors import DraftConflict, NameTaken, NotFound, VersionImmutable
from trainpkg_app.db.models import TrainingPackageVersion, User
from trainpkg_app.db.packages import create_package, delete_package, list_packages, rename_package
from trainpkg_app.db.versions import get_version, list_versions, publish_version, set_archived

SNAPSHOT = {
    "model": {"model_id": "o/m", "revision": "abc123"},
    "config": {"method": "lora", "learning_rate": 0.0002},
    "dataset": {"datasets": [{"dataset_id": "d/one"}], "train_split_percent": 90.0},
    "deploy": {"target": "local", "output_dir": "./out", "num_gpus": 1},
}


def make_user(session: Session, email: str | None = None) -> uuid.UUID:
    user = User(email=email or f"{uuid.uuid4().hex}@example.com", password_hash="x")
    session.add(user)
    session.flush()
    return user.id


@pytest.fixture
def owner_and_package(migrated):
    with Session(migrated) as session:
        owner = make_user(session)
        package = create_package(session, owner_id=owner, name="support-bot")
        session.commit()
        return owner, package.id


def publish(engine, owner, package_id, summary="") -> TrainingPackageVersion:
    with Session(engine, expire_on_commit=False) as session:
        version = publish_version(
            session,
            owner_id=owner,
            package_id=package_id,
            snapshot=SNAPSHOT,
            change_summary=summary,
            parent_version_id=None,
        )
        session.commit()
        return version


# --- packages -------------------------------------------------------------------


def test_new_packages_get_free_names_and_are_listed_newest_first(migrated):
    with Session(migrated) as session:
        owner = make_user(session)
        names = [create_package(session, owner_id=owner).name for _ in range(3)]
        assert names == ["Untitled package", "Untitled package 2", "Untitled package 3"]
        session.commit()
        assert {p.name for p in list_packages(session, owner_id=owner)} == set(names)


def test_rename_refuses_a_name_in_use(migrated, owner_and_package):
    owner, package_id = owner_and_package
    with Session(migrated) as session:
        create_package(session, owner_id=owner, name="other")
        with pytest.raises(NameTaken, match="already have a package named 'other'"):
            rename_package(session, owner_id=owner, package_id=package_id, name="other")
        assert (
            rename_package(session, owner_id=owner, package_id=package_id, name="new").name == "new"
        )


def test_other_owners_packages_look_absent(migrated, owner_and_package):
    _owner, package_id = owner_and_package
    with Session(migrated) as session:
        stranger = make_user(session)
        with pytest.raises(NotFound):
            load_draft(session, owner_id=stranger, package_id=package_id)
        with pytest.raises(NotFound):
            delete_package(session, owner_id=stranger, package_id=package_id)
        assert list_packages(session, owner_id=stranger) == []


# --- drafts ---------------------------------------------------------------------


def test_save_increments_the_revision_and_round_trips(migrated, owner_and_package):
    owner, package_id = owner_and_package
    content = DraftContent()
    content.forms["model"]["model_id"] = "o/m"
    content.datasets = [{"source": "hub", "dataset_id": "d/one"}]
    with Session(migrated) as session:
        assert (
            save_draft(
                session, owner_id=owner, package_id=package_id, expected_revision=0, content=content
            )
            == 1
        )
        session.commit()
    with Session(migrated) as session:
        stored = load_draft(session, owner_id=owner, package_id=package_id)
    assert stored.revision == 1
    assert stored.content == content


def test_a_revision_conflict_is_detected_and_overwrites_nothing(migrated, owner_and_package):
    owner, package_id = owner_and_package
    first, second = DraftContent(), DraftContent()
    first.forms["model"]["model_id"] = "tab/one"
    second.forms["model"]["model_id"] = "tab/two"
    with Session(migrated) as session:
        save_draft(
            session, owner_id=owner, package_id=package_id, expected_revision=0, content=first
        )
        session.commit()
    with Session(migrated) as session:
        with pytest.raises(DraftConflict) as conflict:
            save_draft(
                session, owner_id=owner, package_id=package_id, expected_revision=0, content=second
            )
        assert conflict.value.current_revision == 1
        session.rollback()
        assert (
            load_draft(session, owner_id=owner, package_id=package_id).content.forms["model"][
                "model_id"
            ]
            == "tab/one"
        )


def test_a_saved_draft_reads_back_with_the_fingerprint_it_was_saved_with(
    migrated, owner_and_package
):
    """The auto-save compares fingerprints: a reloaded draft must not look changed."""
    owner, package_id = owner_and_package
    content = DraftContent()
    content.forms["config"]["method"] = "lora"
    content.forms["config"]["learning_rate"] = "0.0002"
    content.datasets = [{"source": "hub", "dataset_id": "d/one", "split": "train"}]
    content.workflow["current_step"] = "dataset"
    with Session(migrated) as session:
        save_draft(
            session, owner_id=owner, package_id=package_id, expected_revision=0, content=content
        )
        session.commit()
    with Session(migrated) as session:
        stored = load_draft(session, owner_id=owner, package_id=package_id)
    assert stored.content.fingerprint() == content.fingerprint()
    assert stored.content.fingerprint() != DraftContent().fingerprint()


# --- versions -------------------------------------------------------------------


def test_publish_numbers_and_names_versions(migrated, owner_and_package):
    owner, package_id = owner_and_package
    first = publish(migrated, owner, package_id, "first")
    second = publish(migrated, owner, package_id)
    assert (first.version_number, first.name, first.status) == (1, "support-bot-v1", "published")
    assert (second.version_number, second.name) == (2, "support-bot-v2")
    assert first.published_at is not None and first.created_by == owner
    assert first.config_snapshot == {"training": SNAPSHOT["config"], "deploy": SNAPSHOT["deploy"]}
    assert first.deployment_target == "local"


def test_version_numbers_are_unique_and_contiguous_under_concurrent_publishes(
    migrated, owner_and_package
):
    owner, package_id = owner_and_package
    errors: list[Exception] = []

    def publisher():
        try:
            for _ in range(4):
                publish(migrated, owner, package_id)
        except Exception as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=publisher) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(migrated) as session:
        numbers = sorted(session.exec(select(TrainingPackageVersion.version_number)).all())
    assert numbers == list(range(1, 25))


def test_the_app_refuses_to_change_a_published_version(migrated, owner_and_package):
    owner, package_id = owner_and_package
    version_id = publish(migrated, owner, package_id).id
    with Session(migrated) as session:
        version = get_version(session, owner_id=owner, version_id=version_id)
        version.change_summary = "rewritten history"
        with pytest.raises(VersionImmutable, match="never changes \\(change_summary\\)"):
            session.flush()


@pytest.mark.parametrize(
    "assignment",
    [
        "change_summary = 'rewritten'",
        "version_number = 99",
        "status = 'draft'",
    ],
)
def test_the_database_refuses_updates_to_a_published_row(migrated, owner_and_package, assignment):
    owner, package_id = owner_and_package
    version_id = publish(migrated, owner, package_id).id
    with migrated.connect() as connection, pytest.raises(sa.exc.IntegrityError, match="immutable"):
        connection.execute(
            sa.text(f"UPDATE training_package_versions SET {assignment} WHERE id = :id"),
            {"id": version_id.hex if migrated.dialect.name == "sqlite" else version_id},
        )


def test_clearing_a_reference_is_allowed_for_on_delete_set_null(migrated, owner_and_package):
    owner, package_id = owner_and_package
    version_id = publish(migrated, owner, package_id).id
    table = TrainingPackageVersion.__table__
    with migrated.begin() as connection:
        connection.execute(table.update().where(table.c.id == version_id).values(created_by=None))
        assert (
            connection.execute(
                sa.select(table.c.created_by).where(table.c.id == version_id)
            ).scalar_one()
            is None
        )


def test_snapshot_json_cannot_be_edited_in_the_database(migrated, owner_and_package):
    owner, package_id = owner_and_package
    version_id = publish(migrated, owner, package_id).id
    table = TrainingPackageVersion.__table__
    with migrated.connect() as connection, pytest.raises(sa.exc.IntegrityError, match="immutable"):
        connection.execute(
            table.update()
            .where(table.c.id == version_id)
            .values(model_snapshot={"model_id": "x/y"})
        )


def test_archiving_and_deployment_records_are_allowed(migrated, owner_and_package):
    owner, package_id = owner_and_package
    version_id = publish(migrated, owner, package_id).id
    table = TrainingPackageVersion.__table__
    with migrated.begin() as connection:
        connection.execute(
            table.update()
            .where(table.c.id == version_id)
            .values(
                training_status="running",
                training_metrics={"loss": [1.0]},
                deployment_url="http://x",
            )
        )
    with Session(migrated) as session:
        set_archived(session, owner_id=owner, version_id=version_id, archived=True)
        session.commit()
        assert get_version(session, owner_id=owner, version_id=version_id).status == "archived"


def test_deleting_a_package_deletes_its_history(migrated, owner_and_package):
    owner, package_id = owner_and_package
    publish(migrated, owner, package_id)
    with Session(migrated) as session:
        delete_package(session, owner_id=owner, package_id=package_id)
        session.commit()
        assert session.exec(select(TrainingPackageVersion)).all() == []


def test_history_pages_newest_first_and_filters_archived(migrated, owner_and_package):
    owner, package_id = owner_and_package
    ids = [publish(migrated, owner, package_id).id for _ in range(5)]
    with Session(migrated) as session:
        set_archived(session, owner_id=owner, version_id=ids[4], archived=True)
        session.commit()
        page, total = list_versions(session, owner_id=owner, package_id=package_id, limit=2)
        assert ([v.version_number for v in page], total) == ([4, 3], 4)
        page, total = list_versions(
            session, owner_id=owner, package_id=package_id, offset=2, limit=2
        )
        assert [v.version_number for v in page] == [2, 1]
        page, total = list_versions(
            session, owner_id=owner, package_id=package_id, limit=2, include_archived=True
        )
        assert ([v.version_number for v in page], total) == ([5, 4], 5)
        stranger = make_user(session)
        assert list_versions(session, owner_id=stranger, package_id=package_id) == ([], 0)
