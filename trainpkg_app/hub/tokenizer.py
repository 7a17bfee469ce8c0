"""The chosen model's tokenizer, when it is in the local Hugging Face cache (never downloaded)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huggingface_hub import try_to_load_from_cache


def cached_token_counter(model_id: str) -> tuple[Callable[[str], int], str] | None:
    """(count, description) from the model's tokenizer.json, or None if it is not cached."""
    if not model_id:
        return None
    local = Path(model_id).expanduser() / "tokenizer.json"
    path = local if local.is_file() else try_to_load_from_cache(model_id, "tokenizer.json")
    if not isinstance(path, str | Path) or not Path(path).is_file():
        return None
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    return (lambda text: len(tokenizer.encode(text).ids)), f"{model_id}'s tokenizer"
