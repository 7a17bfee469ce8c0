"""Training throughput with packing on against off: the tiny CPU model, one epoch over a
dataset of short rows of uneven length, each run through the package's own train.py. Tokens per
second are the dataset's real tokens (no padding) over the training loop's time (summary.json);
the figure is their ratio, packed / unpacked (goal >= 1.5). Unpacked: 8 rows a step, padded to
the longest; packed: PACKED_BATCH blocks of MAX_LENGTH tokens a step (TRL's bfd, padding-free).
Writes bench/results/packing-throughput.json.

    .venv/bin/python bench/packing_throughput.py [rounds]     # PACKED_BATCH=1 MAX_LENGTH=128
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_kit import exit_on_help

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runs from a fresh clone without PYTHONPATH
from tests.trainkit.packages import published_snapshot, training_env  # noqa: E402
from tests.trainkit.tiny_model import build_tiny_model  # noqa: E402
from trainpkg_app.package.builder import build_package  # noqa: E402

RESULTS = ROOT / "bench" / "results"
ROWS = 480
BATCH = 8  # rows a step without packing
PACKED_BATCH = int(os.environ.get("PACKED_BATCH", "1"))  # blocks of MAX_LENGTH tokens a step
MAX_LENGTH = int(os.environ.get("MAX_LENGTH", "128"))


FILLER = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]


def short_rows(path: Path) -> Path:
    """Short rows of uneven length (about 10 to 50 tokens), as instruction data has."""
    rows = [
        {
            "prompt": f"What is {n} plus {n % 7}? ",
            "completion": f"It is {n + n % 7}. " + " ".join(FILLER * (n % 5))[: (n * 7) % 90],
        }
        for n in range(ROWS)
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows))
    return path


def dataset_tokens(snapshot_folder: Path, rows: Path) -> int:
    """The rows' own tokens (prompt, completion and EOS), as the model sees them."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(snapshot_folder)
    share = 0.75  # the train split published_snapshot sets
    lines = rows.read_text().splitlines()[: int(ROWS * share)]
    texts = [json.loads(line)["prompt"] + json.loads(line)["completion"] for line in lines]
    return sum(len(tokenizer(text)["input_ids"]) + 1 for text in texts)


def run(folder: Path, env: dict) -> float:
    subprocess.run(
        [sys.executable, "train.py"], cwd=folder, env=env, check=True, capture_output=True
    )
    return json.loads((folder / "summary.json").read_text())["train_runtime_s"]


def main(rounds: int = 3) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="trainpkg-packing-"))
    cache = scratch / "hf-cache"
    model_folder = build_tiny_model(cache)
    rows = short_rows(scratch / "short.jsonl")
    # One thread a run: on a small shared machine, torch's threads otherwise spin against other
    # processes and the timings swing 3x (both runs get the same setting).
    env = training_env(cache, scratch) | {"OMP_NUM_THREADS": "1"}
    folders = {}
    for packing in ("false", "true"):
        config = {
            "max_steps": "",
            "num_epochs": "1",
            "packing": packing,
            "per_device_batch_size": str(BATCH if packing == "false" else PACKED_BATCH),
            "max_seq_length": str(MAX_LENGTH),
        }
        snapshot = published_snapshot(rows, config=config)
        folders[packing] = build_package(
            f"packing-{packing}", snapshot, scratch / f"pkg-{packing}", uploads=scratch
        )
    tokens = dataset_tokens(model_folder, rows)
    times: dict[str, list[float]] = {"false": [], "true": []}
    for _ in range(rounds):  # alternate, so that a slow moment hits both
        for packing, folder in folders.items():
            times[packing].append(run(folder, env))
    unpacked, packed = (statistics.median(times[p]) for p in ("false", "true"))
    result = {
        "packed_batch": PACKED_BATCH,
        "rows": ROWS,
        "train_tokens": tokens,
        "batch": BATCH,
        "max_length": MAX_LENGTH,
        "rounds": rounds,
        "loop_s": {"unpacked": times["false"], "packed": times["true"]},
        "tokens_per_s": {
            "unpacked": round(tokens / unpacked, 1),
            "packed": round(tokens / packed, 1),
        },
        "ratio": round(unpacked / packed, 2),
        "goal": 1.5,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "packing-throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{tokens} tokens, batch {BATCH}: unpacked {result['tokens_per_s']['unpacked']} tok/s, "
        f"packed {result['tokens_per_s']['packed']} tok/s, ratio {result['ratio']}x "
        f"(goal >= 1.5)"
    )
    return result


if __name__ == "__main__":
    exit_on_help(__doc__)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
