"""The curves of the runs a tab compares, held in this app process between its redraws (a
Reflex state would wrap each record in a change-tracking proxy on every read, and in Redis
mode store them all after every event). Bounded: the least recently used go first; a redraw
that finds none (another worker, an evicted one) reads the runs again.

An ended run's curve never changes: it is kept too (up to ENDED_RECORDS records in all), so
comparing it again skips reading and decoding its records; whose it is is checked each time."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from trainpkg_app.core.curves import Curve

HELD = 8  # compares; 8 runs of 10,000 steps each take about 50 MB
ENDED_RECORDS = 100_000  # ended runs' records kept, about 60 MB

_lock = threading.Lock()
_held: OrderedDict[str, list[Curve]] = OrderedDict()
_ended: OrderedDict[uuid.UUID, Curve] = OrderedDict()


def hold(curves: list[Curve]) -> str:
    """Keep the curves; returns the key to find them by."""
    key = uuid.uuid4().hex
    with _lock:
        _held[key] = curves
        while len(_held) > HELD:
            _held.popitem(last=False)
    return key


def held(key: str) -> list[Curve] | None:
    with _lock:
        curves = _held.get(key)
        if curves is not None:
            _held.move_to_end(key)
        return curves


def let_go(key: str) -> None:
    with _lock:
        _held.pop(key, None)


def ended_curve(run_id: uuid.UUID) -> Curve | None:
    """An ended run's whole curve (its chain's), if this process kept it."""
    with _lock:
        curve = _ended.get(run_id)
        if curve is not None:
            _ended.move_to_end(run_id)
        return curve


def keep_ended(run_id: uuid.UUID, curve: Curve) -> None:
    with _lock:
        _ended[run_id] = curve
        while len(_ended) > 1 and sum(len(c.records) for c in _ended.values()) > ENDED_RECORDS:
            _ended.popitem(last=False)


def forget_ended() -> None:
    """Keep no ended run's curve (what a new app process starts with)."""
    with _lock:
        _ended.clear()
