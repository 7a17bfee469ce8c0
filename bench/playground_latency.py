"""Playground latency: time to first token and tokens/s through the app's path (the worker
client of deploy/playground.py, a separate process, JSON lines over pipes) against calling
``generate`` directly in this process on the same model, with the same greedy settings and
the same number of new tokens. Goal: the app's path within 10 % of direct. The model is a
randomly initialised GPT-2 built on the spot (no download), on the GPU when there is one.
Writes bench/results/playground-latency.json (playground-latency-<device>.json with a GPU).

    .venv/bin/python bench/playground_latency.py [rounds] [new_tokens]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_kit import exit_on_help

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.trainkit.tiny_model import build_tiny_model
from trainpkg_app.deploy.playground import PlaygroundWorker

RESULTS = Path(__file__).with_name("results")
MESSAGES = [{"role": "user", "content": "The quick brown fox jumps over the lazy dog."}]
SHAPE = {"n_embd": 512, "n_layer": 8, "n_head": 8, "n_positions": 2048}  # about 30 M parameters


def build_model(folder: Path) -> Path:
    """The tests' tokenizer with a larger random GPT-2 (so a token costs what it would)."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    snapshot = build_tiny_model(folder)
    tokenizer = AutoTokenizer.from_pretrained(snapshot)
    eos = tokenizer.eos_token_id
    config = GPT2Config(vocab_size=len(tokenizer), bos_token_id=eos, eos_token_id=eos, **SHAPE)
    GPT2LMHeadModel(config).save_pretrained(snapshot)
    return snapshot


def direct_round(model, tokenizer, sampling: dict) -> dict:
    """generate() in this process, its first new token timed by a streamer."""
    from transformers.generation.streamers import BaseStreamer

    from trainpkg_app.core.playground import plain_prompt

    class FirstToken(BaseStreamer):
        """The first new token that shows as text: the worker sends nothing before it (a
        special token or half a character), so its time to first token counts from it too."""

        def __init__(self) -> None:
            self.calls, self.first, self.tokens = 0, None, []

        def put(self, value) -> None:
            self.calls += 1
            if self.calls == 1 or self.first is not None:  # the first call is the prompt
                return
            self.tokens.extend(value.reshape(-1).tolist())
            text = tokenizer.decode(self.tokens, skip_special_tokens=True)
            if text and not text.endswith("\ufffd"):
                self.first = time.perf_counter()

        def end(self) -> None:
            pass

    streamer = FirstToken()
    started = time.perf_counter()  # the prompt's tokenization counts, as in the worker
    inputs = tokenizer(plain_prompt(MESSAGES), return_tensors="pt").to(model.device)
    ids = model.generate(
        **inputs, **sampling, streamer=streamer, pad_token_id=tokenizer.eos_token_id
    )
    seconds = time.perf_counter() - started
    tokens = ids.shape[-1] - inputs["input_ids"].shape[-1]
    first = streamer.first or time.perf_counter()  # no visible text at all: the end
    return {"ttft_s": first - started, "tokens": tokens, "tokens_per_s": tokens / seconds}


async def app_round(client: PlaygroundWorker, spec: dict, sampling: dict) -> dict:
    """One prompt through the worker client, timed where the state would see it."""
    started, first, done = time.perf_counter(), None, {}
    async for event in client.stream(uuid.uuid4().hex, spec, MESSAGES, sampling):
        if event["event"] == "token" and first is None:
            first = time.perf_counter()
        if event["event"] in ("done", "error"):
            done = event
    seconds = time.perf_counter() - started
    assert done.get("event") == "done", done
    return {
        "ttft_s": first - started,
        "tokens": done["tokens"],
        "tokens_per_s": done["tokens"] / seconds,
    }


def summary(rounds: list[dict]) -> dict:
    return {
        "ttft_ms_p50": round(statistics.median(r["ttft_s"] for r in rounds) * 1000, 2),
        "tokens_per_s_p50": round(statistics.median(r["tokens_per_s"] for r in rounds), 1),
        "tokens": rounds[0]["tokens"],
    }


def main() -> None:
    exit_on_help(__doc__)
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    rounds = int(args[0]) if args else 10
    new_tokens = int(args[1]) if len(args) > 1 else 128
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    sampling = {"do_sample": False, "max_new_tokens": new_tokens, "min_new_tokens": new_tokens}
    with tempfile.TemporaryDirectory() as scratch:
        folder = build_model(Path(scratch))
        spec = {"folder": str(folder)}
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype="auto").to(device).eval()
        client = PlaygroundWorker()
        try:
            loaded = time.perf_counter()
            asyncio.run(app_round(client, spec, sampling))  # loads the model in the worker
            load_s = time.perf_counter() - loaded
            direct_round(model, tokenizer, sampling)  # warm-up
            direct, app = [], []
            for _ in range(rounds):  # alternated, so both see the same machine
                direct.append(direct_round(model, tokenizer, sampling))
                app.append(asyncio.run(app_round(client, spec, sampling)))
        finally:
            client.close()
    result = {
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "rounds": rounds,
        "model": SHAPE,
        "first_prompt_with_load_s": round(load_s, 2),
        "direct": summary(direct),
        "app": summary(app),
    }
    app_s, direct_s = result["app"], result["direct"]
    result["ttft_overhead_ms"] = round(app_s["ttft_ms_p50"] - direct_s["ttft_ms_p50"], 2)
    result["ttft_overhead_pct"] = round(
        100 * (app_s["ttft_ms_p50"] / direct_s["ttft_ms_p50"] - 1), 1
    )
    result["tokens_per_s_overhead_pct"] = round(
        100 * (1 - app_s["tokens_per_s_p50"] / direct_s["tokens_per_s_p50"]), 1
    )
    result["goal"] = "time to first token and tokens/s through the app within 10 % of direct"
    result["met"] = max(result["ttft_overhead_pct"], result["tokens_per_s_overhead_pct"]) <= 10
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    name = "playground-latency.json" if device == "cpu" else "playground-latency-gpu.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
