"""Files by id: the package builder copies an uploaded dataset only when it resolves it by id
inside the owner's folder for that package. A forged or old reference to anything else (the
database, the key, another user's upload, a link) refuses the build and copies nothing; and
while it is refused, a writer holding the live SQLite database loses no write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.trainkit.packages import published_snapshot, write_rows
from trainpkg_app.core.dataset_files import DatasetFileError
from trainpkg_app.package.builder import build_package


@pytest.fixture
def layout(tmp_path):
    """A data folder as the app keeps it: the database, the key, two users' uploads."""
    data = tmp_path / "data"
    mine, theirs = data / "uploads" / "me" / "pkg", data / "uploads" / "them" / "pkg"
    for folder in (mine, theirs):
        folder.mkdir(parents=True)
    write_rows(mine / "mine.jsonl")
    (theirs / "theirs.jsonl").write_text('{"text": "not yours"}\n')
    (data / "secret.key").write_text("key")
    database = sqlite3.connect(data / "trainpkg.db")
    database.execute("PRAGMA journal_mode=WAL")
    database.execute("CREATE TABLE runs (n INTEGER)")
    database.commit()
    database.close()
    return {"data": data, "mine": mine, "theirs": theirs}


def _snapshot_with(ref: dict, mine: Path) -> dict:
    snapshot = published_snapshot(mine / "mine.jsonl")
    snapshot["dataset"]["datasets"] = [
        {"source": "upload", "dataset_id": "d.jsonl", "format": "prompt_completion"} | ref
    ]
    return snapshot


def _forged_refs(layout) -> list[dict]:
    data = layout["data"]
    return [
        {"upload_id": "../../them/pkg/theirs.jsonl"},
        {"upload_id": "trainpkg.db"},
        {"path": str(data / "trainpkg.db")},  # a draft from before ids named a path
        {"path": str(data / "secret.key")},
        {"path": str(layout["theirs"] / "theirs.jsonl")},  # the name exists, but in their folder
        {"upload_id": "link.jsonl"},
        {},
    ]


def test_a_reference_outside_the_owners_folder_is_refused(layout, tmp_path):
    (layout["mine"] / "link.jsonl").symlink_to(layout["data"] / "trainpkg.db")
    for ref in _forged_refs(layout):
        out = tmp_path / "pkg"
        with pytest.raises(DatasetFileError):
            build_package("v1", _snapshot_with(ref, layout["mine"]), out, uploads=layout["mine"])
        assert not out.exists(), ref  # refused before anything was written


def test_an_old_reference_inside_the_owners_folder_still_builds(layout, tmp_path):
    ref = {"path": str(layout["mine"] / "mine.jsonl")}
    out = build_package(
        "v1", _snapshot_with(ref, layout["mine"]), tmp_path / "pkg", uploads=layout["mine"]
    )
    copied = (out / "data" / "mine.jsonl").read_bytes()
    assert copied == (layout["mine"] / "mine.jsonl").read_bytes()


def test_a_writer_on_the_live_database_loses_nothing(layout, tmp_path):
    """The app's own connection stays open with a write in flight while every forged build is
    refused; afterwards a new connection sees every write, and no package holds the database."""
    writer = sqlite3.connect(layout["data"] / "trainpkg.db")
    writer.execute("INSERT INTO runs VALUES (1)")
    writer.commit()
    writer.execute("INSERT INTO runs VALUES (2)")  # not committed yet
    for index, ref in enumerate(_forged_refs(layout)):
        with pytest.raises(DatasetFileError):
            build_package(
                "v1",
                _snapshot_with(ref, layout["mine"]),
                tmp_path / f"pkg-{index}",
                uploads=layout["mine"],
            )
    writer.commit()
    writer.execute("INSERT INTO runs VALUES (3)")
    writer.commit()
    reader = sqlite3.connect(layout["data"] / "trainpkg.db")
    assert [n for (n,) in reader.execute("SELECT n FROM runs ORDER BY n")] == [1, 2, 3]
    assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copies = [p for p in tmp_path.rglob("*") if p.is_file() and _is_sqlite(p)]
    assert copies == [layout["data"] / "trainpkg.db"]
    writer.close()
    reader.close()


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"
