"""The rule that keeps an unchecked Hub dataset from starting a billed Hub run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HUB_TARGETS = ("hf_space", "hf_job")


def unchecked_hub_datasets(dataset_snapshot: dict[str, Any]) -> list[str]:
    """The Hub datasets of a snapshot that the dataset viewer did not check."""
    return [
        ref.get("dataset_id", "?")
        for ref in dataset_snapshot.get("datasets", [])
        if ref.get("source", "hub") == "hub" and ref.get("viewer_checked") is not True
    ]


def hub_launch_refusal(
    target: str | None,
    dataset_snapshot: dict[str, Any],
    recheck: Callable[[dict[str, Any]], str] | None = None,
) -> str:
    """Why this version must not start on a Hub target ('' when it may). ``recheck(ref)``, when
    given, asks the viewer again about each checked Hub dataset ('' when it still passes)."""
    if target not in HUB_TARGETS:
        return ""
    unchecked = unchecked_hub_datasets(dataset_snapshot)
    if unchecked:
        names = ", ".join(unchecked)
        return (
            f"Not started: {names} {'was' if len(unchecked) == 1 else 'were'} not checked with "
            "the Hub's dataset viewer, and a Hub run bills from its first minute. On the Dataset "
            "step, remove and add it again until its preview shows, publish, then deploy."
        )
    for ref in dataset_snapshot.get("datasets", []) if recheck else []:
        why = recheck(ref) if ref.get("source", "hub") == "hub" else ""
        if why:
            return f"Not started: {ref['dataset_id']} failed its check before the run: {why}"
    return ""
