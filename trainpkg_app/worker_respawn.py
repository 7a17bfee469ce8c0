"""Replace a crashed backend worker instead of stopping the app.

Reflex 0.10 starts Granian without ``respawn_failed_workers``, so with several workers one crash
(an out-of-memory kill, say) stops every worker and ends every session. Reflex imports this app
in Granian's supervisor before it builds the server, so setting the default here makes the
supervisor start a fresh worker; sessions reconnect to it and find their state in Redis. Checked
by tests/scaled (every killed worker comes back)."""

from __future__ import annotations

import functools
import threading


class _Deaths(list):
    """Granian's list of dead workers, made safe for deaths that arrive together.

    Granian 2.8's supervisor copies the list, then clears it, then clears its wake-up event,
    while each worker's watcher thread appends and sets the event: a death between the copy
    and the clear was dropped, one after it waited for the next wake-up. Here ``clear`` drops
    only what the last read saw, and the supervisor is woken again while some are left."""

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self._seen = 0

    def append(self, idx) -> None:
        with self._lock:
            super().append(idx)

    def __iter__(self):
        with self._lock:
            seen = list(super().__iter__())
            self._seen = len(seen)
        return iter(seen)

    def clear(self) -> None:
        with self._lock:
            del self[: self._seen]
            self._seen = 0


def enable_worker_respawn() -> None:
    try:
        from granian.server.common import AbstractServer
    except ImportError:  # another server runs the app
        return
    original = AbstractServer.__init__
    if getattr(original, "_trainpkg_respawn", False):
        return
    respawn = AbstractServer._respawn_workers

    @functools.wraps(original)
    def init(self, *args, **kwargs):
        kwargs.setdefault("respawn_failed_workers", True)
        original(self, *args, **kwargs)
        self.interrupt_children = _Deaths()

    @functools.wraps(respawn)
    def respawn_then_wake(self, *args, **kwargs):
        respawn(self, *args, **kwargs)
        if self.interrupt_children:  # died while the others were being replaced
            self.main_loop_interrupt.set()

    init._trainpkg_respawn = True
    AbstractServer.__init__ = init
    AbstractServer._respawn_workers = respawn_then_wake
