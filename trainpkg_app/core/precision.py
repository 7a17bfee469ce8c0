"""The mixed precision that the hardware supports: bf16 needs Ampere or newer (not T4/V100,
which train in fp16); a CPU trains in fp32 (SFTConfig turns bf16 on by default, so both flags
are always written)."""

from __future__ import annotations

FP16_ONLY_GPUS = frozenset({"T4", "V100", "P100"})


def effective_precision(requested: str, gpu: str | None, known: bool = True) -> str:
    """``gpu`` None with ``known`` means a CPU; unknown hardware (this machine before it runs)
    keeps the request, and train.py checks again at start-up."""
    if not known:
        return requested
    if gpu is None:
        return "fp32"
    if requested == "bf16" and gpu in FP16_ONLY_GPUS:
        return "fp16"
    return requested


def precision_flags(precision: str) -> dict[str, bool]:
    return {"bf16": precision == "bf16", "fp16": precision == "fp16"}
