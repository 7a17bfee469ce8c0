"""Throughput switches and the rule that keeps packed examples apart.

With transformers 5, packed rows are kept apart by their ``position_ids``: TRL's bfd packing
restarts them at 0 for each row and drops the attention mask (padding-free), and sdpa, eager and
flash attention then attend within each row only (tests/integration/test_packing_separation.py
proves it for sdpa and eager). TRL's ``wrapped`` strategy cuts rows mid-sequence and keeps one
mask over the whole block, so its rows attend to each other: it is refused.
"""

from __future__ import annotations

from typing import Literal

AttentionImplementation = Literal[
    "sdpa", "eager", "flash_attention_2", "kernels-community/flash-attn2"
]
PackingStrategy = Literal["bfd", "bfd_split", "wrapped"]
ATTENTION_LABELS: dict[str, str] = {
    "sdpa": "SDPA (PyTorch, default)",
    "eager": "Eager",
    "flash_attention_2": "Flash Attention 2 (GPU, flash-attn installed)",
    "kernels-community/flash-attn2": "Flash Attention 2 from the Hub (GPU, kernels installed)",
}
PACKING_LABELS: dict[str, str] = {
    "bfd": "Best-fit decreasing (truncates long rows)",
    "bfd_split": "Best-fit decreasing, long rows split",
    "wrapped": "Wrapped (rows attend to each other: refused)",
}
# Attention implementations that the GPU-only fallback in train.py replaces by sdpa on a CPU.
GPU_ONLY_ATTENTION = ("flash_attention_2", "kernels-community/flash-attn2")
# Strategies whose packed rows start their position_ids at 0 (TRL turns padding-free on).
SEPARATING_STRATEGIES = ("bfd", "bfd_split")


def packing_problem(packing: bool, strategy: str) -> str:
    """Why this packing would let examples attend to each other, or ''."""
    if packing and strategy not in SEPARATING_STRATEGIES:
        return (
            f"{strategy!r} packing lets packed examples attend to each other (one attention "
            "mask over the block): choose best-fit decreasing (bfd), which keeps them apart."
        )
    return ""


def padding_free(packing: bool, strategy: str) -> bool:
    """Batches without padding: TRL's bfd packing flattens rows and separates them by position."""
    return packing and strategy in SEPARATING_STRATEGIES
