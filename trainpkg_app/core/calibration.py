"""Estimates that learn from measured runs: what a finished run measured, which of the owner's
runs are closest to a new one (same model size class, same hardware), the estimate those runs
give, and how far each run's estimate was from what it took.

A calibrated estimate: hours = (tokens / median measured tokens/s + median measured overhead)
/ 3600, billed by the started minute at the hardware's price, like the static one
(core/cost.py)."""

from __future__ import annotations

import math
from statistics import mean, median
from typing import Any

from pydantic import BaseModel

from trainpkg_app.core.hardware import find_flavor
from trainpkg_app.core.metric_records import finite

# Upper bounds (parameters) of each size class, and the class's name.
SIZE_CLASSES = (
    (3e8, "sub-0.3B"),
    (7.5e8, "0.5B"),
    (1.5e9, "1B"),
    (4.5e9, "3B"),
    (1e10, "7B"),
    (2e10, "13B"),
    (4.5e10, "34B"),
    (1e11, "70B"),
    (math.inf, "100B+"),
)
CLOSEST = 3  # measured runs an estimate uses at most


def size_class(parameters: int) -> str:
    return next(name for bound, name in SIZE_CLASSES if parameters <= bound)


def hardware_of(deploy: dict[str, Any]) -> tuple[str, str]:
    """(key, label) of the hardware a deploy form or snapshot trains on: the flavor on the Hub,
    this machine's CPU or its GPU count."""
    target = deploy.get("target")
    if target in ("hf_space", "hf_job"):
        flavor = str(deploy.get("space_flavor" if target == "hf_space" else "job_flavor") or "")
        return f"{target}:{flavor}", flavor
    gpus = str(deploy.get("num_gpus") or "0")
    if gpus in ("", "0"):
        return "local:cpu", "this machine's CPU"
    return f"local:{gpus}gpu", f"this machine ({gpus} GPU{'s' if gpus != '1' else ''})"


class Measured(BaseModel):
    """What one finished run measured, with what it trained and where."""

    run_id: str = ""
    label: str = ""  # its version's name, to name the run in an estimate
    status: str = "completed"
    hardware: str
    hardware_label: str
    parameters: int
    method: str
    tokens: int | None = None  # TRL's num_tokens at the end
    train_s: float | None = None
    wall_s: float | None = None  # from start to finish, overhead included
    tokens_per_s: float | None = None
    peak_memory_gb: float | None = None
    cost_usd: float | None = None


def _last(metrics: list[dict[str, Any]], field: str) -> float | None:
    values = [v for m in metrics if (v := finite(m.get(field))) is not None]
    return values[-1] if values else None


def measure(
    *,
    summary: dict[str, Any] | None,
    metrics: list[dict[str, Any]],
    wall_s: float,
    cost_usd: float | None,
    snapshot: dict[str, dict[str, Any]],
    status: str,
) -> dict[str, Any]:
    """The run's measurement (JSON) from its summary.json and metric records: tokens seen
    (TRL's num_tokens), training seconds, tokens/s, peak GPU memory, wall time and cost."""
    summary = summary or {}
    tokens = finite(summary.get("num_tokens")) or _last(metrics, "num_tokens")
    train_s = finite(summary.get("train_runtime_s")) or _last(metrics, "elapsed_s")
    hardware, label = hardware_of(snapshot.get("deploy", {}))
    return Measured(
        status=status,
        hardware=hardware,
        hardware_label=label,
        parameters=int(snapshot.get("model", {}).get("parameters") or 0),
        method=str(snapshot.get("config", {}).get("method") or ""),
        tokens=int(tokens) if tokens else None,
        train_s=train_s,
        wall_s=round(wall_s, 2),
        tokens_per_s=round(tokens / train_s, 2) if tokens and train_s else None,
        peak_memory_gb=finite(summary.get("peak_gpu_memory_gb")),
        cost_usd=cost_usd,
    ).model_dump(mode="json", exclude={"run_id", "label"})


def _usable(run: Measured) -> bool:
    return run.status == "completed" and bool(run.tokens_per_s) and run.tokens_per_s > 0


def _distance(run: Measured, parameters: int, tokens: int | None) -> float:
    """How far a run is from the new one: parameter count, then the tokens it trained on (a
    short run is mostly start-up), both as log ratios."""
    far = abs(math.log(run.parameters / parameters))
    if tokens and run.tokens:
        far += 0.1 * abs(math.log(run.tokens / tokens))
    return far


def closest(
    runs: list[Measured],
    *,
    parameters: int,
    method: str,
    hardware: str,
    tokens: int | None = None,
    limit: int = CLOSEST,
) -> list[Measured]:
    """The completed runs on the same hardware and in the same size class, closest first: same
    method first, then nearest parameter count and token count, then newest (``runs`` comes
    newest first)."""
    wanted = size_class(parameters)
    same = [
        run
        for run in runs
        if _usable(run)
        and run.hardware == hardware
        and run.parameters > 0
        and size_class(run.parameters) == wanted
    ]
    same.sort(key=lambda run: (run.method != method, _distance(run, parameters, tokens)))
    return same[:limit]


