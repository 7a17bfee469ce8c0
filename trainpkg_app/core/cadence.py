"""How often a run logs, evaluates and saves, and how the warmup is named: written once here.

The cadence is a share of the run's real step count, which transformers turns into steps once
it knows them (a float below 1 in ``eval_steps``, ``save_steps`` and ``logging_steps`` is a ratio
of the total steps), so packing, which changes the number of rows, cannot throw it off.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

EVALS_PER_RUN = 12  # about 10-20 evaluations a run
LOGS_PER_RUN = 50  # a loss curve of about 50 points (every step on runs of 50 steps or fewer)
WARMUP_STEPS_RATIO_SINCE = (5, 15)  # transformers 5.15 removed warmup_ratio
LOCK_FILE = Path(__file__).parents[1] / "package" / "lock.toml"  # what packages install


def ratio(per_run: int) -> float:
    return round(1 / per_run, 4)


def steps_between(total_steps: int, per_run: int) -> int:
    """The interval transformers derives from a ratio: ceil(total x ratio), at least 1."""
    return max(1, math.ceil(total_steps * ratio(per_run)))


def planned_evaluations(total_steps: int) -> int:
    """Evaluations a run of ``total_steps`` makes with step evaluation."""
    return total_steps // steps_between(total_steps, EVALS_PER_RUN)


def cadence(eval_strategy: str, save_strategy: str, save_total_limit: int) -> dict[str, Any]:
    """Logging, evaluation and checkpoint arguments. With evaluation, checkpoints follow it and
    the best one (lowest eval_loss) is loaded at the end; train.py turns evaluation and
    load_best_model_at_end off when the data has no eval split."""
    every_share = ratio(EVALS_PER_RUN)
    args: dict[str, Any] = {
        "logging_strategy": "steps",
        "logging_steps": ratio(LOGS_PER_RUN),
        "eval_strategy": eval_strategy,
        "save_strategy": save_strategy if eval_strategy == "no" else eval_strategy,
        "save_total_limit": save_total_limit,
    }
    if eval_strategy == "steps":
        args["eval_steps"] = every_share
    if args["save_strategy"] == "steps":
        args["save_steps"] = every_share
    if eval_strategy != "no":
        args |= {
            "load_best_model_at_end": True,
            "metric_for_best_model": "eval_loss",
            "greater_is_better": False,
        }
    return args


def _version(text: str) -> tuple[int, int]:
    major, minor, *_ = (
        int("".join(c for c in part if c.isdigit()) or 0) for part in text.split(".")
    )
    return major, minor


def warmup_arguments(warmup_ratio: float, transformers_version: str) -> dict[str, float]:
    """The warmup share as the pinned transformers names it: ``warmup_steps`` below 1 is a ratio
    from 5.15 on (``warmup_ratio`` was removed there); ``warmup_ratio`` before."""
    if _version(transformers_version) >= WARMUP_STEPS_RATIO_SINCE:
        return {"warmup_steps": warmup_ratio}
    return {"warmup_ratio": warmup_ratio}


@cache
def pinned_transformers() -> str:
    """The transformers version every package installs (package/lock.toml)."""
    return tomllib.loads(LOCK_FILE.read_text())["libraries"]["transformers"]
