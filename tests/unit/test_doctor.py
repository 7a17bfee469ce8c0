"""The training doctor on recorded metric streams, whole and cut off before the event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainpkg_app.core import doctor
from trainpkg_app.core.doctor import Finding, diagnose

STREAMS = Path(__file__).parent / "metric_streams"


def stream(name: str) -> list[dict]:
    """The records of a recorded metrics.jsonl (json reads its NaN as float('nan'))."""
    return [json.loads(line) for line in (STREAMS / name).read_text().splitlines()]


def before(points: list[dict], step: int) -> list[dict]:
    return [p for p in points if p["step"] < step]


def only(points: list[dict]) -> Finding:
    findings = diagnose(points)
    assert len(findings) == 1, findings
    return findings[0]


# (stream, rule, detection step, region start, does mode "stop" end the run)
CASES = [
    ("nan.jsonl", "nan_loss", 57, 57, True),
    ("diverging.jsonl", "divergence", 74, 61, True),
    ("grad_explosion.jsonl", "grad_explosion", 88, 88, True),
    ("overfit.jsonl", "overfitting", 140, 80, True),
    ("early_spike.jsonl", "early_spikes", 9, 9, False),
]


def test_a_healthy_run_gives_no_finding():
    points = stream("healthy.jsonl")
    assert len(points) == 210
    assert diagnose(points) == []


@pytest.mark.parametrize(("name", "rule", "step", "start", "stops"), CASES)
def test_each_stream_gives_its_rule_at_its_step(name, rule, step, start, stops):
    finding = only(stream(name))
    assert (finding.rule, finding.step, finding.stops) == (rule, step, stops)
    assert (finding.start_step, finding.end_step) == (start, step)
    assert finding.evidence.endswith(".") and finding.fix.endswith(".")


@pytest.mark.parametrize(("name", "rule", "step", "start", "stops"), CASES)
def test_nothing_is_found_before_the_event_and_it_is_found_as_it_arrives(
    name, rule, step, start, stops
):
    points = stream(name)
    assert diagnose(before(points, step)) == []
    assert only(before(points, step + 1)).step == step


def test_nan_evidence_names_the_value_and_one_finding_stands_for_all_later_nans():
    finding = only(stream("nan.jsonl"))
    assert finding.evidence == "The train loss was NaN at step 57."


def test_divergence_evidence_gives_the_minimum_and_the_rise():
    finding = only(stream("diverging.jsonl"))
    assert "from 1.53 (its minimum, step 61) to 2.31 at step 74" in finding.evidence


def test_grad_explosion_evidence_gives_the_norm_and_the_usual_one():
    finding = only(stream("grad_explosion.jsonl"))
    assert "48.7 at step 88" in finding.evidence
    assert "34x the median 1.43 of the 87 earlier values" in finding.evidence


def test_overfitting_evidence_gives_both_curves():
    evidence = only(stream("overfit.jsonl")).evidence
    assert "from 1.33 at step 80 to 1.56 at step 140" in evidence
    assert "fell from 0.574 to 0.401" in evidence


def test_early_spike_evidence_gives_the_jump_and_the_window():
    evidence = only(stream("early_spike.jsonl")).evidence
    assert "from 2.38 to 3.62 at step 9, above the first loss 2.5" in evidence
    assert "the first 10% of 300 steps" in evidence


def test_an_empty_stream_and_eval_only_points_are_diagnosed():
    assert diagnose([]) == []
    healthy_evals = [p for p in stream("healthy.jsonl") if "eval_loss" in p]
    assert len(healthy_evals) == 10
    assert diagnose(healthy_evals) == []
    # Rising evals alone are no overfitting: without train losses nothing shows they fell.
    assert diagnose([p for p in stream("overfit.jsonl") if "eval_loss" in p]) == []
    nan_evals = [p for p in stream("nan.jsonl") if "eval_loss" in p]
    finding = only(nan_evals)
    assert (finding.rule, finding.step, finding.evidence) == (
        "nan_loss",
        60,
        "The eval loss was NaN at step 60.",
    )


def test_inf_and_missing_values_and_records_without_a_step():
    points = [{"step": 1, "loss": 2.0}, {"step": 2}, {"loss": float("nan")}]
    assert diagnose(points) == []
    points.append({"step": 3, "loss": 1.9, "grad_norm": float("-inf")})
    finding = only(points)
    assert (finding.rule, finding.evidence) == ("nan_loss", "The gradient norm was -inf at step 3.")


def test_findings_are_ordered_by_step_one_per_rule():
    points = stream("early_spike.jsonl")
    for point in points:
        if point["step"] in (150, 160):
            point["grad_norm"] = 5000.0
        if point["step"] == 200 and "loss" in point:
            point["loss"] = float("inf")
    findings = diagnose(points)
    assert [(f.rule, f.step) for f in findings] == [
        ("early_spikes", 9),
        ("grad_explosion", 150),
        ("nan_loss", 200),
    ]


def test_a_huge_grad_norm_needs_no_history_and_a_small_history_is_no_median():
    first = [{"step": 1, "grad_norm": 1.0}, {"step": 2, "grad_norm": 1500.0}]
    finding = only(first)
    assert finding.rule == "grad_explosion"
    assert "above the limit of 1,000" in finding.evidence
    # 50x the earlier values, but only 4 of them came before: too few for a median.
    few = [{"step": s, "grad_norm": 1.0} for s in range(1, 5)] + [{"step": 5, "grad_norm": 50.0}]
    assert diagnose(few) == []
    assert only([*few[:4], {"step": 5, "grad_norm": 1.0}, {"step": 6, "grad_norm": 50.0}]).step == 6


def test_early_spikes_count_only_in_the_first_tenth_or_the_first_20_points():
    losses = [2.0, 1.8, 1.2, 2.1]  # 2.1 is 1.75x the point before and above the first 2.0
    late = [{"step": s * 10, "max_steps": 200, "loss": v} for s, v in enumerate(losses, 1)]
    assert diagnose(late) == []  # step 40 is past the first 10 % of 200 steps
    early = [{**p, "max_steps": 400} for p in late]
    assert only(early).step == 40
    unknown = [{"step": p["step"], "loss": p["loss"]} for p in late]
    assert only(unknown).step == 40
    spike = [{"step": 1, "loss": 2.0}] + [{"step": s, "loss": 1.8} for s in range(2, 20)]
    assert only([*spike, {"step": 20, "loss": 3.0}]).step == 20  # the 20th point
    spike.append({"step": 20, "loss": 1.8})
    assert diagnose([*spike, {"step": 21, "loss": 3.0}]) == []  # the 21st is past them


def test_a_jump_that_stays_below_the_first_loss_is_no_spike():
    points = [{"step": s, "max_steps": 100, "loss": v} for s, v in enumerate([3.0, 1.0, 1.6], 1)]
    assert diagnose(points) == []


def test_a_short_or_slow_rise_is_no_divergence():
    # Nine points only, rising steeply: fewer than 2 windows of 5.
    steep = [{"step": s, "loss": 1.0 + 0.5 * s} for s in range(1, 10)]
    assert diagnose(steep) == []
    assert only([*steep, {"step": 10, "loss": 6.0}]).rule == "divergence"
    # Twice the minimum but only 0.3 above it: a tiny loss needs the absolute margin too.
    small = [{"step": s, "loss": 0.1 + 0.05 * s} for s in range(1, 12)]
    assert diagnose(small) == []
    # 0.6 above the minimum but only 18 % over it: a large loss needs the ratio too.
    large = [{"step": s, "loss": 3.0 + 0.1 * s} for s in range(1, 12)]
    assert diagnose(large) == []


def test_only_mode_stop_ends_a_run_and_only_for_a_finding_that_stops():
    nan = [{"step": 1, "loss": 2.0}, {"step": 2, "loss": "NaN"}]
    assert doctor.finding_that_stops("warn", nan) is None
    assert doctor.finding_that_stops("off", nan) is None
    found = doctor.finding_that_stops("stop", nan)
    assert found is not None and found.rule == "nan_loss"
    reason = doctor.stop_reason(found)
    assert reason.startswith("Stopped by the training doctor at step 2: ")
    assert found.evidence in reason and found.fix in reason


def test_an_early_spike_is_shown_but_does_not_stop_the_run():
    spike = [{"step": s, "max_steps": 200, "loss": v} for s, v in [(1, 2.0), (2, 1.8), (3, 3.5)]]
    assert [f.rule for f in doctor.diagnose(spike)] == ["early_spikes"]
    assert doctor.finding_that_stops("stop", spike) is None


def test_the_retry_after_a_stop_halves_the_learning_rate():
    assert doctor.gentler_config({"learning_rate": "0.0002"}) == {"learning_rate": "0.0001"}
    assert doctor.gentler_config({"learning_rate": "0.01"}) == {"learning_rate": "0.005"}
    assert doctor.gentler_config({"learning_rate": "fast"}) == {}
    assert doctor.gentler_config({"learning_rate": "nan"}) == {}
