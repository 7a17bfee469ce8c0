"""Rules of Ship it that need no I/O: whether a merge fits the memory the machine has, and the
Hub repo a user may push to (``owner/name`` in their own account)."""

from __future__ import annotations

from typing import Annotated, Literal

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id
from pydantic import StringConstraints

from trainpkg_app.core.payloads import Payload

GB = 1024**3
MERGE_COPIES = 1.5  # the base's weights, the adapter folded in, and save_pretrained's buffers
MERGE_OVERHEAD_GB = 0.5  # torch, transformers and PEFT in the worker
WHAT = ("adapter", "merged")  # what a user ships: the run's model as trained, or merged


def merge_memory_gb(weight_bytes: int) -> float:
    """Memory a CPU merge needs: the base loaded at its stored dtype, plus headroom."""
    return weight_bytes * MERGE_COPIES / GB + MERGE_OVERHEAD_GB


def merge_refusal(weight_bytes: int | None, free_gb: float) -> str:
    """Why a merge is not started ('' when it fits, or when the base's size is unknown)."""
    if weight_bytes is None:
        return ""
    need = merge_memory_gb(weight_bytes)
    if need <= free_gb:
        return ""
    return (
        f"Not started: merging needs about {need:.1f} GB of memory (the base's weights "
        f"{weight_bytes / GB:.1f} GB x {MERGE_COPIES:g} + {MERGE_OVERHEAD_GB:g} GB) and this "
        f"machine has {free_gb:.1f} GB free. Close what uses memory (a Try it model, a run) and "
        "try again, or download the adapter and merge it on a bigger machine."
    )


def push_name_problem(repo_id: str, hub_user: str) -> str:
    """What is wrong with the repo a user names for a push ('' when it is fine)."""
    if repo_id.count("/") != 1:
        return f"Name the repo as owner/name, such as {hub_user or 'you'}/my-model."
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        return (
            "Not a valid Hub repo name: use owner/name with letters, digits, '-', '_' or '.' "
            "(no '--' or '..', at most 96 characters)."
        )
    owner = repo_id.split("/")[0]
    if hub_user and owner != hub_user:
        return f"Push into your own account: {hub_user}/{repo_id.split('/')[1]}."
    return ""


class PushForm(Payload):
    """The push form: the repo, what to push, and whether it is private (a checkbox: "on")."""

    repo_id: Annotated[str, StringConstraints(max_length=200)] = ""
    what: Literal["adapter", "merged"] = "adapter"
    private: Annotated[str, StringConstraints(max_length=8)] = ""
