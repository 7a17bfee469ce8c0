"""Curves of several runs on one chart: a metric's series by step or wall time (a resumed run
whole), EMA smoothing, min/max-bucket downsampling into rows the runs share, and the CSV export."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from typing import Any

import numpy as np

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
ROWS = 400  # the chart's rows, shared by all compared runs
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


def _plus(metrics: list[dict[str, Any]], field: str, offset: float) -> list[dict[str, Any]]:
    return [
        m | {field: value + offset} if (value := finite(m.get(field))) is not None else m
        for m in metrics
    ]


def _tokens(metrics: list[dict[str, Any]], until_step: int | None, last: bool) -> float | None:
    """The first (or last) tokens seen recorded, up to a step."""
    seen = [
        value
        for m in metrics
        if (until_step is None or m.get("step", 0) <= until_step)
        and (value := finite(m.get("num_tokens"))) is not None
    ]
    return (seen[-1] if last else seen[0]) if seen else None


def chain_records(chain: list[Link]) -> list[dict[str, Any]]:
    """The chain's joined records, elapsed_s counted from the first run's start (each run adds
    the earlier runs' durations, so wall time only grows along a resumed run), and tokens seen
    going on from where the run before stopped (TRL counts them from 0 again on a resume)."""
    if len(chain) < 2:  # most runs are no chain: their records stay as they are
        return joined_metrics(chain)
    shifted, offset = [], 0.0
    for link in chain:
        metrics = _plus(link.metrics, "elapsed_s", offset)
        if shifted:
            before = _tokens(shifted[-1].metrics, link.resumed_from_step, last=True)
            first = _tokens(metrics, None, last=False)
            if before is not None and first is not None and first < before:
                metrics = _plus(metrics, "num_tokens", before)
        offset += _duration(link)
        shifted.append(replace(link, metrics=metrics))
    return joined_metrics(shifted)


def _finite(value: Any) -> float | None:
    """metric_records.finite, with a fast path for the plain numbers nearly all records hold."""
    if type(value) is float:
        return value if value - value == 0 else None  # NaN and inf fail this
    if type(value) is int:
        return float(value)
    return None if value is None else finite(value)


class Curve:
    """A run's records, and each field's finite values as a column (NaN where a record has
    none), built once on first use: a redraw reads two columns, never the records again."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self._columns: dict[str, np.ndarray] = {}

    def column(self, field: str) -> np.ndarray:
        if field not in self._columns:
            values = [record.get(field) for record in self.records]
            try:  # numbers, None and "NaN" (a stored NaN) convert at C speed
                column = np.array(values, dtype=float)
            except (TypeError, ValueError):  # another string: one by one
                column = np.array([_finite(value) for value in values], dtype=float)
            column[~np.isfinite(column)] = np.nan
            self._columns[field] = column
        return self._columns[field]

    def has(self, field: str) -> bool:
        return bool(np.isfinite(self.column(field)).any())


def _xy(curve: Curve, metric: str, x_axis: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = curve.column(X_FIELD[x_axis]), curve.column(metric)
    both = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[both], ys[both]
    order = np.argsort(xs, kind="stable")
    return xs[order], ys[order]


def series(curve: Curve, metric: str, x_axis: str) -> list[Point]:
    """(x, value) of each record where both are finite, in x order."""
    xs, ys = _xy(curve, metric, x_axis)
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


def axis_gaps(labels: list[str], curves: list[Curve], x_axis: str) -> str:
    """Which runs have no value on this x axis (older runs logged no tokens seen), and what to
    do about it; '' when every run has one."""
    missing = [
        label for label, curve in zip(labels, curves, strict=True) if not curve.has(X_FIELD[x_axis])
    ]
    if not missing:
        return ""
    return (
        f"No {X_AXES[x_axis].lower()} recorded for {', '.join(missing)} (runs trained before "
        "train.py logged TRL's num_tokens): left out of this chart; choose Step or Wall time "
        "to see them."
    )


def _ema(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's EMA: last = last * w + (1 - w) * y, debiased by 1 - w**n."""
    if not 0 <= weight <= MAX_SMOOTHING or not math.isfinite(weight):
        raise ValueError(f"Smoothing goes from 0 to {MAX_SMOOTHING}.")
    if weight == 0:
        return values
    last, smoothed = 0.0, []
    for y in values.tolist():
        last = last * weight + (1 - weight) * y
        smoothed.append(last)
    debias = 1 - weight ** np.arange(1, len(values) + 1)
    return np.array(smoothed) / debias


def smooth(points: list[Point], weight: float) -> list[Point]:
    """The EMA of the points' values."""
    values = _ema(np.array([y for _, y in points], dtype=float), weight)
    return list(zip([x for x, _ in points], values.tolist(), strict=True))


def _bucketed(xs: np.ndarray, ys: np.ndarray, lo: float, width: float, slots: np.ndarray):
    """The run's first and last points, and each bucket's minimum and maximum (in x order) at
    the bucket's two slots (at its own x where a slot falls outside the run's first and last)."""
    if len(xs) <= 2:
        return xs, ys
    inner_x, inner_y = xs[1:-1], ys[1:-1]
    bucket = np.minimum(((inner_x - lo) / width).astype(np.int64), len(slots) - 1)
    order = np.lexsort((inner_y, bucket))  # by bucket, then value
    ranked = bucket[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    low, high = order[starts], order[np.r_[starts[1:], len(order)] - 1]
    pair = np.stack([np.minimum(low, high), np.maximum(low, high)], axis=1)  # in x order
    own_x, kept_y, slot_x = inner_x[pair], inner_y[pair], slots[ranked[starts]]
    inside = (slot_x > xs[0]) & (slot_x < xs[-1])
    kept_x = np.where(inside, slot_x, own_x)
    once = np.ones_like(pair, dtype=bool)
    once[:, 1] = low != high  # a bucket of one point keeps it once
    return (
        np.r_[xs[0], kept_x[once], xs[-1]],
        np.r_[ys[0], kept_y[once], ys[-1]],
    )


def _shared(runs: list[tuple[np.ndarray, np.ndarray]], limit: int) -> list[list[Point]]:
    """All runs' series for about ``limit`` shared rows, however many runs there are:
    when the runs' points have more distinct x than that, the x axis is cut into buckets that
    every run shares, and each run keeps its first and last point and each bucket's minimum
    and maximum, placed at the bucket's two slots (within a bucket, 1/250 of the axis, of
    where they were), so no spike and no dip disappears and the runs' values share rows."""
    if limit < 4:
        raise ValueError("Keep at least four points: first, last, minimum and maximum.")
    xs = np.unique(np.concatenate([x for x, _ in runs])) if runs else np.array([])
    if len(xs) > limit:
        lo, buckets = xs[0], (limit - 2) // 2
        width = (xs[-1] - lo) / buckets
        slots = lo + width * (np.arange(buckets)[:, None] + np.array([0.25, 0.75]))
        if width >= 4 and bool(np.all(xs == np.round(xs))):
            slots = np.round(slots)  # steps and tokens stay whole numbers
        runs = [_bucketed(x, y, lo, width, slots) for x, y in runs]
    return [list(zip(x.tolist(), y.tolist(), strict=True)) for x, y in runs]


def metric_rows(curve: Curve, metrics: tuple[str, ...], x_axis: str, limit: int = ROWS):
    """One run's metrics as recharts rows (``r0`` for the first metric...), downsampled as the
    compare chart is."""
    return merged_rows(_shared([_xy(curve, metric, x_axis) for metric in metrics], limit))


def merged_rows(all_series: list[list[Point]]) -> list[dict[str, float]]:
    """Recharts rows: one per x, with the value of each run that has one there (``r0``...)."""
    rows: dict[float, dict[str, float]] = {}
    for index, points in enumerate(all_series):
        for x, y in points:
            rows.setdefault(x, {"x": x})[run_key(index)] = y
    return [rows[x] for x in sorted(rows)]


def chart_rows(
    curves: list[Curve],
    metric: str,
    x_axis: str,
    smoothing: float = 0.0,
    log_scale: bool = False,
    limit: int = ROWS,
) -> list[dict[str, float]]:
    """What the compare chart draws: each run's series, smoothed, then all downsampled
    together into shared rows (a log scale leaves out values at or below zero, which it
    cannot place)."""
    if metric not in METRICS or x_axis not in X_AXES:
        raise ValueError("Unknown metric or x axis.")
    prepared = []
    for curve in curves:
        xs, ys = _xy(curve, metric, x_axis)
        ys = _ema(ys, smoothing)
        if log_scale:
            xs, ys = xs[ys > 0], ys[ys > 0]
        prepared.append((xs, ys))
    return merged_rows(_shared(prepared, limit))


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
