"""Ended runs' curves, kept by this app process: an ended run's records never change, so
comparing it again (or redrawing its chart) skips reading and decoding them. Bounded by
ENDED_RECORDS records in all, the least recently used first out. Not in a Reflex state, which
would wrap each record in a change-tracking proxy on every read (and in Redis mode store them
all after every event); whose run it is is checked by the caller each time."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from trainpkg_app.core.curves import Curve

ENDED_RECORDS = 100_000  # ended runs' records kept, about 60 MB

_lock = threading.Lock()
_ended: OrderedDict[uuid.UUID, Curve] = OrderedDict()


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
