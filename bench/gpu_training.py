"""Real GPU training of packages the app builds: LoRA, QLoRA and a full fine-tune of a
Llama-shaped ~0.9B-parameter model, each run by the package's own train.py on a lent GPU
(the device machine reaches no hub, so the model has random weights: the speed and memory are
real, the loss is not meaningful). Measured: the training loop's time, tokens/s and peak GPU
memory, set against the app's time and memory estimates.

    .venv/bin/python bench/gpu_training.py prepare          # here: bench/gpu-work/ (packages)
    python3 bench/gpu_training.py train OUT_DIR              # on the GPU machine
    .venv/bin/python bench/gpu_training.py report RUNS.json  # here: bench/results/gpu-training.json

GPU_BENCH_SIZE=7b (same three commands) does LoRA and QLoRA on a Llama-2-7B-shaped model
instead (a full fine-tune of 7B with AdamW needs more than 80 GB); its results end in -7b.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_kit import exit_on_help

ROOT = Path(__file__).resolve().parents[1]
SIZE = os.environ.get("GPU_BENCH_SIZE", "1b")
SUFFIX = "" if SIZE == "1b" else f"-{SIZE}"
WORK = ROOT / "bench" / "gpu-work" / SIZE
MODEL = Path(f"/tmp/trainpkg-gpu-model-{SIZE}")  # the same absolute path here and there
RESULTS = ROOT / "bench" / "results"
SHAPES = {  # Llama shapes with a 32k vocabulary: ~0.94B and ~6.7B parameters
    "1b": {"hidden_size": 2048, "intermediate_size": 5504, "num_hidden_layers": 16},
    "7b": {"hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32},
}
STEPS, BATCH, SEQ = {"1b": (30, 8, 1024), "7b": (20, 4, 1024)}[SIZE]
HEADS = SHAPES[SIZE]["hidden_size"] // 128  # Llama's head size
LLAMA = SHAPES[SIZE] | {
    "num_attention_heads": HEADS,
    "num_key_value_heads": HEADS,
    "vocab_size": 32000,
    "max_position_embeddings": 2048,
}
ADAPTER = {"lora_target_modules": "all-linear", "lora_r": "16"}
RUNS = {
    "lora": {"method": "lora"} | ADAPTER,
    "qlora": {"method": "qlora"} | ADAPTER,
    "full": {"method": "full", "gradient_checkpointing": "true"},
}
if SIZE != "1b":
    del RUNS["full"]


def write_model_config() -> None:
    """Tokenizer and config.json (no weights: those are made on the GPU machine)."""
    import tempfile

    from transformers import AutoTokenizer, LlamaConfig

    sys.path.insert(0, str(ROOT))
    from tests.trainkit.tiny_model import build_tiny_model

    with tempfile.TemporaryDirectory() as cache:
        tokenizer = AutoTokenizer.from_pretrained(build_tiny_model(Path(cache)))
    shutil.rmtree(MODEL, ignore_errors=True)
    tokenizer.save_pretrained(MODEL)
    ids = {"bos_token_id": tokenizer.eos_token_id, "eos_token_id": tokenizer.eos_token_id}
    LlamaConfig(**LLAMA, **ids).save_pretrained(MODEL)


def prepare() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.trainkit.packages import published_snapshot
    from trainpkg_app.package.builder import build_package

    write_model_config()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    words = ["every", "long", "example", "the", "model", "reads", "in", "this", "package"]
    rows = [  # ~4,000 characters each: longer than SEQ tokens of the byte-level tokenizer
        {
            "prompt": f"Row {n}: ",
            "completion": " ".join(words[(n + i) % len(words)] for i in range(600)),
        }
        for n in range(BATCH * STEPS)
    ]
    upload = MODEL.parent / "long.jsonl"  # each package copies it into its data/
    upload.write_text("\n".join(json.dumps(row) for row in rows))
    shutil.copytree(MODEL, WORK / "model")
    for name, config in RUNS.items():
        overrides = {
            "max_steps": str(STEPS),
            "per_device_batch_size": str(BATCH),
            "gradient_accumulation_steps": "1",
            "max_seq_length": str(SEQ),
            "learning_rate": "0.0001",
            "precision": "bf16",
            "optimizer": "adamw_torch",
            "eval_strategy": "no",
            "save_strategy": "no",
        } | config
        snapshot = published_snapshot(upload, max_steps=STEPS, model_folder=MODEL, config=overrides)
        build_package(f"gpu-{name}", snapshot, WORK / name, uploads=upload.parent)
    print(f"packages in {WORK}: {', '.join(RUNS)}")


def train(out: Path) -> None:
    """On the GPU machine: random weights in bf16, then each package's train.py."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    shutil.rmtree(MODEL, ignore_errors=True)
    shutil.copytree(WORK / "model", MODEL)
    with torch.device("cuda"):  # random weights made on the GPU: seconds, not minutes, for 7B
        model = AutoModelForCausalLM.from_config(
            AutoConfig.from_pretrained(MODEL), dtype=torch.bfloat16
        )
    model.save_pretrained(MODEL, max_shard_size="5GB")
    figures = {"gpu": torch.cuda.get_device_name(), "parameters": model.num_parameters()}
    del model
    torch.cuda.empty_cache()
    env = os.environ | {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    for name in RUNS:
        folder = WORK / name
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "train.py"], cwd=folder, env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        (out / f"{name}.log").write_text(done.stdout[-20000:] + done.stderr[-20000:])
        summary = folder / "summary.json"
        metrics = (
            (folder / "metrics.jsonl").read_text().splitlines() if done.returncode == 0 else []
        )
        figures[name] = {
            "exit": done.returncode,
            "wall_s": round(wall, 1),
            "summary": json.loads(summary.read_text()) if summary.exists() else None,
            "losses": [json.loads(line).get("loss") for line in metrics][:STEPS],
            "step_elapsed_s": _step_times(metrics),
        }
        print(name, json.dumps(figures[name])[:400], flush=True)
        (out / f"gpu-runs{SUFFIX}.json").write_text(json.dumps(figures, indent=2))  # as it goes


