"""The rules of the dataset step's list: attach, replace, remove, and a Hub dataset's
config/split choice. Rows are the wizard's text rows (core/forms.dataset_row)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from trainpkg_app.core.step_data import DatasetRef
from trainpkg_app.core.validation import parse

Row = dict[str, str]


def attach_refusal(datasets: list[Row], dataset_id: str) -> str:
    """Why this Hub id cannot be attached, or '' when it can."""
    result = parse(DatasetRef, {"source": "hub", "dataset_id": dataset_id})
    if not result.ok:
        return result.errors.get("dataset_id", "")
    if any(row["dataset_id"] == dataset_id for row in datasets):
        return f"{dataset_id} is already attached."
    return ""


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``… when an attached dataset has it."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def hub_row(datasets: list[Row], dataset_id: str) -> Row | None:
    return next(
        (r for r in datasets if r["dataset_id"] == dataset_id and r.get("source") != "upload"),
        None,
    )


def replaced(datasets: list[Row], dataset_id: str, row: Row) -> list[Row]:
    return [row if r["dataset_id"] == dataset_id else r for r in datasets]


def removed(datasets: list[Row], dataset_id: str) -> list[Row]:
    return [r for r in datasets if r["dataset_id"] != dataset_id]


def listed_splits(row: Row | None) -> dict[str, list[str]]:
    """The configs of a checked Hub dataset and the splits of each, as the viewer listed them
    (the row's JSON text that hub/dataset_check.split_choices wrote)."""
    listed = json.loads((row or {}).get("choices") or "{}")
    return {config: list(splits) for config, splits in listed.items()}


def default_split(splits: Iterable[str]) -> str:
    """The train split when there is one, else the first."""
    names = list(splits)
    return "train" if "train" in names else names[0]


def chosen_split(row: Row | None, field: str, value: str) -> tuple[str, str] | None:
    """(config, split) after the user picks ``value`` for ``field`` ('config' or 'split'), or
    None when the viewer did not list it: a new config starts at its default split."""
    choices = listed_splits(row)
    config = value if field == "config" else (row or {}).get("config", "")
    if config not in choices or not choices[config]:
        return None
    split = value if field == "split" else default_split(choices[config])
    return (config, split) if split in choices[config] else None


def pickers(datasets: list[Row]) -> dict[str, dict[str, list[str]]]:
    """Per checked Hub dataset: its configs, and the splits of its chosen config."""
    shown: dict[str, dict[str, list[str]]] = {}
    for row in datasets:
        choices = listed_splits(row)
        config = row.get("config", "")
        if config in choices:
            shown[row["dataset_id"]] = {"configs": list(choices), "splits": choices[config]}
    return shown
