"""Calibrated estimates (core/calibration.py): size classes, the closest measured runs, the
estimate they give, the static fallback, what a run measured, and estimate-vs-actual errors."""

from __future__ import annotations

import pytest

from trainpkg_app.core.calibration import (
    Measured,
    accuracy,
    calibrated,
    closest,
    error_by_target,
    hardware_of,
    measure,
    size_class,
)
from trainpkg_app.core.forms import default_forms
from trainpkg_app.core.insights import run_estimate

SPACE_A10G = "hf_space:a10g-small"


def _run(run_id: str, parameters: int, *, method="lora", hardware=SPACE_A10G, **figures):
    values = {"tokens_per_s": 400.0, "train_s": 100.0, "wall_s": 160.0} | figures
    return Measured(
        run_id=run_id,
        label=f"pkg · {run_id}",
        hardware=hardware,
        hardware_label="this machine's CPU" if hardware == "local:cpu" else hardware[9:],
        parameters=parameters,
        method=method,
        tokens=int(values["tokens_per_s"] * values["train_s"]),
        **values,
    )


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [(100_000, "sub-0.3B"), (494_000_000, "0.5B"), (1_100_000_000, "1B"), (7_600_000_000, "7B")],
)
def test_size_classes(parameters, expected):
    assert size_class(parameters) == expected


def test_hardware_keys_name_the_flavor_or_this_machine():
    assert hardware_of({"target": "hf_space", "space_flavor": "t4-small"}) == (
        "hf_space:t4-small",
        "t4-small",
    )
    assert hardware_of({"target": "hf_job", "job_flavor": "h200"})[0] == "hf_job:h200"
    assert hardware_of({"target": "local", "num_gpus": "0"}) == ("local:cpu", "this machine's CPU")
    assert hardware_of({"target": "local", "num_gpus": 2})[0] == "local:2gpu"


def test_closest_prefers_the_same_method_then_the_nearest_size():
    runs = [
        _run("full-500m", 500_000_000, method="full"),
        _run("lora-600m", 600_000_000),
        _run("lora-450m", 450_000_000),
        _run("lora-700m", 700_000_000),
    ]
    picked = closest(runs, parameters=480_000_000, method="lora", hardware=SPACE_A10G)
    assert [run.run_id for run in picked] == ["lora-450m", "lora-600m", "lora-700m"]
    two = closest(runs, parameters=480_000_000, method="full", hardware=SPACE_A10G, limit=2)
    assert [run.run_id for run in two] == ["full-500m", "lora-450m"]


def test_among_runs_of_one_model_the_nearest_token_count_comes_first():
    runs = [
        _run("short", 500_000_000, tokens_per_s=100.0, train_s=10.0),  # 1,000 tokens
        _run("long", 500_000_000, tokens_per_s=100.0, train_s=1000.0),  # 100,000 tokens
        _run("middle", 500_000_000, tokens_per_s=100.0, train_s=100.0),  # 10,000 tokens
    ]
    picked = closest(
        runs, parameters=500_000_000, method="lora", hardware=SPACE_A10G, tokens=90_000
    )
    assert [run.run_id for run in picked] == ["long", "middle", "short"]
    no_plan = closest(runs, parameters=500_000_000, method="lora", hardware=SPACE_A10G)
    assert [run.run_id for run in no_plan] == ["short", "long", "middle"]  # newest first


def test_closest_keeps_only_the_same_hardware_and_size_class_and_completed_runs():
    runs = [
        _run("other-flavor", 500_000_000, hardware="hf_space:t4-small"),
        _run("other-class", 1_200_000_000),
        _run("failed", 500_000_000),
        _run("no-tokens", 500_000_000, tokens_per_s=0.0),
        _run("kept", 520_000_000),
    ]
    runs[2].status = "failed"
    picked = closest(runs, parameters=500_000_000, method="lora", hardware=SPACE_A10G)
    assert [run.run_id for run in picked] == ["kept"]
    assert closest(runs, parameters=7_000_000_000, method="lora", hardware=SPACE_A10G) == []


