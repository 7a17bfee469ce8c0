"""What every bench shares, standard library only (gpu_training.py's `train` runs without the
project's venv): timing and percentiles, ``--help`` prints the bench's usage, and the browser
benches find the project's tools the way ``make e2e`` does, so their usage line works on a
fresh clone."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def exit_on_help(doc: str | None) -> None:
    """``bench/X.py --help`` (or -h): print the usage (the module docstring) and stop."""
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(doc)
        raise SystemExit(0)


def _script_output(name: str) -> str:
    """The last line a scripts/ helper prints (it may install what is missing first)."""
    env = os.environ | {"VENV": str(Path(sys.executable).parent.parent)}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / name)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def use_project_tools() -> None:
    """Reflex's production build needs bun: the project's own (.tools/, from
    scripts/ensure-bun.sh) goes first on PATH. Chromium: TRAINPKG_CHROMIUM when it is set, else
    the system's or Playwright's (scripts/ensure-browser.sh; "" means Playwright's own)."""
    bun_dir = _script_output("ensure-bun.sh")
    os.environ["PATH"] = f"{bun_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["REFLEX_USE_SYSTEM_BUN"] = "1"  # use that bun, do not download one
    os.environ["TRAINPKG_CHROMIUM"] = _script_output("ensure-browser.sh")


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
        "rounds": len(ordered),
    }


def timed(rounds: int, action) -> dict[str, float]:
    """``action(round)`` ``rounds`` times: its percentiles."""
    samples = []
    for index in range(rounds):
        start = time.perf_counter()
        action(index)
        samples.append(time.perf_counter() - start)
    return percentiles(samples)
