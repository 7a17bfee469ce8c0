"""UI latency in Chromium against the production build: the time from a click to the DOM
update it causes, measured in the page (performance.now() and a MutationObserver), so the
browser driver's own overhead is not counted. Every click is a round trip to the backend.

Actions: Next and Back between two wizard steps (validation on the server), choosing a training
method (an edit), and opening a version's compare panel. Prints p50/p95 per action and overall
and writes bench/results/ui-latency.json. Traffic stays on 127.0.0.1; it stops by itself.

    .venv/bin/python bench/ui_latency.py [rounds]   # 4 clicks a round (default 70: 280 actions)

It finds the project's bun (.tools/, installed by scripts/ensure-bun.sh when missing) and a
Chromium (TRAINPKG_CHROMIUM, else scripts/ensure-browser.sh) itself.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from bench_kit import exit_on_help
from browser_session import signed_in_page

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from playwright.sync_api import Page
from wizard_steps import complete_through, open_new_package, publish

RESULTS = Path(__file__).with_name("results")
TARGET_P95_MS = 50
# Click what `find` returns, then wait until `done` holds; resolves with the milliseconds.
MEASURE = """
async ([find, done]) => {
  const target = eval(find);
  const t0 = performance.now();
  target.click();
  return await new Promise((resolve) => {
    const finish = () => { observer.disconnect(); resolve(performance.now() - t0); };
    const observer = new MutationObserver(() => { if (eval(done)) finish(); });
    observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                     characterData: true});
    setTimeout(() => { observer.disconnect(); resolve(-1); }, 10000);
  });
}
"""
BUTTON = "[...document.querySelectorAll('button')].find(b => b.textContent.trim() === {!r})"
EXPANDED = "document.getElementById('step-{}-header')?.getAttribute('aria-expanded') === 'true'"
RADIO = "document.getElementById('config-method-{}')"
CHECKED = "{}?.getAttribute('aria-checked') === 'true' || {}?.dataset.state === 'checked'"


def _measure(page: Page, find: str, done: str) -> float:
    elapsed = page.evaluate(MEASURE, [find, done])
    if elapsed < 0:
        raise RuntimeError(f"no DOM update within 10 s after clicking {find}")
    return elapsed


def _method_radio(value: str) -> str:
    return RADIO.format(value)


def run(page: Page, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"next_back": [], "edit": [], "open_compare": []}
    complete_through(page, "deploy")
    publish(page, "latency")
    page.locator("#step-config-header").click()  # work on the config step
    page.wait_for_selector("#step-config-header[aria-expanded=true]")
    for index in range(rounds):
        method = ("qlora", "lora")[index % 2]
        radio = _method_radio(method)
        timings["edit"].append(_measure(page, radio, CHECKED.format(radio, radio)))
        timings["next_back"].append(
            _measure(page, BUTTON.format("Next"), EXPANDED.format("dataset"))
        )
        timings["next_back"].append(
            _measure(page, BUTTON.format("Back"), EXPANDED.format("config"))
        )
        timings["open_compare"].append(
            _measure(
                page,
                "document.querySelector('[aria-label=\"Compare v1\"]')",
                "document.getElementById('compare-panel') !== null",
            )
        )
        page.locator("#compare-panel").get_by_role("button", name="Close").click()
        page.wait_for_selector("#compare-panel", state="detached")
    return timings


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99  # 1 round
    return {"n": len(values), "p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1)}


def main() -> None:
    exit_on_help(__doc__)
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 70
    with signed_in_page() as page:
        open_new_package(page)
        timings = run(page, rounds)
    everything = [t for values in timings.values() for t in values]
    figures = {
        "actions": {name: _percentiles(values) for name, values in timings.items()},
        "all": _percentiles(everything),
        "target_p95_ms": TARGET_P95_MS,
        "note": "headless Chromium, production build, SQLite, 1 worker, this machine",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ui-latency.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
