"""The curves of the runs a tab compares, held in this app process between its redraws (a
Reflex state would wrap each record in a change-tracking proxy on every read, and in Redis
mode store them all after every event). Bounded: the least recently used go first; a redraw
that finds none (another worker, an evicted one) reads the runs again."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from trainpkg_app.core.curves import Curve

HELD = 8  # compares; 8 runs of 10,000 steps each take about 50 MB

_lock = threading.Lock()
_held: OrderedDict[str, list[Curve]] = OrderedDict()


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
