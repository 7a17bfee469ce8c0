"""Every bad input gets a precise message; good files read; uploads get safe names."""

import io
import json

import pytest

from trainpkg_app.core.dataset_files import (
    DatasetFileError,
    content_hash,
    read_rows,
    store_upload,
)

LIMIT = 1_000_000


def read(name: str, data: bytes, limit: int = LIMIT):
    return read_rows(name, data, max_bytes=limit)


def test_good_jsonl_json_and_csv():
    assert read("a.jsonl", b'{"text": "x"}\n\n{"text": "y"}\n') == [{"text": "x"}, {"text": "y"}]
    assert read("a.json", json.dumps([{"text": "x"}]).encode()) == [{"text": "x"}]
    assert read("a.csv", b"prompt,completion\nhi,there\n") == [
        {"prompt": "hi", "completion": "there"}
    ]


def test_good_parquet():
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table({"text": ["a", "b"]}), buffer)
    assert read("a.parquet", buffer.getvalue()) == [{"text": "a"}, {"text": "b"}]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "a.jsonl",
            b'{"text": "ok"}\n{"text": oops}\n',
            "line 2, column 10: invalid JSON (Expecting value)",
        ),
        ("a.jsonl", b'{"text": "ok"}\n[1, 2]\n', "line 2: expected a JSON object, got list"),
        ("a.json", b'[{"text": "ok"},\n {"text": }]', "line 2, column 11: invalid JSON"),
        ("a.json", b'{"text": "ok"}', "expected a JSON array of objects"),
        ("a.csv", b"a,b\n1,2\n3,4,5\n", "line 3: 3 fields, but the header has 2"),
        ("a.parquet", b"PAR1 this is not parquet", "not a readable Parquet file"),
        ("a.jsonl", b'{"text": "caf\xe9"}\n', "line 1, column 14: not UTF-8 (byte 0xe9)"),
        ("a.jsonl", b"", "the file is empty"),
        ("a.jsonl", b"  \n\n", "the file is empty"),
        ("a.json", b"[]", "the file has no rows"),
        ("a.txt", b"hello", "unsupported file type .txt"),
    ],
)
def test_bad_files_are_refused_precisely(name, data, message):
    with pytest.raises(DatasetFileError) as refusal:
        read(name, data)
    assert message in str(refusal.value)


def test_a_file_over_the_limit_is_refused():
    with pytest.raises(DatasetFileError, match=r"the file is 2\.0 MB, over the 1 MB limit"):
        read("a.jsonl", b"x" * 2_000_000)


def test_uploads_get_a_generated_name_inside_the_folder(tmp_path):
    stored = store_upload(tmp_path / "pkg", "../../etc/passwd.jsonl", b"{}")
    assert stored.parent == tmp_path / "pkg"
    assert stored.name.endswith(".jsonl") and "passwd" not in stored.name
    assert list((tmp_path / "pkg").iterdir()) == [stored]


def test_content_hash_is_sha256():
    assert (
        content_hash(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_files_the_browser_refused_are_named_with_each_reason():
    from trainpkg_app.core.dataset_files import rejection_message

    message = rejection_message(
        ["C:/x/big.csv|file-too-large,file-invalid-type", "|too-many-files"], 50
    )
    assert message == (
        "big.csv was not added: it is over the 50 MB limit; unsupported file type; use .jsonl,"
        " .json, .csv or .parquet. The file was not added: choose one file at a time."
    )