def test_the_calibrated_estimate_uses_the_median_rate_and_overhead():
    runs = [
        _run("a", 500_000_000, tokens_per_s=300.0),
        _run("b", 500_000_000, tokens_per_s=400.0, wall_s=220.0),
        _run("c", 500_000_000, tokens_per_s=1000.0),
    ]
    found = calibrated(tokens=1_200_000, runs=runs, parameters=500_000_000, usd_per_hour=1.0)
    # 1.2e6 / 400 = 3000 s, + 60 s median overhead (160 - 100) = 51 min, at $1/h
    assert found.tokens_per_s == 400.0
    assert found.hours == round(3060 / 3600, 4)
    assert found.cost_usd == 0.85
    assert found.basis.startswith(
        "Calibrated by 3 runs of 0.5B-class models on a10g-small, median tokens/s 400"
    )
    assert "pkg · a" in found.basis and found.run_ids == ["a", "b", "c"]


def _space_forms():
    forms = default_forms()
    forms["model"]["parameters"] = "500000000"
    forms["config"]["method"] = "lora"
    forms["deploy"] |= {"target": "hf_space", "space_flavor": "a10g-small"}
    return forms


DATASETS = [{"dataset_id": "a.jsonl", "rows": "20000", "mean_tokens": "1000"}]


def test_the_wizard_estimate_is_static_without_measured_runs_and_says_so():
    result = run_estimate(_space_forms(), DATASETS, [])
    assert result["message"] == "About 2.3 h and $2.32 on Nvidia A10G small."
    assert result["basis"].startswith(
        "Static estimate: no measured run of a 0.5B-class model on a10g-small yet"
    )
    unrelated = [_run("t4", 500_000_000, hardware="hf_space:t4-small").model_dump()]
    assert run_estimate(_space_forms(), DATASETS, unrelated)["basis"].startswith("Static")


def test_the_wizard_estimate_is_calibrated_by_measured_runs_and_names_them():
    measured = [_run("r1", 500_000_000, tokens_per_s=20_000.0).model_dump()]
    result = run_estimate(_space_forms(), DATASETS, measured)
    # 54e6 tokens / 20,000 tokens/s = 45 min + 1 min overhead
    assert result["message"] == "About 46 min and $0.77 on Nvidia A10G small."
    assert result["basis"] == (
        "Calibrated by 1 run of 0.5B-class models on a10g-small, median tokens/s 20,000 (pkg · r1)"
    )
    assert result["calibrated_by"] == "r1" and result["cost_usd"] == "0.77"


def test_a_cpu_run_on_this_machine_gets_a_time_once_measured():
    forms = default_forms()
    forms["model"]["parameters"] = "120000"
    forms["config"] |= {"method": "lora", "max_steps": "10"}
    forms["deploy"] |= {"target": "local", "num_gpus": "0"}
    datasets = [{"dataset_id": "a.jsonl", "rows": "40", "mean_tokens": "20"}]
    static = run_estimate(forms, datasets, [])
    assert static["message"].startswith("This machine: no cloud cost")
    assert "this machine's CPU" in static["basis"]
    measured = [_run("cpu", 100_000, hardware="local:cpu", tokens_per_s=50.0).model_dump()]
    result = run_estimate(forms, datasets, measured)
    assert result["message"].endswith("(no cloud cost) on this machine's CPU.")
    assert result["basis"].startswith("Calibrated by 1 run of sub-0.3B-class models")
    assert "cost_usd" not in result  # nothing to bill, cap or record


