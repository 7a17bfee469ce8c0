"""Reading uploaded dataset files, with errors that name the line or column and what was
expected; storing them under safe generated names; hashing them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

SUFFIXES = {".jsonl": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet"}
UPLOAD_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}\.(jsonl|json|csv|parquet)$"  # a file name, no path


class DatasetFileError(ValueError):
    """A file that cannot be used; the message says where and what was expected."""


def file_kind(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise DatasetFileError(
            f"{Path(filename).name}: unsupported file type {suffix or '(none)'}; "
            "use .jsonl, .json, .csv or .parquet."
        )
    return SUFFIXES[suffix]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DatasetFileError(
            f"line {line}, column {column}: not UTF-8 (byte 0x{data[error.start]:02x}); "
            "save the file as UTF-8."
        ) from None


def _jsonl(data: bytes) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(_text(data).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetFileError(
                f"line {number}, column {error.colno}: invalid JSON ({error.msg}); "
                "each line must be one JSON object."
            ) from None
        if not isinstance(row, dict):
            raise DatasetFileError(
                f"line {number}: expected a JSON object, got {type(row).__name__}."
            )
        rows.append(row)
    return rows


def _json(data: bytes) -> list[dict[str, Any]]:
    try:
        document = json.loads(_text(data))
    except json.JSONDecodeError as error:
        raise DatasetFileError(
            f"line {error.lineno}, column {error.colno}: invalid JSON ({error.msg})."
        ) from None
    if not isinstance(document, list):
        raise DatasetFileError("expected a JSON array of objects at the top level.")
    for index, row in enumerate(document):
        if not isinstance(row, dict):
            raise DatasetFileError(
                f"item {index + 1}: expected a JSON object, got {type(row).__name__}."
            )
    return document


def _csv(data: bytes) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    header = next(reader, None)
    if not header or not any(name.strip() for name in header):
        raise DatasetFileError("line 1: expected a header row with the column names.")
    rows = []
    for row in reader:
        if not row:
            continue
        if len(row) != len(header):
            raise DatasetFileError(
                f"line {reader.line_num}: {len(row)} fields, but the header has {len(header)}."
            )
        rows.append(dict(zip(header, row, strict=True)))
    return rows


def _parquet(data: bytes) -> list[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(io.BytesIO(data)).to_pylist()
    except (pa.ArrowException, OSError) as error:
        raise DatasetFileError(f"not a readable Parquet file ({error}).") from None


READERS = {"jsonl": _jsonl, "json": _json, "csv": _csv, "parquet": _parquet}


def read_rows(filename: str, data: bytes, *, max_bytes: int) -> list[dict[str, Any]]:
    """All rows of an uploaded file, or a DatasetFileError that says what is wrong where."""
    kind = file_kind(filename)
    if len(data) > max_bytes:
        raise DatasetFileError(
            f"the file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit."
        )
    if not data.strip():
        raise DatasetFileError("the file is empty.")
    rows = READERS[kind](data)
    if not rows:
        raise DatasetFileError("the file has no rows.")
    return rows


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows[:100]:
        seen.update(dict.fromkeys(row))
    return list(seen)


def store_upload(folder: Path, filename: str, data: bytes) -> Path:
    """Write under a generated name (never the user's path), atomically: a failed write (a full
    disk) leaves no file behind."""
    target = folder / f"{uuid.uuid4().hex}{Path(filename).suffix.lower()}"
    partial = target.with_suffix(target.suffix + ".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DatasetFileError(
            f"the server could not store it ({error.strerror or error}); nothing was kept. "
            "Ask the admin to free disk space."
        ) from None
    return target


def resolve_upload(folder: Path | None, upload_id: str | None) -> Path:
    """The stored file named ``upload_id`` inside ``folder`` (the owner's package folder), and
    nothing else: no separators, no links, nothing outside it."""
    missing = DatasetFileError(f"{upload_id or 'an upload'} is not among this package's uploads")
    if folder is None or not upload_id or not re.fullmatch(UPLOAD_ID_PATTERN, upload_id):
        raise missing
    path = folder / upload_id
    if path.is_symlink() or not path.is_file() or path.resolve().parent != folder.resolve():
        raise missing
    return path


def folder_bytes(folder: Path) -> int:
    """The size of every file under the folder (0 when it does not exist)."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def rejection_message(rejected: list[str], max_upload_mb: float) -> str:
    """Why the browser refused files before sending them; each record is "name|code,code"
    with the codes of the upload widget (react-dropzone)."""
    reasons = {
        "file-too-large": f"it is over the {max_upload_mb:g} MB limit",
        "file-invalid-type": "unsupported file type; use .jsonl, .json, .csv or .parquet",
        "too-many-files": "choose one file at a time",
    }
    messages = []
    for record in rejected:
        name, _, codes = str(record).partition("|")
        why = "; ".join(reasons.get(code, code) for code in codes.split(",") if code)
        messages.append(f"{Path(name).name or 'The file'} was not added: {why}.")
    return " ".join(messages)
