"""What the evaluation card adds to a run of the tiny model on this CPU: ``python train.py`` of
the same 6-step LoRA package with a held-out split (the card: base eval, 2 x 8 greedy answers)
and without one (no card), each ``rounds`` times, alternating. Prints the median wall times,
their difference and the card's own time as train.py logs it (goal: the card adds at most 3 s,
so the tests that train the tiny model many times stay fast). Writes
bench/results/evaluation-card.json.

    .venv/bin/python bench/evaluation_card.py [rounds]
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_kit import exit_on_help

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.trainkit.packages import published_snapshot, training_env
from tests.trainkit.tiny_model import build_tiny_model
from trainpkg_app.package.builder import build_package

RESULTS = Path(__file__).with_name("results")
ROWS = [{"prompt": f"What is {n} plus {n}? ", "completion": f"It is {2 * n}."} for n in range(40)]
CARD_LINE = re.compile(r"Evaluation card: ([\d.]+) s")
GOAL_S = 3.0


def run(folder: Path, env: dict) -> tuple[float, float | None]:
    """(wall time, the card's own seconds from the log, or None without a card)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "train.py"], cwd=folder, env=env, check=True, capture_output=True
    )
    wall = time.perf_counter() - started
    found = CARD_LINE.search(done.stdout.decode(errors="replace"))
    return wall, float(found.group(1)) if found else None


def main() -> None:
    exit_on_help(__doc__)
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    scratch = Path(tempfile.mkdtemp(prefix="trainpkg-bench-card-"))
    cache = scratch / "hf-cache"
    build_tiny_model(cache)
    upload = scratch / "qa.jsonl"
    upload.write_text("\n".join(json.dumps(row) for row in ROWS))
    folders = {}
    for name, split in (("with_card", "75"), ("without_card", "100")):
        snapshot = published_snapshot(upload, max_steps=6)
        snapshot["dataset"]["train_split_percent"] = int(split)
        folders[name] = build_package(name, snapshot, scratch / name, uploads=scratch)
    env = training_env(cache, scratch)
    walls: dict[str, list[float]] = {name: [] for name in folders}
    card_s: list[float] = []
    for _ in range(rounds):
        for name, folder in folders.items():
            wall, card = run(folder, env)
            walls[name].append(round(wall, 2))
            if card is not None:
                card_s.append(card)
    medians = {name: statistics.median(values) for name, values in walls.items()}
    figures = {
        "rounds": rounds,
        "wall_s": walls,
        "median_with_card_s": medians["with_card"],
        "median_without_card_s": medians["without_card"],
        "added_s": round(medians["with_card"] - medians["without_card"], 2),
        "card_s_as_logged": card_s,
        "median_card_s": statistics.median(card_s),
        "goal_s": GOAL_S,
    }
    print(json.dumps(figures, indent=2))
    verdict = "meets" if figures["median_card_s"] <= GOAL_S else "misses"
    print(f"The card takes {figures['median_card_s']:.1f} s a run: {verdict} the {GOAL_S} s goal.")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "evaluation-card.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
