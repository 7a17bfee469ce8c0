"""Dataset formats: detect them from the columns, check the rows, and turn a row into TRL's own
format (copied beside train.py as formats.py, so no app imports)."""

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


CHAT_FORMATS = {Format.CHAT, Format.SHAREGPT}  # rows that are conversations

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


SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "system": "system", "tool": "tool"}
ROLES = ("system", "user", "assistant", "tool")


def messages_of(row: dict[str, Any], detected: Detected) -> list[dict[str, str]] | None:
    """A chat row's turns as TRL's conversational "messages" (ShareGPT roles renamed)."""
    column = detected.mapping
    if detected.format == Format.CHAT:
        turns = row[column["messages"]]
        return [{"role": t.get("role"), "content": t.get("content")} for t in turns]
    if detected.format == Format.SHAREGPT:
        turns = row[column["conversations"]]
        return [
            {"role": SHAREGPT_ROLES.get(t.get("from"), t.get("from")), "content": t.get("value")}
            for t in turns
        ]
    return None


def _alpaca_prompt(row: dict[str, Any], column: dict[str, str]) -> str:
    extra = row.get(column["input"], "") if column.get("input") else ""
    return f"{row[column['instruction']]}\n\n{extra}" if extra else str(row[column["instruction"]])


def trl_row(row: dict[str, Any], detected: Detected, conversational: bool) -> dict[str, Any]:
    """One row in TRL's own format, never pre-rendered: chat rows as "messages"; Alpaca and
    prompt/completion as "prompt"/"completion" (message lists when the model has a chat
    template, plain strings otherwise); plain text as "text"."""
    column = detected.mapping
    messages = messages_of(row, detected)
    if messages is not None:
        return {"messages": messages}
    if detected.format == Format.TEXT:
        return {"text": str(row[column["text"]])}
    if detected.format == Format.ALPACA:
        prompt, completion = _alpaca_prompt(row, column), str(row[column["output"]])
        if not conversational:
            prompt = f"### Instruction:\n{prompt}\n\n### Response:\n"
    elif detected.format == Format.PROMPT_COMPLETION:
        prompt, completion = str(row[column["prompt"]]), str(row[column["completion"]])
    else:
        raise ValueError("map the columns before training")
    if conversational:
        return {
            "prompt": [{"role": "user", "content": prompt}],
            "completion": [{"role": "assistant", "content": completion}],
        }
    return {"prompt": prompt, "completion": completion}


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
        problem = turns and conversation_problem(messages_of(row, detected))
        if problem:
            return f"row {number}: {problem}"
    return None


def conversation_problem(messages: Any) -> str | None:
    """Why a conversation cannot be trained on, with the fix; None when it can."""
    if not isinstance(messages, list) or not messages:
        return "the conversation is empty; give it a list of turns."
    for number, turn in enumerate(messages, start=1):
        role = turn.get("role") if isinstance(turn, dict) else None
        if role not in ROLES:
            return f"turn {number} has the unknown role {role!r}; use one of {', '.join(ROLES)}."
        content = turn.get("content")
        if not isinstance(content, str) or not content.strip():
            return f"turn {number} ({role}) has no content; write its text or drop the turn."
    if not any(turn["role"] == "assistant" for turn in messages):
        return "it has no assistant turn, so there is no answer to learn; add one."
    return None
