"""Rows and token-length statistics of a dataset, as the training will tokenise it."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence

from pydantic import BaseModel

CHARS_PER_TOKEN = 4
APPROXIMATION = f"approximate: {CHARS_PER_TOKEN} characters per token (no tokenizer available)"


class TokenStats(BaseModel):
    rows: int
    min: int
    mean: float
    p95: int
    max: int
    over_max: int
    max_seq_length: int
    method: str  # which tokenizer, or the approximation


def approximate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def token_stats(
    texts: Sequence[str],
    *,
    max_seq_length: int,
    count: Callable[[str], int] | None = None,
    method: str = APPROXIMATION,
) -> TokenStats:
    lengths = [(count or approximate_tokens)(text) for text in texts]
    return length_stats(lengths, max_seq_length, method if count else APPROXIMATION)


def length_stats(lengths: Sequence[int], max_seq_length: int, method: str) -> TokenStats:
    lengths = sorted(lengths)
    p95_index = max(math.ceil(len(lengths) * 0.95) - 1, 0)
    return TokenStats(
        rows=len(lengths),
        min=lengths[0],
        mean=round(statistics.fmean(lengths), 1),
        p95=lengths[p95_index],
        max=lengths[-1],
        over_max=sum(length > max_seq_length for length in lengths),
        max_seq_length=max_seq_length,
        method=method,
    )
