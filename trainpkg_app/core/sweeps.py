"""The sweep planner: which trials a sweep runs (a grid, or N seeded random draws over ranges),
whether their estimates fit its total budget, which trial is best by the objective, and when
successive halving stops a trial. Pure: the deploy layer records and queues what it plans."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from trainpkg_app.core.drafts import DraftContent, content_from_snapshot
from trainpkg_app.core.step_data import TrainingConfig

Objective = Literal["eval_loss", "train_loss"]
Mode = Literal["grid", "random"]
MAX_AXES = 3
MAX_VALUES = 8
MAX_TRIALS = 32


class Parameter(BaseModel):
    """A Config field a sweep may vary: its short label in trial names, and how to sample it."""

    label: str
    kind: Literal["int", "float", "choice"]
    log: bool = False  # sampled log-uniformly (the learning rate)
    choices: tuple[str, ...] = ()


PARAMETERS: dict[str, Parameter] = {
    "learning_rate": Parameter(label="lr", kind="float", log=True),
    "lora_r": Parameter(label="r", kind="int"),
    "lora_alpha": Parameter(label="alpha", kind="int"),
    "lora_dropout": Parameter(label="dropout", kind="float"),
    "num_epochs": Parameter(label="epochs", kind="int"),
    "max_steps": Parameter(label="steps", kind="int"),
    "per_device_batch_size": Parameter(label="batch", kind="int"),
    "gradient_accumulation_steps": Parameter(label="accum", kind="int"),
    "warmup_ratio": Parameter(label="warmup", kind="float"),
    "weight_decay": Parameter(label="wd", kind="float"),
    "lr_scheduler": Parameter(
        label="sched",
        kind="choice",
        choices=("linear", "cosine", "constant", "constant_with_warmup"),
    ),
}
PARAMETER_NAMES = tuple(PARAMETERS)

Value = int | float | str


class Axis(BaseModel):
    """One parameter: its values (a grid, or what random draws pick from) or a range."""

    name: Literal[tuple(PARAMETER_NAMES)]  # type: ignore[valid-type]
    values: list[Value] = Field(default_factory=list, max_length=MAX_VALUES)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _values_or_range(self) -> Axis:
        if self.values:
            return self
        if self.low is None or self.high is None:
            raise ValueError(f"{self.name}: give values, or a range (low and high)")
        if PARAMETERS[self.name].kind == "choice":
            raise ValueError(f"{self.name}: a choice takes values, not a range")
        if not self.low < self.high:
            raise ValueError(f"{self.name}: the range's low must be below its high")
        if PARAMETERS[self.name].log and self.low <= 0:
            raise ValueError(f"{self.name}: a log range needs a low above 0")
        return self


class SweepSpec(BaseModel):
    axes: list[Axis] = Field(min_length=1, max_length=MAX_AXES)
    mode: Mode = "grid"
    trials: int = Field(default=4, ge=1, le=MAX_TRIALS)  # random mode: how many draws
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    objective: Objective = "eval_loss"
    budget_usd: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    budget_hours: float | None = Field(default=None, gt=0, le=24 * 30, allow_inf_nan=False)
    trim: bool = True  # over the budget: run the trials that fit (else refuse the sweep)
    halving_step: int | None = Field(default=None, ge=1, le=10**7)

    @model_validator(mode="after")
    def _distinct_and_budgeted(self) -> SweepSpec:
        names = [axis.name for axis in self.axes]
        if len(set(names)) != len(names):
            raise ValueError("each parameter can be swept once")
        if self.mode == "grid" and any(not axis.values for axis in self.axes):
            raise ValueError("a grid needs values for every parameter (ranges are for random)")
        if self.budget_usd is None and self.budget_hours is None:
            raise ValueError("set a total budget, in dollars or in hours")
        return self


class Trial(BaseModel):
    index: int
    overrides: dict[str, Value]


class Estimate(BaseModel):
    """What one trial is expected to cost; None where the target gives no estimate."""

    cost_usd: float | None = None
    hours: float | None = None


class BudgetFit(BaseModel):
    kept: int  # how many of the planned trials (in order) fit
    total_usd: float | None
    total_hours: float | None
    message: str  # '' when all fit; else the numbers, and what was trimmed or refused
    refused: bool = False


def _typed(name: str, value: Value) -> Value:
    kind = PARAMETERS[name].kind
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def _draw(axis: Axis, rng: random.Random) -> Value:
    if axis.values:
        return _typed(axis.name, rng.choice(axis.values))
    low, high = float(axis.low), float(axis.high)
    parameter = PARAMETERS[axis.name]
    if parameter.log:
        return float(f"{math.exp(rng.uniform(math.log(low), math.log(high))):.3g}")
    if parameter.kind == "int":
        return rng.randint(math.ceil(low), math.floor(high))
    return float(f"{rng.uniform(low, high):.3g}")


def plan(spec: SweepSpec) -> list[Trial]:
    """The trials in order: every grid combination, or ``spec.trials`` seeded random draws
    (the same seed gives the same trials)."""
    if spec.mode == "grid":
        grids = [[_typed(axis.name, value) for value in axis.values] for axis in spec.axes]
        combos = list(itertools.product(*grids))
    else:
        rng = random.Random(spec.seed)
        combos = [tuple(_draw(axis, rng) for axis in spec.axes) for _ in range(spec.trials)]
    if len(combos) > MAX_TRIALS:
        raise ValueError(f"{len(combos)} trials: a sweep runs at most {MAX_TRIALS}")
    names = [axis.name for axis in spec.axes]
    return [
        Trial(index=n, overrides=dict(zip(names, combo, strict=True)))
        for n, combo in enumerate(combos)
    ]


def trial_config_refusal(config: dict[str, Any], overrides: dict[str, Value]) -> str:
    """Why the parent's config with these values is not a valid config, or ''."""
    try:
        TrainingConfig.model_validate(config | overrides)
    except ValidationError as error:
        item = error.errors()[0]
        where = ".".join(str(part) for part in item["loc"]) or "config"
        return f"{where}: {item['msg']}"
    return ""


