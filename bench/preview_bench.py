"""The Dataset step's preview on a local tokenizer (the tiny Llama with ChatML): the first rows
as the model sees them (goal: under 1 s once the tokenizer is loaded), the check of every row
against the template, and every row's token count. Prints the figures and writes
bench/results/preview.json.

    .venv/bin/python bench/preview_bench.py [rows]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_kit import exit_on_help

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.trainkit.tiny_llama import build_tiny_llama
from trainpkg_app.core.chat_format import TEMPLATES
from trainpkg_app.core.dataset_formats import Detected, Format
from trainpkg_app.core.dataset_preview import (
    PreviewSettings,
    first_rows,
    model_rows,
    refusal,
    token_lengths,
)
from trainpkg_app.hub.tokenizer import cached_tokenizer

RESULTS = Path(__file__).with_name("results")
CHAT = Detected(format=Format.CHAT, mapping={"messages": "messages"})


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main(count: int) -> None:
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"What is {n} plus {n}? " * 8},
                {"role": "assistant", "content": f"It is {2 * n}. " * 8},
            ]
        }
        for n in range(count)
    ]
    folder = build_tiny_llama(Path(tempfile.mkdtemp()) / "model", TEMPLATES["chatml"][1])
    load_s = timed(lambda: cached_tokenizer(str(folder)))  # transformers is already imported
    settings = PreviewSettings(model_id=str(folder))
    tokenizer, _, trl_rows = model_rows(cached_tokenizer(str(folder)), rows, CHAT, settings)
    first = [timed(lambda: first_rows(tokenizer, trl_rows, True)) for _ in range(20)]
    figures = {
        "rows": count,
        "tokenizer_load_s": round(load_s, 3),
        "first_rows_p50_s": round(statistics.median(first), 4),
        "first_rows_max_s": round(max(first), 4),
        "template_check_of_every_row_s": round(timed(lambda: refusal(tokenizer, trl_rows)), 3),
        "token_count_of_every_row_s": round(timed(lambda: token_lengths(tokenizer, trl_rows)), 3),
    }
    print(json.dumps(figures, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "preview.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    exit_on_help(__doc__)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
