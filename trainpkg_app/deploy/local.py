"""Run a package folder on this machine: a subprocess (no shell) in its own process group."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from trainpkg_app.core.hardware import launch_command
from trainpkg_app.core.metric_records import parse_lines

LOG_FILE, METRICS_FILE, SUMMARY_FILE = "train.log", "metrics.jsonl", "summary.json"


def launch_env(num_gpus: int, env: dict[str, str] | None = None) -> dict[str, str]:
    """The run's environment: a one-GPU run sees one GPU (plain ``python train.py`` would
    otherwise spread it over every GPU with DataParallel), unless the user chose them."""
    env = dict(env or os.environ)
    if num_gpus == 1:
        env.setdefault("CUDA_VISIBLE_DEVICES", "0")
    return env


def launch(run_dir: Path, num_gpus: int, env: dict[str, str] | None = None) -> int:
    """Start train.py (``accelerate launch`` for several GPUs); return the process id."""
    command = launch_command(num_gpus, sys.executable)
    with (run_dir / LOG_FILE).open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=run_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=launch_env(num_gpus, env),
        )
    return process.pid


def is_alive(pid: int | None) -> bool:
    """True while the process runs (a zombie counts as ended, and is reaped if it is ours)."""
    if not pid:
        return False
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child (another worker, or before a restart)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def stop(pid: int, sig: int = signal.SIGTERM) -> None:
    """Signal the whole process group (train.py saves what it can on SIGTERM)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def new_metrics(run_dir: Path, offset: int) -> tuple[list[dict], int]:
    """Complete JSON lines written since ``offset``, and the new offset."""
    path = run_dir / METRICS_FILE
    if not path.exists():
        return [], offset
    with path.open("rb") as handle:
        handle.seek(offset)
        chunk = handle.read()
    complete = chunk[: chunk.rfind(b"\n") + 1]
    return parse_lines(complete.decode()), offset + len(complete)


def log_tail(run_dir: Path, lines: int = 20) -> str:
    path = run_dir / LOG_FILE
    if not path.exists():
        return ""
    text = path.read_bytes()[-20_000:].decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def summary(run_dir: Path) -> dict | None:
    path = run_dir / SUMMARY_FILE
    return json.loads(path.read_text()) if path.exists() else None
