"""The training package's data path: its datasets as one table in TRL's own formats, the chat
template a model without one gets, and what "Train on" makes of the rows. Copied beside
train.py (with formats.py and chat_format.py) by the package builder."""

from __future__ import annotations

from pathlib import Path

from chat_format import TEMPLATES, encode, has_generation_markers, labels_of, resolve_template
from formats import CHAT_FORMATS, Detected, trl_row


def load_rows(spec: dict, conversational: bool, package: Path):
    """All datasets as one table in TRL's own format (core/dataset_formats.py trl_row); uploads
    lie in the package folder's data/."""
    from datasets import concatenate_datasets, load_dataset

    parts = []
    for ref in spec["dataset"]["datasets"]:
        if ref.get("source") == "upload":
            path = package / "data" / Path(ref["path"]).name
            kind = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}[
                path.suffix
            ]
            table = load_dataset(kind, data_files=str(path), split="train")
        else:
            table = load_dataset(
                ref["dataset_id"],
                ref.get("config"),
                split=ref.get("split", "train"),
                revision=ref.get("revision"),
            )
        detected = Detected(
            format=ref.get("format") or "text", mapping=ref.get("mapping") or {"text": "text"}
        )
        parts.append(
            table.map(
                lambda row, d=detected: trl_row(row, d, conversational),
                remove_columns=table.column_names,
            )
        )
    return concatenate_datasets(same_shape(parts))


def same_shape(parts: list) -> list:
    """Chat files mixed with prompt/completion ones: all become conversations (the completion
    is the assistant's turn). Plain text cannot mix with either."""
    shapes = {tuple(sorted(part.column_names)) for part in parts}
    if len(shapes) == 1:
        return parts
    if ("text",) in shapes:
        raise SystemExit("Plain-text datasets cannot be mixed with chat or prompt datasets.")
    if ("messages",) in shapes and ("completion", "prompt") in shapes:
        return [
            part
            if "messages" in part.column_names
            else part.map(
                lambda row: {"messages": row["prompt"] + row["completion"]},
                remove_columns=["prompt", "completion"],
            )
            for part in parts
        ]
    raise SystemExit("These datasets need a chat template to be mixed: choose one.")


def chat_template(spec: dict, tokenizer) -> str | None:
    """The model's own chat template; else the one chosen in the Dataset step, set on the
    tokenizer so that the saved tokenizer chats in the format it was trained on."""
    if not tokenizer.chat_template:
        choice = spec["dataset"].get("chat_template") or "family"
        chats = any(ref.get("format") in CHAT_FORMATS for ref in spec["dataset"]["datasets"])
        key = resolve_template(choice, spec["model"].get("architecture"), chats)
        tokenizer.chat_template = TEMPLATES[key][1] if key else None
    return tokenizer.chat_template


def answers_only_rows(rows, tokenizer, answers_only: bool):
    """TRL's loss switches for "Train on", and the rows it gets: a conversation whose template
    has no generation markers comes tokenized, with labels -100 outside the answers."""
    columns = rows.column_names
    if "messages" not in columns:
        return ({"completion_only_loss": answers_only} if "prompt" in columns else {}), rows
    if not answers_only or has_generation_markers(tokenizer.chat_template):
        return {"assistant_only_loss": answers_only}, rows

    def tokenized(row):
        ids, mask = encode(tokenizer, row, answers_only=True)
        return {"input_ids": ids, "labels": labels_of(ids, mask)}

    return {}, rows.map(tokenized, remove_columns=columns)
