"""Which worker process this is, and whether another one still lives: the leases of auto-save
loops and run monitors name their worker so a dead one's lease can be taken over."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def this_worker() -> str:
    """host:pid, read when asked: a constant set at import would name the process that
    imported the app before the server forked its workers, the same for all of them."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive(worker: str) -> bool:
    """False when the worker is known dead (a process of this host that is gone)."""
    if worker == this_worker():  # the usual case, and no /proc read (slow under load)
        return True
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: only the lease's heartbeat can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not _is_zombie(int(pid))


def _is_zombie(pid: int) -> bool:
    """A killed worker nobody reaped yet (its supervisor died too) still answers kill(0)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no such process, or no /proc (macOS): kill(0) had the last word
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def lease_held(since: float, worker: str, ttl_s: float, now: float) -> bool:
    """A lease taken at ``since`` by ``worker`` still holds: it is younger than ``ttl_s`` and its
    worker lives (a dead worker's lease is free at once, a silent one's once it lapses)."""
    return now - since < ttl_s and worker_alive(worker)


def start_pending(
    asked_by: str, asked_at: float, connection: str, ttl_s: float, now: float
) -> bool:
    """This connection was sent a start event less than ``ttl_s`` ago: wait for it rather than
    send another (one that never came back, after a reload, is asked again once it lapses)."""
    return asked_by == connection and now - asked_at < ttl_s
