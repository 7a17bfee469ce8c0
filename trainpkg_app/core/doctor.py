"""The training doctor: what a run's metric points say is going wrong, and what to change.

``diagnose`` reads the records of metrics.jsonl as they are so far (runner/train.py writes one
per logging step: train-loss and eval points are separate records, missing values are left
out, NaN and inf arrive as floats) and names at most one finding per rule, its first one.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from trainpkg_app.core.metric_records import number

DoctorMode = Literal["off", "warn", "stop"]
Rule = Literal["nan_loss", "divergence", "grad_explosion", "overfitting", "early_spikes"]

# The values a NaN or inf makes worthless, and how the evidence names them.
NAN_KEYS = {"loss": "train loss", "eval_loss": "eval loss", "grad_norm": "gradient norm"}
SMOOTHING_WINDOW = 5  # points in the rolling mean: one noisy point cannot look like a trend
DIVERGENCE_RATIO = 1.5  # smoothed loss 50 % above its minimum is no noise any more
DIVERGENCE_MARGIN = 0.5  # and 0.5 nats above it, so a tiny loss near 0 needs a real rise
GRAD_RATIO = 10.0  # a gradient norm 10x the usual one is a blow-up, not a hard batch
GRAD_HISTORY = 5  # earlier gradient norms needed before their median means anything
GRAD_LIMIT = 1e3  # no healthy fine-tune reaches this norm, whatever came before
OVERFIT_RISES = 3  # eval-loss rises in a row: one or two can be an unlucky eval
OVERFIT_MIN_RISE = 0.02  # total rise, as a fraction of the best eval loss: less is noise
EARLY_FRACTION = 0.1  # the warmup part of a run, as a fraction of max_steps
EARLY_POINTS = 20  # train-loss points that count as early when max_steps is unknown
SPIKE_RATIO = 1.5  # a loss 50 % above the point before it is a jump, not noise


@dataclass(frozen=True)
class Finding:
    rule: Rule
    step: int  # the step of the record at which it was detected
    start_step: int  # the chart region that shows the evidence, inclusive
    end_step: int
    evidence: str  # one plain sentence with the numbers
    fix: str  # one sentence: what to change
    stops: bool  # whether mode "stop" ends the run for this finding


Series = list[tuple[int, float]]


def diagnose(points: Sequence[Mapping[str, Any]]) -> list[Finding]:
    """At most one finding per rule: its first occurrence, ordered by step."""
    records = [p for p in points if _step(p) is not None]
    found = [finding for rule in _RULES if (finding := rule(records)) is not None]
    return sorted(found, key=lambda f: f.step)


STOPPED = "Stopped by the training doctor"


def finding_that_stops(mode: str, points: Sequence[Mapping[str, Any]]) -> Finding | None:
    """In mode "stop", the first finding that ends the run; else None."""
    if mode != "stop":
        return None
    return next((f for f in diagnose(points) if f.stops), None)


def stop_reason(finding: Finding) -> str:
    """What the run record says when the doctor ended it."""
    return f"{STOPPED} at step {finding.step}: {finding.evidence} Fix: {finding.fix}"


def gentler_config(config_form: Mapping[str, str]) -> dict[str, str]:
    """The config change a retry after a doctor stop makes: half the learning rate (the fix
    every stopping rule names first); {} when the form's rate is not a number."""
    try:
        rate = float(config_form.get("learning_rate", ""))
    except ValueError:
        return {}
    return {"learning_rate": f"{rate / 2:g}"} if math.isfinite(rate) and rate > 0 else {}


def _step(point: Mapping[str, Any]) -> int | None:
    step = point.get("step")
    return int(step) if isinstance(step, int | float) and math.isfinite(step) else None


def _value(point: Mapping[str, Any], key: str) -> float | None:
    """The number under ``key``, NaN and inf included, or None when missing or not a number."""
    return number(point.get(key))


def _series(records: Sequence[Mapping[str, Any]], key: str) -> Series:
    """(step, value) of the finite values under ``key``, in stream order."""
    values = ((_step(r), _value(r, key)) for r in records)
    return [(s, v) for s, v in values if s is not None and v is not None and math.isfinite(v)]


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _at_step(rule: Rule, step: int, evidence: str, fix: str, *, stops: bool = True) -> Finding:
    """A finding whose evidence is one step."""
    return Finding(rule, step, step, step, evidence, fix, stops)


def _nan_loss(records: Sequence[Mapping[str, Any]]) -> Finding | None:
    for record in records:
        for key, name in NAN_KEYS.items():
            value = _value(record, key)
            if value is not None and not math.isfinite(value):
                step, shown = _step(record), "NaN" if math.isnan(value) else value
                return _at_step(
                    "nan_loss",
                    step,
                    f"The {name} was {shown} at step {step}.",
                    "Lower the learning rate, use bf16 instead of fp16, "
                    "or clip gradients (max_grad_norm 1.0).",
                )
    return None


