"""What the model sees: rows rendered with the chosen chat template and tokenized as train.py
tokenizes them (core/chat_format.py), the loss-carrying tokens marked. Pure: the tokenizer is
passed in (transformers' API); without one, a labelled approximation."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from trainpkg_app.core.chat_format import TEMPLATES, encode, resolve_template
from trainpkg_app.core.dataset_formats import CHAT_FORMATS, Detected, trl_row
from trainpkg_app.core.dataset_stats import approximate_tokens

MODEL_TEMPLATE = "uses the model's chat template"
PREVIEW_ROWS = 3


def with_template(
    tokenizer, choice: str, architecture: str | None, chats: bool = True
) -> tuple[Any, str]:
    """The tokenizer as train.py sets it up, and which template it uses, in words."""
    if tokenizer.chat_template:
        return tokenizer, MODEL_TEMPLATE
    key = resolve_template(choice, architecture, chats)
    chosen = copy.copy(tokenizer)  # the cached tokenizer stays as the model ships it
    chosen.chat_template = TEMPLATES[key][1] if key else None
    if key is None:
        return chosen, "no chat template: plain prompt and completion"
    return chosen, f"the model has no chat template: {TEMPLATES[key][0]} is applied"


def segments(tokenizer, ids: Sequence[int], mask: Sequence[int]) -> list[dict[str, str]]:
    """Runs of tokens that do or do not carry the loss, decoded with their special tokens."""
    runs: list[tuple[int, list[int]]] = []
    for token, keep in zip(ids, mask, strict=True):
        if runs and runs[-1][0] == keep:
            runs[-1][1].append(token)
        else:
            runs.append((keep, [token]))
    return [
        {"text": tokenizer.decode(part, skip_special_tokens=False), "loss": "yes" if keep else ""}
        for keep, part in runs
    ]


def preview_row(tokenizer, row: dict, answers_only: bool) -> dict[str, Any]:
    ids, mask = encode(tokenizer, row, answers_only)
    return {"segments": segments(tokenizer, ids, mask), "tokens": len(ids), "loss": sum(mask)}


def approximate_row(row: dict) -> dict[str, Any]:
    """No tokenizer here: the row's parts, the answers marked, lengths approximated."""
    if "messages" in row:
        parts = [
            part
            for t in row["messages"]
            for part in ((f"{t['role']}: ", False), (f"{t['content']}\n", t["role"] == "assistant"))
        ]
    elif "prompt" in row:
        prompt, completion = row["prompt"], row["completion"]
        if isinstance(prompt, list):
            prompt, completion = prompt[0]["content"] + "\n", completion[0]["content"]
        parts = [(prompt, False), (completion, True)]
    else:
        parts = [(row["text"], True)]
    return {
        "segments": [{"text": text, "loss": "yes" if loss else ""} for text, loss in parts],
        "tokens": sum(approximate_tokens(text) for text, _ in parts),
        "loss": sum(approximate_tokens(text) for text, loss in parts if loss),
    }


def template_failure(tokenizer, rows: Sequence[dict]) -> str | None:
    """The first conversation the chat template refuses (a role order it does not accept)."""
    for number, row in enumerate(rows, start=1):
        messages = row.get("messages") or (
            row["prompt"] + row["completion"]
            if "prompt" in row and isinstance(row["prompt"], list)
            else None
        )
        if messages is None:
            continue
        try:
            tokenizer.apply_chat_template(messages, tokenize=False)
        except Exception as error:  # jinja's raise_exception, or a template bug
            return (
                f"row {number}: the chat template refuses it ({error}); reorder the turns "
                "(most templates want user and assistant turns alternating, user first)."
            )
    return None


def token_lengths(tokenizer, rows: Sequence[dict]) -> list[int]:
    """The token count of each row, as train.py tokenizes it (approximated without one)."""
    if tokenizer is None:
        return [approximate_row(row)["tokens"] for row in rows]
    return [len(encode(tokenizer, row, answers_only=False)[0]) for row in rows]


class PreviewSettings(BaseModel):
    """What the preview depends on, from the draft's forms."""

    model_id: str = ""
    architecture: str | None = None
    chat_template: str = "family"
    answers_only: bool = True
    max_seq_length: int = 1024

    @classmethod
    def of_forms(cls, forms: dict[str, dict[str, str]]) -> PreviewSettings:
        """From the draft's forms as typed (unparsable values: defaults)."""
        max_seq = forms["config"].get("max_seq_length", "")
        return cls(
            model_id=forms["model"].get("model_id", ""),
            architecture=forms["model"].get("architecture") or None,
            chat_template=forms["dataset"].get("chat_template") or "family",
            answers_only=forms["config"].get("train_on", "answers") != "all",
            max_seq_length=int(max_seq) if max_seq.isdigit() else 1024,
        )


def model_rows(tokenizer, rows: Sequence[dict], detected: Detected, settings: PreviewSettings):
    """(tokenizer as train.py sets it up, its template in words, the rows in TRL's format);
    a tokenizer of None keeps the approximation."""
    if tokenizer is None:
        described = "the model's tokenizer is not here: the template is applied at training"
        return None, described, [trl_row(row, detected, True) for row in rows]
    chats = detected.format in CHAT_FORMATS
    tokenizer, described = with_template(
        tokenizer, settings.chat_template, settings.architecture, chats
    )
    conversational = tokenizer.chat_template is not None
    return tokenizer, described, [trl_row(row, detected, conversational) for row in rows]


def refusal(tokenizer, trl_rows: Sequence[dict]) -> str | None:
    """Why the rows cannot train with this template (a chat file needs one), or None."""
    if tokenizer is None:
        return None
    if tokenizer.chat_template is None and any("messages" in row for row in trl_rows):
        return "a chat file needs a chat template; choose one in the Dataset step."
    return template_failure(tokenizer, trl_rows)


def first_rows(tokenizer, trl_rows: Sequence[dict], answers_only: bool) -> list[dict]:
    rows = trl_rows[:PREVIEW_ROWS]
    if tokenizer is None:
        return [approximate_row(row) for row in rows]
    return [preview_row(tokenizer, row, answers_only) for row in rows]
