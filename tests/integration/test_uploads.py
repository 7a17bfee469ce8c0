"""Uploaded files: a per-user quota, a full disk, and deletion with their package. Each failure
names its cause and leaves no file behind."""

import errno
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from trainpkg_app.core.dataset_files import DatasetFileError
from trainpkg_app.db.models import TrainingPackageVersion
from trainpkg_app.db.packages import delete_package
from trainpkg_app.db.uploads import store_package_upload


@pytest.fixture
def package(migrated, tmp_path, monkeypatch):
    from trainpkg_app.settings import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path / "data")
    monkeypatch.setattr(get_settings(), "upload_quota_mb", 0.0025)  # 2,500 bytes
    owner, version = publish_for_new_user(
        migrated, published_snapshot(write_rows(tmp_path / "qa.jsonl")), store=False
    )
    with Session(migrated) as session:
        return owner, session.get(TrainingPackageVersion, version).package_id


def _store(engine, owner, package_id, size: int) -> Path:
    with Session(engine) as session:
        return store_package_upload(
            session, owner_id=owner, package_id=package_id, filename="d.jsonl", data=b"x" * size
        )


def _files(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "data" / "uploads").rglob("*") if p.is_file())


def test_the_quota_refuses_an_upload_that_would_pass_it(migrated, package, tmp_path):
    owner, package_id = package
    kept = _store(migrated, owner, package_id, 2000)
    with pytest.raises(DatasetFileError, match=r"of your 0\.0025 MB quota\. Delete packages"):
        _store(migrated, owner, package_id, 1000)
    assert _files(tmp_path) == [kept.name]


def test_a_full_disk_leaves_no_half_written_file(migrated, package, tmp_path, monkeypatch):
    owner, package_id = package

    def full_disk(path: Path, data: bytes):
        with path.open("wb") as handle:
            handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(DatasetFileError, match=r"No space left on device\); nothing was kept"):
        _store(migrated, owner, package_id, 100)
    assert _files(tmp_path) == []


def test_deleting_a_package_frees_its_files(migrated, package, tmp_path):
    owner, package_id = package
    _store(migrated, owner, package_id, 2000)
    with Session(migrated) as session:
        delete_package(session, owner_id=owner, package_id=package_id)
        session.commit()
    assert _files(tmp_path) == []


def test_parallel_uploads_cannot_pass_the_quota_together(migrated, package, tmp_path):
    """Eight uploads of 1,000 bytes at once against 2,500 bytes of room: the quota is reserved
    under a per-user lock, so exactly two are kept and the others are refused."""
    owner, package_id = package
    start = threading.Barrier(8)

    def upload(_index: int) -> str:
        start.wait()
        with Session(migrated) as session:
            try:
                store_package_upload(
                    session,
                    owner_id=owner,
                    package_id=package_id,
                    filename="d.jsonl",
                    data=b"x" * 1000,
                )
            except DatasetFileError:
                return "refused"
            session.commit()
            return "kept"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(upload, range(8)))
    assert sorted(outcomes) == ["kept"] * 2 + ["refused"] * 6
    assert len(_files(tmp_path)) == 2