def test_a_measurement_comes_from_the_summary_else_the_metric_records():
    snapshot = {
        "model": {"parameters": 120000},
        "config": {"method": "lora"},
        "deploy": {"target": "local", "num_gpus": 0},
    }
    summary = {"train_runtime_s": 8.0, "num_tokens": 4000, "peak_gpu_memory_gb": None}
    got = measure(
        summary=summary,
        metrics=[],
        wall_s=12.5,
        cost_usd=0.0,
        snapshot=snapshot,
        status="completed",
    )
    assert got["tokens"] == 4000 and got["tokens_per_s"] == 500.0
    assert got["hardware"] == "local:cpu" and got["parameters"] == 120000
    assert got["wall_s"] == 12.5
    records = [{"step": 1, "num_tokens": 100, "elapsed_s": 1.0}, {"step": 2, "elapsed_s": 2.0}]
    older = measure(
        summary=None, metrics=records, wall_s=3.0, cost_usd=None, snapshot=snapshot, status="failed"
    )
    assert older["tokens"] == 100 and older["train_s"] == 2.0 and older["tokens_per_s"] == 50.0
    none = measure(summary={}, metrics=[], wall_s=1, cost_usd=None, snapshot=snapshot, status="x")
    assert none["tokens_per_s"] is None


def test_estimate_against_actual_and_the_mean_error_per_target():
    over = accuracy(
        {"hours": 0.25, "cost_usd": 0.5, "run_ids": ["a"]}, {"wall_s": 600, "cost_usd": 0.4}
    )
    assert over["time_error"] == "+50%" and over["cost_error"] == "+25%"
    assert (over["estimated_time"], over["actual_time"]) == ("15.0 min", "10.0 min")
    assert over["estimate_basis"] == "calibrated"
    under = accuracy({"hours": 0.1, "cost_usd": None, "run_ids": []}, {"wall_s": 720})
    assert under["time_error"] == "-50%" and under["cost_error"] == ""
    assert under["estimate_basis"] == "static"
    assert (
        accuracy(None, None)["time_error"] == ""
        and accuracy({"hours": 1}, None)["actual_time"] == "—"
    )
    rows = [
        {"target": "hf_space"} | over,
        {"target": "local"} | under,
        {"target": "local"} | accuracy({"hours": 0.11}, {"wall_s": 360}),  # +10%
        {"target": "hf_job"} | accuracy(None, None),
    ]
    assert error_by_target(rows) == [
        {"target": "hf_space", "runs": "1", "time_error": "50%", "cost_error": "25%"},
        {"target": "local", "runs": "2", "time_error": "30%", "cost_error": "—"},
    ]


def test_max_steps_count_the_tokens_trl_counts_not_the_padding():
    forms = _space_forms()
    forms["config"] |= {"max_steps": "100", "max_seq_length": "1024"}
    short_rows = [{"dataset_id": "a.jsonl", "rows": "1000", "mean_tokens": "100"}]
    # 100 steps x 16 sequences (batch 4 x accumulation 4, the defaults) x 100 tokens a row
    per_sequence = int(forms["config"]["per_device_batch_size"]) * int(
        forms["config"]["gradient_accumulation_steps"]
    )
    assert f"x {100 * per_sequence * 100:,} tokens" in run_estimate(forms, short_rows)["formula"]
    forms["config"]["packing"] = "true"  # packed blocks are full
    packed = run_estimate(forms, short_rows)["formula"]
    assert f"x {100 * per_sequence * 1024:,} tokens" in packed


def test_the_compare_chart_can_follow_tokens_seen_and_names_runs_without_them():
    from trainpkg_app.core.curves import X_AXES, Curve, axis_gaps, chart_rows

    assert X_AXES["tokens"] == "Tokens seen"
    new = [
        {"step": 1, "loss": 2.0, "num_tokens": 512},
        {"step": 2, "loss": 1.5, "num_tokens": 1024},
    ]
    old = [{"step": 1, "loss": 2.1}, {"step": 2, "loss": 1.7}]
    new, old = Curve(new), Curve(old)
    rows = chart_rows([new, old], "loss", "tokens")
    assert rows == [{"x": 512, "r0": 2.0}, {"x": 1024, "r0": 1.5}]
    note = axis_gaps(["pkg · v1 · local", "pkg · v2 · local"], [new, old], "tokens")
    assert "pkg · v2 · local" in note and "pkg · v1" not in note
    assert "choose Step or Wall time" in note
    assert axis_gaps(["a", "b"], [new, old], "step") == ""
