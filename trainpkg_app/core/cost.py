"""Training time and cost, estimated before launch (the formula and inputs are shown).

tokens  = rows x train share x mean tokens per row x epochs   (or max steps x tokens a step)
compute = k x parameters x tokens          (k = 6 full fine-tune, 4 LoRA / QLoRA; +2 with
                                            gradient checkpointing, which reruns the forward)
hours   = compute / (GPUs x peak FLOP/s x MFU) / 3600 + overhead
cost    = price per hour x hours, billed by the minute
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from trainpkg_app.core.hardware import Flavor

K_FACTOR = {"full": 6, "lora": 4, "qlora": 4}
RECOMPUTE_K = 2  # gradient checkpointing runs each forward pass twice (2 x parameters a token)
MFU = {"full": 0.35, "lora": 0.3, "qlora": 0.2}
OVERHEAD_MINUTES = {"hf_space": 10, "hf_job": 5, "local": 2}  # build, download, eval, save


class RunEstimate(BaseModel):
    tokens: int
    hours: float
    cost_usd: float
    formula: str
    assumptions: list[str] = []


def training_tokens(
    *,
    rows: int,
    train_share: float,
    mean_tokens: float,
    epochs: int,
    max_steps: int | None,
    tokens_per_step: int,
) -> int:
    if max_steps:
        return max_steps * tokens_per_step
    return math.ceil(rows * train_share * mean_tokens * epochs)


def flop_factor(method: str, gradient_checkpointing: bool) -> int:
    return K_FACTOR[method] + (RECOMPUTE_K if gradient_checkpointing else 0)


def compute_seconds(
    *, parameters: int, tokens: int, method: str, gradient_checkpointing: bool, flavor: Flavor
) -> float:
    """The training compute alone: k x parameters x tokens at the flavor's peak x MFU."""
    flops = flop_factor(method, gradient_checkpointing) * parameters * tokens
    return flops / (flavor.gpus * flavor.tflops * 1e12 * MFU[method])


def estimate_run(
    *,
    parameters: int,
    tokens: int,
    method: str,
    gradient_checkpointing: bool,
    flavor: Flavor,
    target: str,
    assumptions: list[str] | None = None,
) -> RunEstimate | None:
    """None for a CPU flavor: fine-tuning a language model there is not estimated."""
    if not flavor.gpus or not flavor.tflops:
        return None
    k, mfu = flop_factor(method, gradient_checkpointing), MFU[method]
    flops = k * parameters * tokens
    seconds = compute_seconds(
        parameters=parameters,
        tokens=tokens,
        method=method,
        gradient_checkpointing=gradient_checkpointing,
        flavor=flavor,
    )
    overhead = OVERHEAD_MINUTES[target]
    minutes = math.ceil(seconds / 60 + overhead)
    hours = minutes / 60
    cost = round(flavor.usd_per_hour * hours, 2)
    recompute = (
        f" ({K_FACTOR[method]} + {RECOMPUTE_K}: gradient checkpointing reruns the forward pass)"
        if gradient_checkpointing
        else ""
    )
    formula = (
        f"{k}{recompute} x {parameters:,} params x {tokens:,} tokens = {flops:.2e} FLOP; "
        f"/ ({flavor.gpus} x {flavor.tflops:g} TFLOP/s x MFU {mfu}) = {seconds / 60:.1f} min "
        f"+ {overhead} min overhead = {minutes} min; x ${flavor.usd_per_hour:.2f}/h = ${cost:.2f}"
    )
    return RunEstimate(
        tokens=tokens,
        hours=round(hours, 2),
        cost_usd=cost,
        formula=formula,
        assumptions=assumptions or [],
    )


def usd(amount) -> str:
    """A cost for the UI: ``$1,234.50``, or an em dash when there is none."""
    return f"${amount:,.2f}" if amount is not None else "—"
