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
import signal
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from formats import Detected, render_example  # noqa: E402  (copied beside this file)

STOP_REQUESTED = {"signal": None}


def _request_stop(signum, _frame) -> None:
    STOP_REQUESTED["signal"] = signum


def write_json_line(path: Path, record: dict) -> None:
    with path.open("a") as handle:  # one line per write: a reader always sees whole records
        handle.write(json.dumps(record) + "\n")
        handle.flush()


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


class MetricsCallback:
    """Streams trainer logs to metrics.jsonl and honours a stop request."""

    def __init__(self, path: Path):
        from transformers import TrainerCallback

        self.path, self.started = path, time.monotonic()
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


def main() -> int:
    import torch
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    signal.signal(signal.SIGTERM, _request_stop)
    spec = yaml.safe_load((HERE / "package.yaml").read_text())
    args, model_spec = spec["training_arguments"], spec["model"]
    metrics, summary_path = HERE / "metrics.jsonl", HERE / "summary.json"
    metrics.unlink(missing_ok=True)
    gpu = torch.cuda.is_available()
    if "quantization" in args and not gpu:
        raise SystemExit("QLoRA needs a CUDA GPU (bitsandbytes); choose LoRA to train on the CPU.")
    sft = dict(args["sft"])
    if not gpu:  # mixed precision needs a GPU; the CPU trains in fp32
        sft["bf16"] = sft["fp16"] = False

    tokenizer = AutoTokenizer.from_pretrained(
        model_spec["model_id"], revision=model_spec.get("revision")
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        model_spec["model_id"], revision=model_spec.get("revision")
    )
    rows = load_rows(spec)
    share = spec["dataset"]["train_split_percent"] / 100
    if share < 1 and len(rows) > 1:
        split = rows.train_test_split(test_size=1 - share, seed=spec["dataset"]["split_seed"])
        train, evaluation = split["train"], split["test"]
    else:
        train, evaluation = rows, None
    if evaluation is None:
        sft["eval_strategy"] = "no"
    lora = LoraConfig(**args["lora"]) if "lora" in args else None
    callback = MetricsCallback(metrics)
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(output_dir=str(HERE / "checkpoints"), report_to="none", **sft),
        train_dataset=train,
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
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
