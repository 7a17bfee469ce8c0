"""Comparing runs: downsampling keeps first, last, minimum and maximum within the
bound; EMA; a resumed run's whole curve by step and by wall time; recharts rows; the CSV;
the config diff of the runs' versions."""

from __future__ import annotations

import csv
import io
import math
import random

import pytest

from trainpkg_app.core.curves import (
    ROWS,
    Curve,
    chain_records,
    chart_rows,
    merged_rows,
    metrics_csv,
    series,
    smooth,
)
from trainpkg_app.core.diff import differing_fields
from trainpkg_app.core.resume import Link


def _noisy(n: int, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(float(step), rng.gauss(2.0, 0.5)) for step in range(1, n + 1)]


def shared_rows(all_series, limit):
    """The chart's rows of runs with these (step, loss) points."""
    curves = [Curve([{"step": x, "loss": y} for x, y in points]) for points in all_series]
    return chart_rows(curves, "loss", "step", limit=limit)


def _run_of(rows: list[dict], key: str = "r0") -> list[tuple[float, float]]:
    return [(row["x"], row[key]) for row in rows if key in row]


@pytest.mark.parametrize("n, limit", [(10_000, 500), (1001, 500), (37, 10), (6, 4), (9, 5)])
def test_downsampling_keeps_first_last_min_max_within_the_bound(n, limit):
    points = _noisy(n)
    points[n // 3] = (points[n // 3][0], 50.0)  # a spike
    points[n // 2] = (points[n // 2][0], -50.0)  # a dip
    kept = _run_of(shared_rows([points], limit))
    assert len(kept) <= limit
    assert kept[0] == points[0] and kept[-1] == points[-1]
    assert {y for _, y in kept} >= {50.0, -50.0}
    assert [x for x, _ in kept] == sorted({x for x, _ in kept})  # in step order, no repeats
    assert {y for _, y in kept} <= {y for _, y in points}
    width = (n - 1) / ((limit - 2) // 2)
    by_value = {y: x for x, y in points}
    assert all(abs(x - by_value[y]) <= width for x, y in kept)  # within its bucket


def test_a_short_series_is_kept_whole_and_each_bucket_keeps_its_extremes():
    assert _run_of(shared_rows([_noisy(20)], 500)) == _noisy(20)
    with pytest.raises(ValueError, match="at least four points"):
        shared_rows([_noisy(20)], 3)
    points = _noisy(1002)
    kept = {y for _, y in _run_of(shared_rows([points], 12))}  # 5 buckets of 200 steps
    for start in range(1, 1001, 200):
        bucket = [y for x, y in points[1:-1] if start < x <= start + 200]
        assert min(bucket) in kept and max(bucket) in kept


def test_runs_logged_at_different_steps_share_the_rows_of_one_run():
    runs = [
        [(float(step), math.sin(step / 50) + k) for step in range(k + 1, 10_000, 1 + k)]
        for k in range(8)
    ]
    rows = shared_rows(runs, 500)
    assert len(rows) <= 500 + 2 * 8  # each run's own first and last x at most
    for k, points in enumerate(runs):
        kept = _run_of(rows, f"r{k}")
        assert kept[0] == points[0] and kept[-1] == points[-1]
        assert min(y for _, y in kept) == min(y for _, y in points)
        assert max(y for _, y in kept) == max(y for _, y in points)
    assert all(float(row["x"]).is_integer() for row in rows)  # steps stay whole on the axis


def test_ema_is_tensorboards_debiased_one():
    points = [(1.0, 1.0), (2.0, 3.0), (3.0, 3.0)]
    assert smooth(points, 0.0) == points
    smoothed = smooth(points, 0.5)
    assert smoothed[0] == (1.0, 1.0)  # debiased: the first value is itself
    assert smoothed[1][1] == pytest.approx((0.25 + 1.5) / 0.75)
    assert smoothed[2][1] == pytest.approx(((0.25 + 1.5) * 0.5 + 1.5) / (1 - 0.125))
    assert all(y == pytest.approx(4.0) for _, y in smooth([(x, 4.0) for x in range(9)], 0.99))
    for bad in (-0.1, 1.0, math.nan):
        with pytest.raises(ValueError, match=r"Smoothing goes from 0 to 0\.99"):
            smooth(points, bad)


def test_a_resumed_run_compares_whole_by_step_and_by_wall_time():
    first = Link(
        metrics=[{"step": s, "loss": 3.0 - s / 10, "elapsed_s": s * 2.0} for s in range(1, 7)]
    )
    second = Link(
        metrics=[{"step": s, "loss": 2.0, "elapsed_s": (s - 4) * 2.0} for s in range(5, 9)],
        resumed_from_step=4,
    )
    records = Curve(chain_records([first, second]))
    assert [x for x, _ in series(records, "loss", "step")] == [1, 2, 3, 4, 5, 6, 7, 8]
    times = [x for x, _ in series(records, "loss", "time")]
    assert times == [2.0, 4.0, 6.0, 8.0, 14.0, 16.0, 18.0, 20.0]  # + the first run's 12 s


def test_a_twice_resumed_run_keeps_wall_time_and_tokens_seen_growing():
    def run(steps, start_s=0.0, resumed_from_step=None):
        return Link(
            metrics=[
                {
                    "step": s,
                    "loss": 1.0,
                    "elapsed_s": start_s + n + 1.0,
                    "num_tokens": 100 * (n + 1),
                }
                for n, s in enumerate(steps)
            ],
            resumed_from_step=resumed_from_step,
        )

    chain = [run(range(1, 5)), run(range(4, 8), resumed_from_step=3), run(range(7, 9), 0.0, 6)]
    curve = Curve(chain_records(chain))
    assert [x for x, _ in series(curve, "loss", "step")] == [1, 2, 3, 4, 5, 6, 7, 8]
    times = [x for x, _ in series(curve, "loss", "time")]
    assert times == [1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 9.0, 10.0]  # + 4 s, then + 4 s more
    tokens = [x for x, _ in series(curve, "loss", "tokens")]
    assert tokens == [100, 200, 300, 400, 500, 600, 700, 800]  # TRL's count restarted at 0
    restored = [run(range(1, 3)), Link(metrics=[{"step": 3, "loss": 1.0, "num_tokens": 300}])]
    assert [x for x, _ in series(Curve(chain_records(restored)), "loss", "tokens")] == [
        100,
        200,
        300,
    ]  # a count that went on by itself is left alone


def test_series_skip_nan_and_missing_values():
    records = Curve(
        [
            {"step": 1, "loss": 2.0},
            {"step": 2, "loss": "NaN"},
            {"step": 3, "eval_loss": 1.5},
            {"step": 4, "loss": 1.0},
        ]
    )
    assert series(records, "loss", "step") == [(1.0, 2.0), (4.0, 1.0)]
    assert series(records, "eval_loss", "step") == [(3.0, 1.5)]
    assert series(records, "loss", "time") == []  # no elapsed_s


def test_runs_merge_into_one_row_per_x_with_a_key_per_run():
    rows = merged_rows([[(1.0, 2.0), (2.0, 1.5)], [(2.0, 1.7), (3.0, 1.2)]])
    assert rows == [{"x": 1.0, "r0": 2.0}, {"x": 2.0, "r0": 1.5, "r1": 1.7}, {"x": 3.0, "r1": 1.2}]


def test_chart_rows_bound_each_run_and_a_log_scale_drops_non_positive_values():
    runs = [Curve([{"step": s, "loss": 1.0 + s % 7} for s in range(10_000)]) for _ in range(8)]
    rows = chart_rows(runs, "loss", "step", smoothing=0.6)
    assert len(rows) <= ROWS
    logged = chart_rows(
        [Curve([{"step": 1, "loss": 0.0}, {"step": 2, "loss": 0.5}])],
        "loss",
        "step",
        log_scale=True,
    )
    assert logged == [{"x": 2.0, "r0": 0.5}]
    with pytest.raises(ValueError, match="Unknown metric"):
        chart_rows(runs, "password", "step")


def test_the_csv_holds_each_runs_metrics_and_no_formula():
    text = metrics_csv(
        [
            ("bot · v1 · local", [{"step": 1, "loss": 2.5, "elapsed_s": 1.2, "epoch": 0.1}]),
            ("=HYPERLINK(1)", [{"step": 1, "loss": "NaN", "learning_rate": 1e-05}]),
        ]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["run"] for r in rows] == ["bot · v1 · local", "'=HYPERLINK(1)"]
    assert (rows[0]["step"], rows[0]["loss"], rows[0]["eval_loss"]) == ("1", "2.5", "")
    assert (rows[1]["loss"], rows[1]["learning_rate"]) == ("NaN", "1e-05")


def test_the_config_diff_of_runs_lists_only_fields_that_differ_from_the_first():
    base = {"config": {"learning_rate": 2e-4, "lora": {"r": 8}}, "model": {"model_id": "a/b"}}
    rows = differing_fields(
        [
            base,
            base | {"config": {"learning_rate": 1e-4, "lora": {"r": 8}}},
            base | {"config": {"learning_rate": 2e-4, "lora": {"r": 16}}, "deploy": {"t": "x"}},
        ]
    )
    assert rows == [
        ["config.learning_rate", "0.0002", "0.0001", "0.0002"],
        ["config.lora.r", "8", "8", "16"],
        ["deploy.t", "", "", '"x"'],
    ]