def _step_times(metrics: list[str]) -> list[list[float]]:
    """[step, seconds since training started] for each logged step."""
    rows = [json.loads(line) for line in metrics]
    return [[row["step"], row["elapsed_s"]] for row in rows if "elapsed_s" in row]


def steady_tokens_per_s(step_times: list[list[float]]) -> float | None:
    """Tokens/s after the first quarter of the steps (start-up and warm-up left out)."""
    later = [pair for pair in step_times if pair[0] > STEPS // 4]
    if len(later) < 2:
        return None
    (first_step, first_s), (last_step, last_s) = later[0], later[-1]
    return round((last_step - first_step) * BATCH * SEQ / (last_s - first_s))


def report(runs_file: Path) -> None:
    """The app's estimates for each run on this GPU (H100 SXM: 989 dense bf16 TFLOP/s, as H200)."""
    sys.path.insert(0, str(ROOT))
    import yaml

    from trainpkg_app.core.cost import compute_seconds
    from trainpkg_app.core.hardware import find_flavor
    from trainpkg_app.core.memory import estimate_memory

    runs = json.loads(runs_file.read_text())
    gpu = find_flavor("h200").model_copy(update={"id": "device", "gpu_memory_gb": 80})
    parameters, table = runs["parameters"], {}
    for name in [name for name in RUNS if name in runs]:  # a run cut short has no entry
        config = yaml.safe_load((WORK / name / "package.yaml").read_text())["config"]
        summary = runs[name]["summary"] or {}
        tokens = STEPS * BATCH * SEQ
        estimate_s = compute_seconds(
            parameters=parameters,
            tokens=tokens,
            method=config["method"],
            gradient_checkpointing=config["gradient_checkpointing"],
            flavor=gpu,
        )
        memory = estimate_memory(
            parameters=parameters,
            method=config["method"],
            precision=config["precision"],
            optimizer=config["optimizer"],
            batch_size=BATCH,
            seq_length=SEQ,
            gradient_checkpointing=config["gradient_checkpointing"],
            lora_r=config["lora_r"],
        )
        measured_s = summary.get("train_runtime_s")
        table[name] = {
            "status": summary.get("status"),
            "exit": runs[name]["exit"],
            "train_loop_s": measured_s,
            "tokens": tokens,
            "tokens_per_s": round(tokens / measured_s) if measured_s else None,
            "steady_tokens_per_s": steady_tokens_per_s(runs[name].get("step_elapsed_s", [])),
            "estimated_compute_s": round(estimate_s, 1),
            "estimated_tokens_per_s": round(tokens / estimate_s),
            "estimate_over_measured": round(estimate_s / measured_s, 2) if measured_s else None,
            "peak_gpu_memory_gb": summary.get("peak_gpu_memory_gb"),
            "estimated_memory_gb": memory.total_gb,
            "first_last_loss": [runs[name]["losses"][:1], runs[name]["losses"][-1:]],
        }
    figures = {
        "gpu": runs["gpu"],
        "parameters": parameters,
        "steps": STEPS,
        "batch": BATCH,
        "seq": SEQ,
        "runs": table,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"gpu-training{SUFFIX}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    exit_on_help(__doc__)
    command = sys.argv[1]
    if command == "prepare":
        prepare()
    elif command == "train":
        train(Path(sys.argv[2]))
    else:
        report(Path(sys.argv[2]))