class Calibrated(BaseModel):
    hours: float
    cost_usd: float
    tokens_per_s: float
    basis: str  # "calibrated by 2 runs of ..., median tokens/s 412"
    formula: str
    run_ids: list[str]


def calibrated(
    *, tokens: int, runs: list[Measured], parameters: int, usd_per_hour: float
) -> Calibrated:
    """The estimate that ``runs`` (closest() of them, at least one) give for ``tokens``."""
    rate = median(run.tokens_per_s for run in runs)
    overheads = [max(run.wall_s - run.train_s, 0.0) for run in runs if run.wall_s and run.train_s]
    overhead = median(overheads) if overheads else 0.0
    seconds = tokens / rate + overhead
    minutes = math.ceil(seconds / 60)
    cost = round(usd_per_hour * minutes / 60, 2)
    count = len(runs)
    names = ", ".join(dict.fromkeys(run.label for run in runs if run.label))  # each version once
    basis = (
        f"Calibrated by {count} run{'s' if count > 1 else ''} of {size_class(parameters)}-class "
        f"models on {runs[0].hardware_label}, median tokens/s {rate:,.0f}"
        + (f" ({names})" if names else "")
    )
    formula = (
        f"{tokens:,} tokens / {rate:,.1f} tokens/s measured = {tokens / rate / 60:.1f} min "
        f"+ {overhead / 60:.1f} min measured overhead = {seconds / 60:.1f} min; "
        f"x ${usd_per_hour:.2f}/h, by the started minute ({minutes}) = ${cost:.2f}"
    )
    return Calibrated(
        hours=round(seconds / 3600, 4),  # the time as measured; the cost by started minute
        cost_usd=cost,
        tokens_per_s=rate,
        basis=basis,
        formula=formula,
        run_ids=[run.run_id for run in runs],
    )


def static_basis(parameters: int, hardware_label: str) -> str:
    return (
        f"Static estimate: no measured run of a {size_class(parameters)}-class model on "
        f"{hardware_label} yet (each completed run there calibrates the next estimate)."
    )


def price_of(hardware: str) -> float:
    """USD per hour of a hardware key (this machine: 0)."""
    target, _, flavor_id = hardware.partition(":")
    flavor = find_flavor(flavor_id) if target in ("hf_space", "hf_job") else None
    return flavor.usd_per_hour if flavor else 0.0


# ---- estimate vs actual ----


def error_pct(estimate: float | None, actual: float | None) -> float | None:
    """(estimate - actual) / actual in percent: positive when the estimate was too high."""
    if estimate is None or not actual:
        return None
    return round((estimate - actual) / actual * 100, 1)


def _minutes(hours: float | None) -> str:
    return "—" if hours is None else f"{hours * 60:.1f} min"


def _signed(pct: float | None) -> str:
    return "" if pct is None else f"{pct:+.0f}%"


def accuracy(estimate: dict | None, measured: dict | None) -> dict[str, str]:
    """A run's estimate against what it took, for the Runs tab (strings; '' when unknown)."""
    estimate, measured = estimate or {}, measured or {}
    est_h = finite(estimate.get("hours"))
    wall_s = finite(measured.get("wall_s"))
    actual_h = wall_s / 3600 if wall_s else None
    time_error = error_pct(est_h, actual_h)
    cost_error = error_pct(finite(estimate.get("cost_usd")), finite(measured.get("cost_usd")))
    return {
        "estimate_basis": "calibrated" if estimate.get("run_ids") else "static" if estimate else "",
        "estimated_time": _minutes(est_h),
        "actual_time": _minutes(actual_h),
        "time_error": _signed(time_error),
        "time_error_pct": "" if time_error is None else str(time_error),
        "cost_error": _signed(cost_error),
        "cost_error_pct": "" if cost_error is None else str(cost_error),
    }


def error_by_target(runs: list[dict[str, str]]) -> list[dict[str, str]]:
    """Per target, the mean absolute error of the time and cost estimates over the runs that
    have both an estimate and a measurement."""
    found: dict[str, dict[str, list[float]]] = {}
    for run in runs:
        errors = found.setdefault(run.get("target", ""), {"time": [], "cost": []})
        for kind in ("time", "cost"):
            if value := run.get(f"{kind}_error_pct"):
                errors[kind].append(abs(float(value)))
    return [
        {
            "target": target,
            "runs": str(len(errors["time"])),
            "time_error": f"{mean(errors['time']):.0f}%" if errors["time"] else "—",
            "cost_error": f"{mean(errors['cost']):.0f}%" if errors["cost"] else "—",
        }
        for target, errors in sorted(found.items())
        if errors["time"] or errors["cost"]
    ]


def duration_text(hours: float) -> str:
    """1.5 h, or 12 min under an hour."""
    return f"{hours:.1f} h" if hours >= 1 else f"{max(round(hours * 60), 1)} min"
