"""Each user sees only their own rows: every data-layer call with another user's id answers
"not found", exactly as for an id that does not exist (SQLite and PostgreSQL)."""

import uuid

import pytest
from sqlmodel import Session

from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.db import drafts, packages, publishing, uploads, versions
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.deploy import records, service


@pytest.fixture
def two_users(migrated, tmp_path, monkeypatch):
    """A with a published version and a finished run; B with a package of their own."""
    from trainpkg_app.settings import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path / "data")
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"))
    _owner_a, version_a = publish_for_new_user(migrated, snapshot)
    owner_b, _ = publish_for_new_user(
        migrated, published_snapshot(write_rows(tmp_path / "qb.jsonl")), name="b-pkg"
    )
    with Session(migrated) as session:
        package_a = session.get(TrainingPackageVersion, version_a).package_id
        run = Deployment(version_id=version_a, target="local", status="completed")
        session.add(run)
        session.commit()
        return {
            "b": owner_b,
            "package": package_a,
            "version": version_a,
            "run": run.id,
            "snapshot": snapshot,
        }


CALLS = {
    "get package": lambda s, b, a: packages.get_package(s, owner_id=b, package_id=a["package"]),
    "rename package": lambda s, b, a: packages.rename_package(
        s, owner_id=b, package_id=a["package"], name="mine now"
    ),
    "delete package": lambda s, b, a: packages.delete_package(
        s, owner_id=b, package_id=a["package"]
    ),
    "load draft": lambda s, b, a: drafts.load_draft(s, owner_id=b, package_id=a["package"]),
    "save draft": lambda s, b, a: drafts.save_draft(
        s, owner_id=b, package_id=a["package"], expected_revision=0, content=DraftContent()
    ),
    "publish": lambda s, b, a: publishing.publish_draft(
        s,
        owner_id=b,
        package_id=a["package"],
        expected_revision=0,
        content=DraftContent(),
        snapshot=a["snapshot"],
        change_summary="",
        parent_version_id=None,
    ),
    "restore": lambda s, b, a: publishing.restore_into_draft(
        s, owner_id=b, package_id=a["package"], version_id=a["version"], expected_revision=0
    ),
    "get version": lambda s, b, a: versions.get_version(s, owner_id=b, version_id=a["version"]),
    "archive version": lambda s, b, a: versions.set_archived(
        s, owner_id=b, version_id=a["version"], archived=True
    ),
    "deploy version": lambda s, b, a: service.start(
        s, owner_id=b, version_id=a["version"], runs_dir=uuid.uuid4().hex
    ),
    "read run": lambda s, b, a: records.owned(s, b, a["run"]),
    "cancel run": lambda s, b, a: service.cancel(s, owner_id=b, deployment_id=a["run"]),
    "store upload": lambda s, b, a: uploads.store_package_upload(
        s, owner_id=b, package_id=a["package"], filename="x.jsonl", data=b"{}"
    ),
}


@pytest.mark.parametrize("call", CALLS)
def test_another_users_id_is_not_found(migrated, two_users, call):
    with Session(migrated) as session:
        with pytest.raises(NotFound) as theirs:
            CALLS[call](session, two_users["b"], two_users)
        session.rollback()
        missing = {
            **two_users,
            "package": uuid.uuid4(),
            "version": uuid.uuid4(),
            "run": uuid.uuid4(),
        }
        with pytest.raises(NotFound) as nobodys:
            CALLS[call](session, two_users["b"], missing)
    assert str(theirs.value) == str(nobodys.value)  # the same answer: nothing leaks


def test_lists_hold_only_the_users_own_rows(migrated, two_users, tmp_path):
    with Session(migrated) as session:
        b = two_users["b"]
        assert [p.name for p in packages.list_packages(session, owner_id=b)] == ["b-pkg"]
        assert versions.list_versions(session, owner_id=b, package_id=two_users["package"]) == (
            [],
            0,
        )
        assert service.list_runs(session, owner_id=b) == []
        assert service.latest_run(session, owner_id=b, package_id=two_users["package"]) is None
    refused = tmp_path / "data" / "uploads" / str(two_users["b"]) / str(two_users["package"])
    assert not refused.exists()  # the refused upload into A's package wrote nothing
