"""The run queue's rules, without I/O: which queued entries may start now (per-target
concurrency, each owner's order within a target), why the others wait, and reordering."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from trainpkg_app.core.vocabulary import TARGET_LABELS, DeploymentTarget

LOCAL = DeploymentTarget.LOCAL.value
RETRY_S = 30.0  # an entry its start refused (budget, cap, validation) is tried again after this


@dataclass(frozen=True)
class Waiting:
    """A queued entry as the rules see it."""

    entry_id: str
    owner_id: str
    target: str
    position: int
    created_at: datetime
    refused_at: datetime | None = None  # when its last start was refused (None: never)


@dataclass(frozen=True)
class Plan:
    """What one pass of the queue does: the entries to start, in order, and why the others
    wait (entry id -> reason)."""

    start: list[str]
    wait: dict[str, str]


def target_label(target: str) -> str:
    return TARGET_LABELS.get(target, (target, ""))[0]


def busy_reason(target: str, limit: int) -> str:
    if target == LOCAL:
        runs = "one run" if limit == 1 else f"{limit} runs"
        return f"Waiting: this machine trains {runs} at a time, and it is busy."
    if limit == 1:
        return f"Waiting: your run on {target_label(target)} must end first (one at a time)."
    where = target_label(target)
    return f"Waiting: {limit} of your runs are on {where} already ({limit} at a time)."


def _slot_key(entry: Waiting) -> tuple[str, str]:
    """Whose slots an entry uses: this machine's are shared by everyone, a Hub target's are
    each owner's own (their Hub account)."""
    return (entry.target, "" if entry.target == LOCAL else entry.owner_id)


def _in_turn(queued: Sequence[Waiting]) -> list[Waiting]:
    """Each owner's entries by position; owners interleaved by when their entries came."""
    ordered = sorted(queued, key=lambda e: (e.owner_id, e.position, e.created_at, e.entry_id))
    by_owner: dict[str, list[Waiting]] = {}
    for entry in ordered:
        by_owner.setdefault(entry.owner_id, []).append(entry)
    turn = []
    for owner_entries in by_owner.values():
        stamps = sorted(e.created_at for e in owner_entries)
        turn += [(stamp, entry) for stamp, entry in zip(stamps, owner_entries, strict=True)]
    return [entry for _, entry in sorted(turn, key=lambda pair: (pair[0], pair[1].entry_id))]


def plan(
    queued: Sequence[Waiting],
    active: Mapping[tuple[str, str], int],
    limits: Mapping[str, int],
    now: datetime,
    retry_s: float = RETRY_S,
) -> Plan:
    """Which entries start now. ``active`` counts the runs in progress per slot key (target,
    and owner for a Hub target), ``limits`` the runs a target takes at a time. An entry whose
    start was refused less than ``retry_s`` ago keeps its reason and gives way to the next."""
    used, start, wait = dict(active), [], {}
    for entry in _in_turn(queued):
        if entry.refused_at and (now - entry.refused_at).total_seconds() < retry_s:
            continue  # its refusal's reason stays on it
        key, limit = _slot_key(entry), limits.get(entry.target, 1)
        if used.get(key, 0) >= limit:
            wait[entry.entry_id] = busy_reason(entry.target, limit)
            continue
        used[key] = used.get(key, 0) + 1
        start.append(entry.entry_id)
    return Plan(start=start, wait=wait)


def moved(order: Sequence[str], entry_id: str, delta: int) -> list[str]:
    """The order with the entry moved ``delta`` places (negative: towards the front), kept
    within the queue; an unknown entry leaves it as it was."""
    order = list(order)
    if entry_id not in order:
        return order
    index = order.index(entry_id)
    order.pop(index)
    order.insert(max(0, min(len(order), index + delta)), entry_id)
    return order
