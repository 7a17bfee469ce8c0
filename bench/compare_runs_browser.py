"""Comparing 8 runs of 10,000 steps each in Chromium against the production build: the time
from the click on Compare selected to the chart drawn with its 8 lines, measured in the page
(performance.now() and a MutationObserver, as bench/ui_latency.py does): the first click (the
app process reads the runs) on its own, then p50/p95 of the clicks after it (their curves kept,
their owner checked each time). Prints them and writes
bench/results/compare-runs-browser.json (goal: p95 <= 300 ms). Traffic stays on
127.0.0.1; it stops by itself.

    .venv/bin/python bench/compare_runs_browser.py [rounds]   # default 30

It finds the project's bun (.tools/) and a Chromium (TRAINPKG_CHROMIUM, else
scripts/ensure-browser.sh) itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench_kit import exit_on_help
from browser_session import signed_in_page

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compare_runs import RUNS, STEPS, fill
from ui_latency import BUTTON, _measure, _percentiles

RESULTS = Path(__file__).with_name("results")
TARGET_P95_MS = 300
COMPARE = BUTTON.format("Compare selected")
DRAWN = (
    "document.querySelectorAll('figure[aria-label=\"Comparison chart\"] .recharts-line path')"
    f".length === {RUNS}"
)


def run(page, rounds: int) -> list[float]:
    page.goto("/training")
    page.get_by_role("tab", name="Runs").click()
    boxes = page.get_by_role("checkbox", name="Select ")
    boxes.nth(RUNS - 1).wait_for()  # the list has come
    for index in range(RUNS):
        boxes.nth(index).click()
    page.get_by_text(f"{RUNS} of 8 selected").wait_for()
    timings = []
    for _ in range(rounds):
        timings.append(_measure(page, COMPARE, DRAWN))
        page.get_by_role("button", name="Close").click()
        page.get_by_role("figure", name="Comparison chart").wait_for(state="detached")
    return timings


def main() -> None:
    exit_on_help(__doc__)
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with signed_in_page(setup=lambda engine, user: fill(engine, owner_id=user)) as page:
        timings = run(page, rounds)
    figures = {
        "runs": RUNS,
        "steps_per_run": STEPS,
        "first_click_ms": round(timings[0], 1),  # the runs read from the database
        "click_to_drawn_chart": _percentiles(timings[1:]),  # their ended curves kept
        "target_p95_ms": TARGET_P95_MS,
        "note": "headless Chromium, production build, SQLite, 1 worker, this machine",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare-runs-browser.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
