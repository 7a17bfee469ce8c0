"""Curves of several runs on one chart: a metric's series by step or wall time (a resumed run
whole), EMA smoothing, min/max-bucket downsampling, recharts rows, and the CSV export."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from trainpkg_app.core.metric_records import finite
from trainpkg_app.core.resume import Link, joined_metrics

METRICS = {
    "loss": "Train loss",
    "eval_loss": "Eval loss",
    "learning_rate": "Learning rate",
    "grad_norm": "Grad norm",
    "tokens_per_s": "Tokens per second",
}
X_AXES = {"step": "Step", "tokens": "Tokens seen", "time": "Wall time (s)"}
X_FIELD = {"step": "step", "tokens": "num_tokens", "time": "elapsed_s"}  # num_tokens: TRL's
MIN_RUNS, MAX_RUNS = 2, 8
POINTS_PER_RUN = 500
MAX_SMOOTHING = 0.99
CSV_COLUMNS = ("run", "step", "epoch", "elapsed_s", *METRICS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Point = tuple[float, float]


def run_key(index: int) -> str:
    """The chart's data key of the index-th compared run."""
    return f"r{index}"


def _duration(link: Link) -> float:
    """How long a run trained, in seconds: its last elapsed_s, else its minutes."""
    seen = [value for m in link.metrics if (value := _finite(m.get("elapsed_s"))) is not None]
    if seen:
        return max(seen)
    return (link.minutes or 0.0) * 60


def chain_records(chain: list[Link]) -> list[dict[str, Any]]:
    """The chain's joined records, elapsed_s counted from the first run's start (each run adds
    the earlier runs' durations, so wall time only grows along a resumed run)."""
    shifted, offset = [], 0.0
    for link in chain:
        took = _duration(link)
        if offset:  # the first run's records stay as they are (most runs are no chain)
            metrics = [
                m | {"elapsed_s": value + offset}
                if (value := finite(m.get("elapsed_s"))) is not None
                else m
                for m in link.metrics
            ]
            link = replace(link, metrics=metrics)
        shifted.append(link)
        offset += took
    return joined_metrics(shifted)


def _finite(value: Any) -> float | None:
    """metric_records.finite, with a fast path for the plain numbers nearly all records hold."""
    if type(value) is float:
        return value if value - value == 0 else None  # NaN and inf fail this
    if type(value) is int:
        return float(value)
    return None if value is None else finite(value)


def series(records: Iterable[dict[str, Any]], metric: str, x_axis: str) -> list[Point]:
    """(x, value) of each record where both are finite, in x order."""
    x_field = X_FIELD[x_axis]
    points = [
        (x, y)
        for record in records
        if (y := _finite(record.get(metric))) is not None
        and (x := _finite(record.get(x_field))) is not None
    ]
    return sorted(points, key=lambda point: point[0])


def axis_gaps(labels: list[str], records_by_run: list[list[dict[str, Any]]], x_axis: str) -> str:
    """Which runs have no value on this x axis (older runs logged no tokens seen), and what to
    do about it; '' when every run has one."""
    field = X_FIELD[x_axis]
    missing = [
        label
        for label, records in zip(labels, records_by_run, strict=True)
        if not any(_finite(record.get(field)) is not None for record in records)
    ]
    if not missing:
        return ""
    return (
        f"No {X_AXES[x_axis].lower()} recorded for {', '.join(missing)} (runs trained before "
        "train.py logged TRL's num_tokens): left out of this chart; choose Step or Wall time "
        "to see them."
    )


def smooth(points: list[Point], weight: float) -> list[Point]:
    """TensorBoard's EMA: last = last * w + (1 - w) * y, debiased by 1 - w**n."""
    if not 0 <= weight <= MAX_SMOOTHING or not math.isfinite(weight):
        raise ValueError(f"Smoothing goes from 0 to {MAX_SMOOTHING}.")
    if weight == 0:
        return list(points)
    last, smoothed = 0.0, []
    for count, (x, y) in enumerate(points, start=1):
        last = last * weight + (1 - weight) * y
        smoothed.append((x, last / (1 - weight**count)))
    return smoothed


def downsample(points: list[Point], limit: int = POINTS_PER_RUN) -> list[Point]:
    """At most ``limit`` points: the first, the last, and each bucket's minimum and maximum
    (in x order), so no spike and no dip disappears."""
    if limit < 4:
        raise ValueError("Keep at least four points: first, last, minimum and maximum.")
    if len(points) <= limit:
        return list(points)
    inner = points[1:-1]
    buckets = (limit - 2) // 2
    size = math.ceil(len(inner) / buckets)
    kept: list[Point] = [points[0]]
    for start in range(0, len(inner), size):
        bucket = range(start, min(start + size, len(inner)))
        low = min(bucket, key=lambda i: inner[i][1])
        high = max(bucket, key=lambda i: inner[i][1])
        kept += [inner[i] for i in sorted({low, high})]
    return [*kept, points[-1]]


def merged_rows(all_series: list[list[Point]]) -> list[dict[str, float]]:
    """Recharts rows: one per x, with the value of each run that has one there (``r0``...)."""
    rows: dict[float, dict[str, float]] = {}
    for index, points in enumerate(all_series):
        for x, y in points:
            rows.setdefault(x, {"x": x})[run_key(index)] = y
    return [rows[x] for x in sorted(rows)]


def chart_rows(
    records_by_run: list[list[dict[str, Any]]],
    metric: str,
    x_axis: str,
    smoothing: float = 0.0,
    log_scale: bool = False,
    limit: int = POINTS_PER_RUN,
) -> list[dict[str, float]]:
    """What the compare chart draws: each run's series, smoothed, downsampled, merged (a log
    scale leaves out values at or below zero, which it cannot place)."""
    if metric not in METRICS or x_axis not in X_AXES:
        raise ValueError("Unknown metric or x axis.")
    prepared = []
    for records in records_by_run:
        points = smooth(series(records, metric, x_axis), smoothing)
        if log_scale:
            points = [(x, y) for x, y in points if y > 0]
        prepared.append(downsample(points, limit))
    return merged_rows(prepared)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)  # a NaN loss is stored as "NaN" already


def _safe_text(text: str) -> str:
    """A label a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def metrics_csv(runs: list[tuple[str, list[dict[str, Any]]]]) -> str:
    """The runs' records (label, records) as CSV: one row per record, the compared metrics."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for label, records in runs:
        for record in records:
            writer.writerow([_safe_text(label), *(_cell(record.get(c)) for c in CSV_COLUMNS[1:])])
    return out.getvalue()
