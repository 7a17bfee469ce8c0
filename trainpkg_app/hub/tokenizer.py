"""The chosen model's tokenizer, when it is in the local Hugging Face cache (never downloaded)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huggingface_hub import try_to_load_from_cache


def cached_token_counter(model_id: str) -> tuple[Callable[[str], int], str] | None:
    """(count, description) from the model's tokenizer.json, or None if it is not cached."""
    path = _cached_file(model_id, "tokenizer.json")
    if path is None:
        return None
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    return (lambda text: len(tokenizer.encode(text).ids)), f"{model_id}'s tokenizer"


def _cached_file(model_id: str, name: str) -> Path | None:
    """The model's file from its folder or the local cache, else None (nothing is fetched)."""
    if not model_id:
        return None
    local = Path(model_id).expanduser() / name
    try:
        path = local if local.is_file() else try_to_load_from_cache(model_id, name)
    except ValueError:  # neither a folder nor a valid Hub id
        return None
    return Path(path) if isinstance(path, str | Path) and Path(path).is_file() else None


_LOADED: dict[str, Any] = {}  # model id -> tokenizer, the latest few
_LOADING = threading.Lock()  # one import of transformers, one load at a time


def _load(model_id: str):
    try:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(model_id, local_files_only=True)
    except Exception:  # not cached, not a tokenizer, or no transformers: the approximation
        return None


def cached_tokenizer(model_id: str):
    """transformers' tokenizer of the model, from its folder or the local cache (never
    downloaded), as train.py loads it; None when it is not here (not remembered: it may come)."""
    if _cached_file(model_id, "tokenizer_config.json") is None:
        return None  # not here: no need to import transformers
    with _LOADING:
        if model_id not in _LOADED:
            tokenizer = _load(model_id)
            if tokenizer is None:
                return None
            while len(_LOADED) >= 4:
                _LOADED.pop(next(iter(_LOADED)))
            _LOADED[model_id] = tokenizer
        return _LOADED[model_id]


def warm_up(model_id: str) -> None:
    """Load the model's tokenizer (and import transformers) in a thread, so that the first
    preview does not wait for them (once: a loaded one is kept)."""
    if model_id in _LOADED:
        return
    threading.Thread(target=cached_tokenizer, args=(model_id,), daemon=True).start()
