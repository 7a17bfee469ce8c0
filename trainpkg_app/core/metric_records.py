"""Metric records as the database and the browser can hold them: a NaN or infinite loss (which
Python's json reads from metrics.jsonl) is kept as its JSON name, a string, because PostgreSQL's
JSON and the browser's JSON.parse refuse the bare token."""

from __future__ import annotations

import json
import math
from typing import Any

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def json_safe(record: dict[str, Any]) -> dict[str, Any]:
    return {key: _safe(value) for key, value in record.items()}


def parse_line(line: str) -> dict[str, Any]:
    """One line of metrics.jsonl (or of a Job's log), JSON-safe."""
    return json_safe(json.loads(line))


def parse_lines(text: str) -> list[dict[str, Any]]:
    return [parse_line(line) for line in text.splitlines() if line.strip()]


def number(value: Any) -> float | None:
    """A metric's value as a float (NaN and inf included), None when missing or not a number."""
    if isinstance(value, str):
        return NON_FINITE.get(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def finite(value: Any) -> float | None:
    """The value when it is a finite number (what a chart can draw), else None."""
    found = number(value)
    return found if found is not None and math.isfinite(found) else None
