"""Dataset formats: detect them from the columns, and render a row the way training sees it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class Format(StrEnum):
    CHAT = "chat"  # messages: [{role, content}] (OpenAI style)
    SHAREGPT = "sharegpt"  # conversations: [{from, value}]
    ALPACA = "alpaca"  # instruction, input (optional), output
    PROMPT_COMPLETION = "prompt_completion"
    TEXT = "text"
    UNKNOWN = "unknown"


FORMAT_LABELS = {
    Format.CHAT: "Chat messages (OpenAI style)",
    Format.SHAREGPT: "Chat conversations (ShareGPT style)",
    Format.ALPACA: "Instruction / input / output (Alpaca)",
    Format.PROMPT_COMPLETION: "Prompt / completion",
    Format.TEXT: "Plain text",
    Format.UNKNOWN: "Not recognised: map the columns",
}
# The fields each mappable format needs (optional ones in OPTIONAL_FIELDS).
REQUIRED_FIELDS = {
    Format.ALPACA: ("instruction", "output"),
    Format.PROMPT_COMPLETION: ("prompt", "completion"),
    Format.TEXT: ("text",),
}
OPTIONAL_FIELDS = {Format.ALPACA: ("input",)}


class Detected(BaseModel):
    format: Format
    mapping: dict[str, str] = {}  # format field -> column


def _is_turns(value: Any, keys: tuple[str, str]) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(turn, dict) and keys[0] in turn and keys[1] in turn for turn in value)
    )


def detect_format(columns: Sequence[str], sample: Sequence[dict[str, Any]]) -> Detected:
    """Recognise the common layouts from the column names and a few rows."""
    present = set(columns)
    if (
        "messages" in present
        and sample
        and all(_is_turns(r.get("messages"), ("role", "content")) for r in sample)
    ):
        return Detected(format=Format.CHAT, mapping={"messages": "messages"})
    if (
        "conversations" in present
        and sample
        and all(_is_turns(r.get("conversations"), ("from", "value")) for r in sample)
    ):
        return Detected(format=Format.SHAREGPT, mapping={"conversations": "conversations"})
    for kind in (Format.ALPACA, Format.PROMPT_COMPLETION, Format.TEXT):
        if set(REQUIRED_FIELDS[kind]) <= present:
            fields = REQUIRED_FIELDS[kind] + OPTIONAL_FIELDS.get(kind, ())
            return Detected(format=kind, mapping={f: f for f in fields if f in present})
    return Detected(format=Format.UNKNOWN)


def missing_columns(detected: Detected, columns: Sequence[str]) -> list[str]:
    """Columns a (user-chosen) mapping needs that the file does not have."""
    needed = REQUIRED_FIELDS.get(detected.format, ())
    return [
        f"{field} → {detected.mapping.get(field) or '(none chosen)'}"
        for field in needed
        if detected.mapping.get(field) not in columns
    ]


def render_example(row: dict[str, Any], detected: Detected) -> str:
    """The text the trainer builds from one row (a plain, readable chat template)."""
    column = detected.mapping
    if detected.format == Format.CHAT:
        return "\n".join(f"<|{t['role']}|>\n{t['content']}" for t in row[column["messages"]])
    if detected.format == Format.SHAREGPT:
        roles = {"human": "user", "gpt": "assistant"}
        return "\n".join(
            f"<|{roles.get(t['from'], t['from'])}|>\n{t['value']}"
            for t in row[column["conversations"]]
        )
    if detected.format == Format.ALPACA:
        extra = row.get(column.get("input", ""), "") if column.get("input") else ""
        parts = [f"### Instruction:\n{row[column['instruction']]}"]
        if extra:
            parts.append(f"### Input:\n{extra}")
        parts.append(f"### Response:\n{row[column['output']]}")
        return "\n\n".join(parts)
    if detected.format == Format.PROMPT_COMPLETION:
        return f"{row[column['prompt']]}{row[column['completion']]}"
    if detected.format == Format.TEXT:
        return str(row[column["text"]])
    raise ValueError("map the columns before rendering")


def first_bad_row(rows: Sequence[dict[str, Any]], detected: Detected) -> str | None:
    """The first row the format cannot use, said precisely; None when every row is usable."""
    needed = [detected.mapping.get(f, f) for f in REQUIRED_FIELDS.get(detected.format, ())]
    turns = {
        Format.CHAT: ("messages", ("role", "content")),
        Format.SHAREGPT: ("conversations", ("from", "value")),
    }.get(detected.format)
    for number, row in enumerate(rows, start=1):
        for column in needed:
            if row.get(column) in (None, ""):
                label = FORMAT_LABELS[detected.format]
                return f"row {number}: no value in column '{column}', which {label} needs."
        if turns and not _is_turns(row.get(turns[0]), turns[1]):
            return (
                f"row {number}: '{turns[0]}' must be a list of turns with "
                f"'{turns[1][0]}' and '{turns[1][1]}'."
            )
    return None