def trial_content(snapshot: dict[str, dict[str, Any]], overrides: dict[str, Value]) -> DraftContent:
    """The parent version's content with the trial's values in its Config step (as typed text,
    so that publishing validates it with the same rules as the wizard)."""
    content = content_from_snapshot(snapshot)
    content.forms["config"] |= {name: str(value) for name, value in overrides.items()}
    return content


def has_eval_split(snapshot: dict[str, dict[str, Any]]) -> bool:
    """Whether the version holds data back and evaluates on it (else no eval loss)."""
    split = float(snapshot.get("dataset", {}).get("train_split_percent", 100))
    return split < 100 and snapshot.get("config", {}).get("eval_strategy", "no") != "no"


def _short(value: Value) -> str:
    if isinstance(value, float):
        return (
            f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e")
            if value < 0.01
            else f"{value:g}"
        )
    return str(value)


def trial_values(overrides: dict[str, Value]) -> str:
    """'lr 2e-4 · r 16': a trial's values, short."""
    return " · ".join(
        f"{PARAMETERS[name].label} {_short(value)}" for name, value in overrides.items()
    )


def trial_label(version_number: int, overrides: dict[str, Value]) -> str:
    """'v3 · lr 2e-4 · r 16': the parent's number and the trial's values."""
    return f"v{version_number} · {trial_values(overrides)}"


def _total(values: list[float | None]) -> float | None:
    return None if any(value is None for value in values) else sum(values)  # type: ignore[arg-type]


def fit_budget(spec: SweepSpec, estimates: list[Estimate]) -> BudgetFit:
    """Whether the planned trials' estimates fit the total budget: all of them, the first
    ones that fit (``trim``), or none (refused, with the numbers). A trial without an estimate
    counts as fitting; the budget then holds as the trials run (measured cost and time)."""
    kept = 0
    spent_usd = spent_h = 0.0
    for estimate in estimates:
        usd = spent_usd + (estimate.cost_usd or 0)
        hours = spent_h + (estimate.hours or 0)
        if (spec.budget_usd is not None and usd > spec.budget_usd + 1e-9) or (
            spec.budget_hours is not None and hours > spec.budget_hours + 1e-9
        ):
            break
        kept, spent_usd, spent_h = kept + 1, usd, hours
    total_usd = _total([estimate.cost_usd for estimate in estimates])
    total_h = _total([estimate.hours for estimate in estimates])
    fit = BudgetFit(kept=kept, total_usd=total_usd, total_hours=total_h, message="")
    if kept == len(estimates):
        return fit
    over = _over(spec, estimates)
    if kept == 0 or not spec.trim:
        what = "none of them fits" if kept == 0 else "refused (trimming is off)"
        fit.message = f"{over}: {what}. Raise the budget, or plan fewer or cheaper trials."
        fit.kept, fit.refused = 0, True
    else:
        fit.message = f"{over}: the first {kept} of {len(estimates)} trials fit; the rest are cut."
    return fit


