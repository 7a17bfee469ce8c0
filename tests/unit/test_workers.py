"""Which worker holds a lease (auto-save loop, run monitor), and whether it still lives (a dead
one's lease may be taken over)."""

import multiprocessing
import os
import socket
import subprocess
import sys
import time

from trainpkg_app.core.workers import this_worker, worker_alive


def test_this_worker_lives_and_an_ended_one_does_not():
    assert worker_alive(this_worker())
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # reaped: the pid is gone
    assert not worker_alive(f"{socket.gethostname()}:{ended.pid}")


def test_a_killed_worker_that_nobody_reaped_is_dead():
    """After a whole-app SIGKILL its workers can linger as zombies; kill(0) still answers."""
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while os.waitid(os.P_PID, zombie.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    try:
        os.kill(zombie.pid, 0)  # the trap: a zombie still "exists"
        assert not worker_alive(f"{socket.gethostname()}:{zombie.pid}")
    finally:
        zombie.wait()


def _report_worker(pipe) -> None:
    pipe.send((this_worker(), os.getpid()))


def test_each_forked_worker_names_itself():
    """The server imports the app, then forks its workers: each must name its own pid."""
    parent, child = multiprocessing.Pipe()
    worker = multiprocessing.get_context("fork").Process(target=_report_worker, args=(child,))
    worker.start()
    name, pid = parent.recv()
    worker.join()
    assert name == f"{socket.gethostname()}:{pid}" != this_worker()


def test_a_worker_on_another_machine_counts_as_alive():
    assert worker_alive("another-host:1")  # only the loop's heartbeat can tell there
