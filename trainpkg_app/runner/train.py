#!/usr/bin/env python
"""Fine-tune a language model as package.yaml (beside this file) says.

Runs with the training libraries only (transformers, peft, trl, datasets, accelerate); the app is
not needed. Writes metrics.jsonl (one JSON object per logging step), summary.json, and the
trained adapter or model in output/. SIGTERM stops it cleanly: it saves what it can and writes
status "cancelled".

    python train.py                # one process
    accelerate launch train.py     # several GPUs
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from formats import Detected, render_example  # noqa: E402  (copied beside this file)

STOP_REQUESTED = {"signal": None}
IN_JOB = os.environ.get("TRAINPKG_IN_JOB") == "1"  # a Hugging Face Job: the app reads our logs
METRICS_MARK, SUMMARY_MARK = "TRAINPKG_METRICS ", "TRAINPKG_SUMMARY "


def _request_stop(signum, _frame) -> None:
    STOP_REQUESTED["signal"] = signum


def write_json_line(path: Path, record: dict) -> None:
    with path.open("a") as handle:  # one line per write: a reader always sees whole records
        handle.write(json.dumps(record) + "\n")
        handle.flush()
    if IN_JOB:
        print(METRICS_MARK + json.dumps(record), flush=True)


def load_rows(spec: dict):
    """All datasets as one table with a single "text" column, rendered like the preview."""
    from datasets import concatenate_datasets, load_dataset

    parts = []
    for ref in spec["dataset"]["datasets"]:
        if ref.get("source") == "upload":
            path = HERE / "data" / Path(ref["path"]).name
            kind = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}[
                path.suffix
            ]
            table = load_dataset(kind, data_files=str(path), split="train")
        else:
            table = load_dataset(
                ref["dataset_id"],
                ref.get("config"),
                split=ref.get("split", "train"),
                revision=ref.get("revision"),
            )
        detected = Detected(
            format=ref.get("format") or "text", mapping=ref.get("mapping") or {"text": "text"}
        )
        parts.append(
            table.map(
                lambda row, d=detected: {"text": render_example(row, d)},
                remove_columns=table.column_names,
            )
        )
    return concatenate_datasets(parts)


def serve_status(port: int = 7860) -> None:
    """In a Space: answer on the app port with the latest metrics, so the Space counts as up."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Status(BaseHTTPRequestHandler):
        def do_GET(self):
            path = HERE / "metrics.jsonl"
            body = path.read_bytes()[-4000:] if path.exists() else b"starting"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("0.0.0.0", port), Status)
    threading.Thread(target=server.serve_forever, daemon=True).start()


class ResultsPusher:
    """On the Hub (a Space or a Job): push metrics (every 30 s) and, at the end, the summary and
    the adapter to the results repo; a Space then pauses itself so that billing stops."""

    def __init__(self, repo_id: str, metrics: Path, space_id: str | None):
        from huggingface_hub import HfApi

        self.api, self.repo_id, self.metrics, self.last_push = HfApi(), repo_id, metrics, 0.0
        self.space_id = space_id

    def push_metrics(self, force: bool = False) -> None:
        if not self.metrics.exists() or (not force and time.monotonic() - self.last_push < 30):
            return
        try:
            self.api.upload_file(
                path_or_fileobj=str(self.metrics),
                path_in_repo="metrics.jsonl",
                repo_id=self.repo_id,
            )
            self.last_push = time.monotonic()
        except Exception as error:  # the training goes on; the next push retries
            print(f"could not push metrics: {error}", file=sys.stderr)

    def finish(self) -> None:
        try:
            self.push_metrics(force=True)
            if (HERE / "output").is_dir():
                self.api.upload_folder(
                    folder_path=str(HERE / "output"), path_in_repo="output", repo_id=self.repo_id
                )
            self.api.upload_file(
                path_or_fileobj=str(HERE / "summary.json"),
                path_in_repo="summary.json",
                repo_id=self.repo_id,
            )
        finally:
            if self.space_id:
                self.api.pause_space(self.space_id)


class MetricsCallback:
    """Streams trainer logs to metrics.jsonl and honours a stop request."""

    def __init__(self, path: Path, pusher: ResultsPusher | None = None):
        from transformers import TrainerCallback

        self.path, self.started, self.pusher = path, time.monotonic(), pusher
        outer = self

        class _Callback(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kwargs):
                outer.log(state, logs or {})

            def on_step_end(self, args, state, control, **kwargs):
                if STOP_REQUESTED["signal"] is not None:
                    control.should_training_stop = True

        self.callback = _Callback()

    def log(self, state, logs: dict) -> None:
        elapsed = time.monotonic() - self.started
        step, max_steps = state.global_step, state.max_steps
        rate = step / elapsed if elapsed and step else 0
        record = {
            "step": step,
            "max_steps": max_steps,
            "epoch": state.epoch,
            "loss": logs.get("loss"),
            "eval_loss": logs.get("eval_loss"),
            "learning_rate": logs.get("learning_rate"),
            "grad_norm": logs.get("grad_norm"),
            "tokens_per_s": logs.get("train_tokens_per_second"),
            "elapsed_s": round(elapsed, 2),
            "eta_s": round((max_steps - step) / rate, 1) if rate else None,
        }
        write_json_line(self.path, {k: v for k, v in record.items() if v is not None})
        if self.pusher:
            self.pusher.push_metrics()


