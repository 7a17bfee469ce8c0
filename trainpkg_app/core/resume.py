"""Resume and Extend: a run goes on from a checkpoint of an earlier one. Which runs may, which
checkpoint, what a checkpoint cannot carry, the extended step plan, and the chain's joined curve
and totals."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trainpkg_app.core.vocabulary import TrainingStatus

RESUMABLE = {TrainingStatus.FAILED.value, TrainingStatus.CANCELLED.value}
EXTENDABLE = {TrainingStatus.COMPLETED.value}
MAX_MORE_STEPS, MAX_MORE_EPOCHS = 100_000, 100
CHECKPOINTS = "checkpoints"  # where train.py's Trainer saves them, in a run folder and on the Hub
TRAINED_MODEL = "output"  # the final model in a run folder (the results repo keeps it at its root)
WARM_START_DIR = "warm_start"  # in a package: the checkpoint weights it starts from
TRAINER_FILES = {"optimizer.pt", "scheduler.pt", "trainer_state.json", "training_args.bin"}
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")
# What a checkpoint was trained with and must be trained on with (package.yaml paths); Resume
# also keeps the step plan, which Extend changes on purpose.
WEIGHTS_CARRIED = {  # what the weights themselves were trained as (a warm start keeps it)
    ("model", "model_id"): "the base model",
    ("model", "revision"): "the base model's revision",
    ("config", "method"): "the method",
    ("training_arguments", "lora"): "the LoRA settings",
    ("training_arguments", "quantization"): "the quantization",
}
CARRIED = WEIGHTS_CARRIED | {
    ("dataset", "datasets"): "the datasets",
    ("dataset", "train_split_percent"): "the train/validation split",
    ("dataset", "split_seed"): "the split seed",
}
STEP_PLAN = ("max_steps", "num_train_epochs", "per_device_train_batch_size")


@dataclass(frozen=True)
class Continuation:
    """A new run that goes on from ``step`` of run ``from_run``; Extend also changes the plan
    (``sft`` overrides: max_steps or num_train_epochs)."""

    from_run: str
    step: int
    sft: dict[str, Any]
    kind: str  # "resume" or "extend"
    source_dir: str = ""  # the earlier run's folder (a run on this machine copies from it)
    estimate: Decimal | None = None  # the share of the version's estimate still to run

    def spec(self) -> dict[str, Any]:
        """What package.yaml says of it (train.py resumes when it sees this)."""
        return {"from_run": self.from_run, "step": self.step}


@dataclass(frozen=True)
class WarmStart:
    """A new version trains from an earlier run's checkpoint weights (a fresh optimizer and
    schedule: the new learning rate applies); the package carries them in warm_start/."""

    from_run: str
    step: int
    weights: str  # the folder the weights are copied from (fetched from the Hub if need be)

    def spec(self) -> dict[str, Any]:
        return {"from_run": self.from_run, "step": self.step, "folder": WARM_START_DIR}


Carryover = Continuation | WarmStart  # what a new run takes over from an earlier one


def refusal(status: str, kind: str) -> str:
    """Why a run in this status cannot resume (or extend); '' when it can."""
    if kind == "extend":
        return "" if status in EXTENDABLE else "Only a completed run can be extended: resume it."
    if status in RESUMABLE:
        return ""
    if status in EXTENDABLE:
        return "This run completed: extend it to train further."
    return "This run is still going: cancel it first, or wait for it to end."


def checkpoint_step(name: str) -> int | None:
    match = _CHECKPOINT.fullmatch(name)
    return int(match.group(1)) if match else None


def complete_checkpoints(paths: Iterable[str]) -> list[int]:
    """The steps of the complete checkpoints among file paths (a run folder's, a results
    repo's): checkpoints/checkpoint-<step>/ with its trainer_state.json (the Trainer writes it
    last, so a half-written or half-pushed one does not count)."""
    names = (
        parts[1]
        for path in paths
        if len(parts := path.split("/")) == 3
        and parts[0] == CHECKPOINTS
        and parts[2] == "trainer_state.json"
    )
    return sorted(step for name in names if (step := checkpoint_step(name)) is not None)


def latest_complete(paths: Iterable[str]) -> int | None:
    """The latest complete checkpoint among file paths (see complete_checkpoints)."""
    return max(complete_checkpoints(paths), default=None)


def is_weight_file(name: str) -> bool:
    """A checkpoint file a warm start needs (the weights and their config, not the Trainer's
    optimizer, schedule and random state)."""
    return name not in TRAINER_FILES and not name.startswith("rng_state")


def _at(spec: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = spec
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def carry_refusal(trained: dict[str, Any], now: dict[str, Any], kind: str) -> str:
    """Why a checkpoint trained as ``trained`` (its package.yaml) cannot go on as ``now``
    (kind: resume, extend, or warm: only its weights are taken); ''."""
    paths = dict(WEIGHTS_CARRIED if kind == "warm" else CARRIED)
    if kind == "resume":
        paths |= {("training_arguments", "sft", key): f"the step plan ({key})" for key in STEP_PLAN}
    for path, what in paths.items():
        if _at(trained, path) != _at(now, path):
            return (
                "This version's package now differs from the one the checkpoint was trained "
                f"with in {what}: a checkpoint cannot carry that. Deploy the version again to "
                "start over."
            )
    return ""


def best_checkpoint(
    steps: Iterable[int], before_step: int, eval_losses: dict[int, float]
) -> int | None:
    """The checkpoint to start again from after a doctor finding that began at
    ``before_step``: of those saved before it, the one with the lowest eval loss when
    evaluations ran at their steps, else the latest."""
    healthy = [step for step in steps if step < before_step]
    evaluated = [step for step in healthy if step in eval_losses]
    if evaluated:
        return min(evaluated, key=lambda step: (eval_losses[step], -step))
    return max(healthy, default=None)


WARM_START = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,9})")


def warm_start_ref(run_id: str, step: int) -> str:
    """The Config field's value: train from that run's checkpoint at that step."""
    return f"{run_id}:{step}"


def parse_warm_start(value: str) -> tuple[str, int] | None:
    """(run id, step) of a warm_start field, or None when it is empty."""
    match = WARM_START.fullmatch(value or "")
    return (match.group(1), int(match.group(2))) if match else None


def extended_plan(sft: dict[str, Any], done_steps: int, more: int) -> dict[str, Any]:
    """Extend: ``more`` steps after ``done_steps`` (a step-planned run) or ``more`` epochs
    (an epoch-planned one); the SFTConfig overrides."""
    if (sft.get("max_steps") or -1) > 0:
        if not 1 <= more <= MAX_MORE_STEPS:
            raise ValueError(f"Extend by 1 to {MAX_MORE_STEPS:,} steps.")
        return {"max_steps": done_steps + more}
    if not 1 <= more <= MAX_MORE_EPOCHS:
        raise ValueError(f"Extend by 1 to {MAX_MORE_EPOCHS} epochs.")
    return {"num_train_epochs": sft.get("num_train_epochs", 1) + more}


def continuation_estimate(
    version_estimate: Decimal | None, planned_steps: int, from_step: int, new_steps: int
) -> Decimal | None:
    """The estimate's share for the steps still to run (the version's estimate is for its
    planned steps)."""
    if version_estimate is None or planned_steps <= 0:
        return None
    share = Decimal(max(new_steps - from_step, 0)) / Decimal(planned_steps)
    return (version_estimate * share).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Link:
    """One run of a chain, oldest first: its metrics and the step the next run went on from."""

    metrics: list[dict[str, Any]]
    resumed_from_step: int | None = None  # this run's own: where it went on from
    estimated_cost: Decimal | None = None
    actual_cost: Decimal | None = None
    minutes: float | None = None


def joined_metrics(chain: list[Link]) -> list[dict[str, Any]]:
    """The chain's curve: each run up to the step the next one resumed from, then the newest."""
    joined: list[dict[str, Any]] = []
    for link, after in zip(chain, [*chain[1:], None], strict=True):
        cut = after.resumed_from_step if after else None
        joined += [m for m in link.metrics if cut is None or m.get("step", 0) <= cut]
    return joined


def _total(values: Iterable[Decimal | None]) -> Decimal | None:
    known = [value for value in values if value is not None]
    return sum(known, Decimal(0)) if known else None


def chain_totals(chain: list[Link]) -> tuple[Decimal | None, Decimal | None, float | None]:
    """(estimated cost, actual cost, minutes) over the chain."""
    minutes = [link.minutes for link in chain if link.minutes is not None]
    return (
        _total(link.estimated_cost for link in chain),
        _total(link.actual_cost for link in chain),
        sum(minutes) if minutes else None,
    )


def chain_label(chain: list[Link]) -> str:
    """What the run card says of a chain ('' for a run on its own)."""
    if len(chain) < 2:
        return ""
    _, _, minutes = chain_totals(chain)
    took = f", {minutes:.1f} min in all" if minutes is not None else ""
    return f"Went on from step {chain[-1].resumed_from_step} · {len(chain)} runs{took}"
