"""Field-level differences between two package snapshots, grouped by step."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from trainpkg_app.core.workflow import STEPS

LIST_ITEM_KEYS = ("dataset_id", "id", "name")
_MISSING = object()


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


class DiffRow(BaseModel, frozen=True):
    step: str
    path: str
    change: Change
    left: str
    right: str


def _item_key(item: Any, index: int) -> str:
    if isinstance(item, dict):
        for key in LIST_ITEM_KEYS:
            if key in item:
                return str(item[key])
    return str(index)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": [1]}}`` -> ``{"a.b[0]": 1}``; list items of dicts keyed by their id."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat |= flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return flat or ({prefix: {}} if prefix else {})
    if isinstance(value, list):
        flat = {}
        for index, item in enumerate(value):
            flat |= flatten(item, f"{prefix}[{_item_key(item, index)}]")
        return flat or {prefix: []}
    return {prefix: value}


def render(value: Any) -> str:
    """How a value is shown; text and numbers look different, so a type change is visible."""
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True)


def _same(left: Any, right: Any) -> bool:
    return type(left) is type(right) and left == right


def diff_snapshots(left: dict[str, Any], right: dict[str, Any]) -> list[DiffRow]:
    """Every leaf of both snapshots, in step order, marked added/removed/changed/unchanged."""
    rows: list[DiffRow] = []
    for step in [s.value for s in STEPS]:
        flat_left = flatten(left.get(step, {}))
        flat_right = flatten(right.get(step, {}))
        for path in sorted(flat_left.keys() | flat_right.keys()):
            old, new = flat_left.get(path, _MISSING), flat_right.get(path, _MISSING)
            if old is _MISSING:
                change = Change.ADDED
            elif new is _MISSING:
                change = Change.REMOVED
            else:
                change = Change.UNCHANGED if _same(old, new) else Change.CHANGED
            rows.append(
                DiffRow(step=step, path=path, change=change, left=render(old), right=render(new))
            )
    return rows


def only_differences(rows: list[DiffRow]) -> list[DiffRow]:
    return [row for row in rows if row.change != Change.UNCHANGED]


def differing_fields(snapshots: list[dict[str, Any]]) -> list[list[str]]:
    """Runs' versions against the first one: ``[step.path, value in each snapshot...]`` for
    each field where any of them differs from the first (a missing value shows as '')."""
    first, others = snapshots[0], snapshots[1:]
    differing = {
        (row.step, row.path)
        for other in others
        for row in only_differences(diff_snapshots(first, other))
    }
    order = [step.value for step in STEPS]
    flats = [{step: flatten(snap.get(step, {})) for step in order} for snap in snapshots]
    return [
        [f"{step}.{path}", *(render(flat[step].get(path, _MISSING)) for flat in flats)]
        for step, path in sorted(differing, key=lambda key: (order.index(key[0]), key[1]))
    ]