def main() -> int:
    signal.signal(signal.SIGTERM, _request_stop)
    spec = yaml.safe_load((HERE / "package.yaml").read_text())
    metrics = HERE / "metrics.jsonl"
    metrics.unlink(missing_ok=True)
    space_id = os.environ.get("SPACE_ID")
    on_hub = spec.get("results_repo") and (space_id or IN_JOB)
    pusher = ResultsPusher(spec["results_repo"], metrics, space_id) if on_hub else None
    if on_hub and space_id:
        serve_status(int(os.environ.get("PORT", "7860")))
    summary = HERE / "summary.json"
    summary.unlink(missing_ok=True)
    try:  # whatever happens, a Space pauses itself at the end (billing stops)
        return prepare_and_train(spec, metrics, pusher)
    except BaseException as error:
        if not summary.exists():
            summary.write_text(json.dumps({"status": "failed", "error": str(error)}))
        raise
    finally:
        if IN_JOB and summary.exists():
            print(SUMMARY_MARK + json.dumps(json.loads(summary.read_text())), flush=True)
        if pusher:
            pusher.finish()


def prepare_and_train(spec: dict, metrics: Path, pusher) -> int:
    import torch
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer

    args, model_spec = spec["training_arguments"], spec["model"]
    gpu = torch.cuda.is_available()
    if "quantization" in args and not gpu:
        raise SystemExit("QLoRA needs a CUDA GPU (bitsandbytes); choose LoRA to train on the CPU.")
    sft = dict(args["sft"])
    if not gpu:  # mixed precision needs a GPU; the CPU trains in fp32
        sft["bf16"] = sft["fp16"] = False
    revision = model_spec.get("revision") if model_spec.get("source") != "local" else None
    tokenizer = AutoTokenizer.from_pretrained(model_spec["model_id"], revision=revision)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        model_spec["model_id"], revision=revision, **loading_options(args, gpu)
    )
    rows = load_rows(spec)
    share = spec["dataset"]["train_split_percent"] / 100
    if share < 1 and len(rows) > 1:
        split = rows.train_test_split(test_size=1 - share, seed=spec["dataset"]["split_seed"])
        train_rows, evaluation = split["train"], split["test"]
    else:
        train_rows, evaluation = rows, None
    if evaluation is None:
        sft["eval_strategy"] = "no"
    lora = LoraConfig(**args["lora"]) if "lora" in args else None
    return train(spec, sft, lora, tokenizer, model, train_rows, evaluation, metrics, pusher)


def peak_gpu_memory_gb() -> float | None:
    import torch

    return round(torch.cuda.max_memory_allocated() / 1e9, 2) if torch.cuda.is_available() else None


def loading_options(args: dict, gpu: bool) -> dict:
    """How the base model loads: QLoRA in 4 bit (bitsandbytes); LoRA on a GPU in the 16-bit
    precision it trains in, as the memory estimate assumes; a full fine-tune in fp32, whose
    weights are the master copy that mixed precision needs."""
    import torch

    sixteen_bit = "bfloat16" if args["sft"]["bf16"] else "float16" if args["sft"]["fp16"] else None
    if "quantization" in args:
        from transformers import BitsAndBytesConfig

        quantization = dict(args["quantization"])
        compute = getattr(torch, quantization["bnb_4bit_compute_dtype"])
        quantization["bnb_4bit_compute_dtype"] = compute
        return {"quantization_config": BitsAndBytesConfig(**quantization), "dtype": compute}
    if "lora" in args and gpu and sixteen_bit:
        return {"dtype": getattr(torch, sixteen_bit)}
    return {}


def train(spec, sft, lora, tokenizer, model, train_rows, evaluation, metrics, pusher) -> int:
    from trl import SFTConfig, SFTTrainer

    summary_path = HERE / "summary.json"
    callback = MetricsCallback(metrics, pusher)
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(output_dir=str(HERE / "checkpoints"), report_to="none", **sft),
        train_dataset=train_rows,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[callback.callback],
    )
    started = time.monotonic()
    status = "completed"
    try:
        result = trainer.train()
    except Exception as error:  # recorded for the app, then re-raised for the exit code
        write_json_line(metrics, {"error": f"{type(error).__name__}: {error}"})
        summary_path.write_text(json.dumps({"status": "failed", "error": str(error)}))
        raise
    if STOP_REQUESTED["signal"] is not None:
        status = "cancelled"
    trainer.save_model(str(HERE / "output"))
    final_loss = result.training_loss if math.isfinite(result.training_loss) else None
    summary_path.write_text(
        json.dumps(
            {
                "status": status,
                "train_runtime_s": round(time.monotonic() - started, 2),
                "global_step": trainer.state.global_step,
                "training_loss": final_loss,
                "total_flos": trainer.state.total_flos,
                "peak_gpu_memory_gb": peak_gpu_memory_gb(),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