def _over(spec: SweepSpec, estimates: list[Estimate]) -> str:
    parts = []
    cost = sum(estimate.cost_usd or 0 for estimate in estimates)
    hours = sum(estimate.hours or 0 for estimate in estimates)
    if spec.budget_usd is not None and cost > spec.budget_usd:
        parts.append(f"${cost:.2f} estimated against a budget of ${spec.budget_usd:.2f}")
    if spec.budget_hours is not None and hours > spec.budget_hours:
        parts.append(f"{hours:.2f} h estimated against a budget of {spec.budget_hours:g} h")
    return f"{len(estimates)} trials: " + " and ".join(parts)


def budget_left_refusal(
    spec_budget_usd: float | None,
    spec_budget_hours: float | None,
    spent_usd: float,
    spent_hours: float,
    estimate: Estimate,
) -> str:
    """Why the next trial must not start: what the sweep's trials have cost (measured, plus
    the active ones' estimates) and this trial's estimate would pass the total budget; or ''."""
    cost, hours = spent_usd + (estimate.cost_usd or 0), spent_hours + (estimate.hours or 0)
    if spec_budget_usd is not None and (spent_usd >= spec_budget_usd or cost > spec_budget_usd):
        return (
            f"The sweep's budget of ${spec_budget_usd:.2f} would be passed: its trials have "
            f"cost ${spent_usd:.2f} and this one is estimated at ${estimate.cost_usd or 0:.2f}."
        )
    if spec_budget_hours is not None and (
        spent_hours >= spec_budget_hours or hours > spec_budget_hours
    ):
        return (
            f"The sweep's budget of {spec_budget_hours:g} h would be passed: its trials have "
            f"run {spent_hours:.2f} h and this one is estimated at {estimate.hours or 0:.2f} h."
        )
    return ""


def objective_name(objective: Objective, has_eval_split: bool) -> Objective:
    """Eval loss needs an eval split: without one the sweep ranks by the final train loss."""
    return objective if has_eval_split else "train_loss"


def _metric(objective: Objective) -> str:
    return "eval_loss" if objective == "eval_loss" else "loss"


def objective_value(
    metrics: list[dict[str, Any]], objective: Objective, at_step: int | None = None
) -> float | None:
    """The objective of a run: its last finite value (at or before ``at_step``), or None."""
    key = _metric(objective)
    found = None
    for point in metrics or []:
        value, step = point.get(key), point.get("step", 0)
        if at_step is not None and step > at_step:
            break
        if isinstance(value, int | float) and math.isfinite(value):
            found = float(value)
    return found


def reached(metrics: list[dict[str, Any]], step: int) -> bool:
    return any((point.get("step") or 0) >= step for point in metrics or [])


def halving_stops(mine: float, others_at_checkpoint: list[float]) -> bool:
    """Successive halving, asynchronously (trials may run one after another): a trial that
    reaches the checkpoint goes on only when its objective is in the better half of every
    trial's objective at that checkpoint so far (lower is better); the first one goes on."""
    everyone = sorted([*others_at_checkpoint, mine])
    keep = math.ceil(len(everyone) / 2)
    return mine > everyone[keep - 1]


def halving_reason(step: int, mine: float, cutoff_rank: int, total: int) -> str:
    return (
        f"Stopped by the sweep's successive halving at step {step}: its objective ({mine:.4f}) "
        f"ranked {cutoff_rank} of {total}, in the worse half."
    )


def best(objectives: dict[str, float | None]) -> str | None:
    """The key of the lowest objective, or None when no trial has one."""
    known = {key: value for key, value in objectives.items() if value is not None}
    return min(known, key=known.__getitem__) if known else None
