"""Replace a crashed backend worker instead of stopping the app.

Reflex 0.10 starts Granian without ``respawn_failed_workers``, so with several workers one crash
(an out-of-memory kill, say) stops every worker and ends every session. Reflex imports this app
in Granian's supervisor before it builds the server, so setting the default here makes the
supervisor start a fresh worker; sessions reconnect to it and find their state in Redis. Checked
by tests/scaled (a killed worker comes back)."""

from __future__ import annotations

import functools


def enable_worker_respawn() -> None:
    try:
        from granian.server.common import AbstractServer
    except ImportError:  # another server runs the app
        return
    original = AbstractServer.__init__
    if getattr(original, "_trainpkg_respawn", False):
        return

    @functools.wraps(original)
    def init(self, *args, **kwargs):
        kwargs.setdefault("respawn_failed_workers", True)
        original(self, *args, **kwargs)

    init._trainpkg_respawn = True
    AbstractServer.__init__ = init
