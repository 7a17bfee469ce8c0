"""A Hub dataset's chosen config and split, checked the way an upload is: the viewer's first rows
go through the same format detection and row check (core/dataset_formats.py)."""

from __future__ import annotations

import json
from typing import Any

from huggingface_hub import HfApi
from pydantic import BaseModel

from trainpkg_app.core.dataset_formats import (
    FORMAT_LABELS,
    Detected,
    Format,
    detect_format,
    first_bad_row,
)
from trainpkg_app.hub.dataset_viewer import ViewerDataset, first_rows

SAMPLE = 20  # rows the detection looks at, as for an upload


class CheckedSplit(BaseModel):
    ref: dict[str, Any]  # DatasetRef fields
    problem: str = ""  # why it is not checked ('' when it is)
    detected: Detected | None = None
    rows: list[dict[str, Any]] = []  # the first rows, for the preview
    columns: list[str] = []
    needs_mapping: bool = False  # its columns match no known format

    def summary(self) -> dict[str, str]:
        """What the step shows about the split: its id, config, split, rows and size."""
        rows, size = self.ref.get("rows"), self.ref.get("size_bytes")
        return {key: str(self.ref.get(key) or "") for key in ("dataset_id", "config", "split")} | {
            "rows": f"{rows:,}" if isinstance(rows, int) else "unknown",
            "size": f"{size / 1e6:,.1f} MB (Parquet)" if isinstance(size, int) else "unknown",
        }


def split_choices(checked: ViewerDataset) -> str:
    """config -> its splits, as the dataset row keeps them (JSON text)."""
    return json.dumps({config: list(splits) for config, splits in checked.splits.items()})


def check_split(api: HfApi, checked: ViewerDataset, config: str, split: str) -> CheckedSplit:
    """Rows, size, detected format and mapping of one split; HubProblem when the viewer
    refuses."""
    fetched = first_rows(api, checked.dataset_id, config, split)
    size = checked.splits[config][split]
    ref = {
        "source": "hub",
        "dataset_id": checked.dataset_id,
        "config": config,
        "split": split,
        "revision": checked.revision,
        "rows": size.rows if size.rows is not None else fetched.rows_total,
        "size_bytes": size.bytes if size.bytes is not None else fetched.bytes_total,
        "choices": split_choices(checked),
    }
    result = CheckedSplit(ref=ref, rows=fetched.rows, columns=fetched.columns)
    if not fetched.rows:
        return result.model_copy(update={"problem": f"{config}/{split} has no rows."})
    detected = detect_format(fetched.columns, fetched.rows[:SAMPLE])
    if detected.format == Format.UNKNOWN:
        columns = ", ".join(fetched.columns)
        return result.model_copy(
            update={
                "problem": f"its columns ({columns}) match no known format: map them below.",
                "needs_mapping": True,
            }
        )
    return with_format(result, detected)


def with_format(result: CheckedSplit, detected: Detected) -> CheckedSplit:
    """The split checked with this format (detected, or mapped by the user)."""
    bad_row = first_bad_row(result.rows, detected)
    if bad_row:
        label = FORMAT_LABELS[detected.format]
        return result.model_copy(update={"problem": f"as {label}, {bad_row}", "detected": None})
    ref = result.ref | {
        "format": detected.format.value,
        "mapping": detected.mapping,
        "viewer_checked": True,
    }
    return result.model_copy(
        update={"ref": ref, "detected": detected, "problem": "", "needs_mapping": False}
    )