def _divergence(records: Sequence[Mapping[str, Any]]) -> Finding | None:
    losses, w = _series(records, "loss"), SMOOTHING_WINDOW
    smoothed = [
        (losses[i][0], sum(v for _, v in losses[i - w + 1 : i + 1]) / w)
        for i in range(w - 1, len(losses))
    ]
    best_step, best = None, math.inf
    for j, (step, value) in enumerate(smoothed):
        if value < best:
            best_step, best = step, value
        # Risen at each of the last w points; j >= w also means 2w train points at least.
        rising = j >= w and all(a[1] < b[1] for a, b in pairwise(smoothed[j - w : j + 1]))
        high = value > best + max(best * (DIVERGENCE_RATIO - 1), DIVERGENCE_MARGIN)
        if rising and high:
            return Finding(
                rule="divergence",
                step=step,
                start_step=best_step,
                end_step=step,
                evidence=f"The smoothed train loss rose from {_num(best)} (its minimum, step "
                f"{best_step}) to {_num(value)} at step {step}.",
                fix="Lower the learning rate (e.g. halve it) or raise the warmup.",
                stops=True,
            )
    return None


def _grad_explosion(records: Sequence[Mapping[str, Any]]) -> Finding | None:
    norms = _series(records, "grad_norm")
    earlier: list[float] = []  # the norms before this one, sorted: a median without a sort each
    for i, (step, norm) in enumerate(norms):
        usual = _sorted_median(earlier) if i >= GRAD_HISTORY else None
        bisect.insort(earlier, norm)
        if norm > GRAD_LIMIT:
            why = f"above the limit of {_num(GRAD_LIMIT)}"
        elif usual and norm > GRAD_RATIO * usual:
            why = f"{norm / usual:.0f}x the median {_num(usual)} of the {i} earlier values"
        else:
            continue
        return _at_step(
            "grad_explosion",
            step,
            f"The gradient norm reached {_num(norm)} at step {step}, {why}.",
            "Clip gradients (max_grad_norm 1.0) and lower the learning rate.",
        )
    return None


def _overfitting(records: Sequence[Mapping[str, Any]]) -> Finding | None:
    evals, losses, n = _series(records, "eval_loss"), _series(records, "loss"), OVERFIT_RISES
    for j in range(n, len(evals)):
        span = evals[j - n : j + 1]
        best_step, best = min(evals[: j + 1], key=lambda e: e[1])
        rises = all(a[1] < b[1] for a, b in pairwise(span))
        if not rises or span[-1][1] - span[0][1] <= OVERFIT_MIN_RISE * abs(best):
            continue
        # The mean train loss between each two of those evals, each lower than the one before.
        means = [_mean([v for s, v in losses if a[0] < s <= b[0]]) for a, b in pairwise(span)]
        if None in means or any(a <= b for a, b in pairwise(means)):
            continue
        step = span[-1][0]
        lowest = "" if best_step == span[0][0] else f" (best {_num(best)}, step {best_step})"
        return Finding(
            rule="overfitting",
            step=step,
            start_step=best_step,
            end_step=step,
            evidence=f"The eval loss rose {n} times in a row, from {_num(span[0][1])} at step "
            f"{span[0][0]} to {_num(span[-1][1])} at step {step}{lowest}, while the mean train "
            f"loss between those evals fell from {_num(means[0])} to {_num(means[-1])}.",
            fix="Train for fewer epochs or steps, add data, or raise dropout / weight decay.",
            stops=True,
        )
    return None


def _sorted_median(values: list[float]) -> float:
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _early_spikes(records: Sequence[Mapping[str, Any]]) -> Finding | None:
    losses = _series(records, "loss")
    max_steps = next((m for r in records if (m := _value(r, "max_steps")) and m > 0), None)
    if max_steps is None:
        early, span = losses[:EARLY_POINTS], f"the first {EARLY_POINTS} points"
    else:
        early = [(s, v) for s, v in losses if s <= EARLY_FRACTION * max_steps]
        span = f"the first {EARLY_FRACTION:.0%} of {max_steps:.0f} steps"
    for (_, before), (step, loss) in pairwise(early):
        if loss > SPIKE_RATIO * before and loss > early[0][1]:
            return _at_step(
                "early_spikes",
                step,
                f"The train loss jumped from {_num(before)} to {_num(loss)} at step "
                f"{step}, above the first loss {_num(early[0][1])}, within {span}.",
                "Raise the warmup (e.g. warmup_ratio 0.1) or lower the learning rate.",
                stops=False,
            )
    return None


_RULES: tuple[Callable[[Sequence[Mapping[str, Any]]], Finding | None], ...] = (
    _nan_loss,
    _divergence,
    _grad_explosion,
    _overfitting,
    _early_spikes,
)
