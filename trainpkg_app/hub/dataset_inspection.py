"""Rows as the model sees them: the model's own tokenizer (from the Hub cache) and chat template
applied as train.py applies them, for the dataset step's preview and token statistics."""

from __future__ import annotations

from trainpkg_app.core.dataset_formats import Detected
from trainpkg_app.core.dataset_preview import (
    PreviewSettings,
    first_rows,
    model_rows,
    refusal,
    token_lengths,
)
from trainpkg_app.core.dataset_stats import APPROXIMATION, length_stats
from trainpkg_app.hub.tokenizer import cached_tokenizer

SAMPLE_ROWS = 200  # rows whose mean length goes into the dataset reference (the cost estimate)


def count_method(tokenizer, settings: PreviewSettings) -> str:
    return f"{settings.model_id}'s tokenizer" if tokenizer is not None else APPROXIMATION


def model_view(rows: list[dict], detected: Detected, settings: PreviewSettings) -> tuple:
    """(tokenizer set up as train.py sets it up, its template in words, the rows in TRL's
    format, why the template refuses one of them or None)."""
    tokenizer = cached_tokenizer(settings.model_id)
    tokenizer, described, trl_rows = model_rows(tokenizer, rows, detected, settings)
    return tokenizer, described, trl_rows, refusal(tokenizer, trl_rows)


def inspect_rows(
    rows: list[dict], detected: Detected, settings: PreviewSettings, *, every_row: bool = False
) -> dict:
    """The first rows as the model sees them, or why the template refuses a row; with
    ``every_row``, the token statistics of all of them too (a Hub dataset's first rows)."""
    tokenizer, described, trl_rows, problem = model_view(rows, detected, settings)
    if problem:
        return {"problem": problem}
    lengths = token_lengths(tokenizer, trl_rows if every_row else trl_rows[:SAMPLE_ROWS])
    inspected = {
        "preview": first_rows(tokenizer, trl_rows, settings.answers_only),
        "template": described,
        "mean_tokens": round(sum(lengths) / len(lengths), 1),
    }
    if every_row:
        stats = length_stats(lengths, settings.max_seq_length, count_method(tokenizer, settings))
        inspected["stats"] = stats.model_dump()
    return inspected
