#!/usr/bin/env python
"""Fine-tune a language model as package.yaml (beside this file) says.

Runs with the training libraries only (transformers, peft, trl, datasets, accelerate); the app is
not needed. Writes metrics.jsonl (one JSON object per logging step), summary.json, and the
trained adapter or model with its tokenizer and model card in output/, under the output
location: --output-dir or $TRAINPKG_OUTPUT_DIR, else beside this file when it is writable, else
~/trainpkg-output/<this folder>. SIGTERM stops it cleanly: it saves what it can and writes
status "cancelled". On the Hub, the results repo gets output/ at its root (loadable with
PeftModel.from_pretrained(base, repo_id)), training_metrics.jsonl, package.yaml, summary.json
and the latest checkpoints under checkpoints/.

    python train.py [--output-dir DIR] [--resume]     # one process
    accelerate launch train.py             # several GPUs
"""

from __future__ import annotations

import argparse
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
# Copied beside this file by the package builder:
from evaluation import BASE_PREFIX, EvaluationCard  # noqa: E402
from hub_results import ResultsPusher, model_card, serve_status  # noqa: E402
from machine import loading_options, runtime_arguments  # noqa: E402
from training_data import answers_only_rows, chat_template, load_rows  # noqa: E402

STOP_REQUESTED = {"signal": None}
OUT = HERE  # the output location, chosen in main()
# --resume, or package.yaml's "resume" (the app's Resume and Extend): go on from the latest
# checkpoint under OUT/checkpoints, fetched first from the results repo when it is not here.
RESUME: dict = {"asked": False, "step": None, "repo": None}
KEEP_CHECKPOINTS = 2  # the latest checkpoints kept here and on the Hub, to resume a run
IN_JOB = os.environ.get("TRAINPKG_IN_JOB") == "1"  # a Hugging Face Job: the app reads our logs
METRICS_MARK, SUMMARY_MARK = "TRAINPKG_METRICS ", "TRAINPKG_SUMMARY "


def _request_stop(signum, _frame) -> None:
    STOP_REQUESTED["signal"] = signum


def is_main_process() -> bool:
    """accelerate launch starts one process a GPU (RANK 0..N-1): only the first writes our own
    files (metrics, summary, status) and reads the stop request."""
    return os.environ.get("RANK", "0") == "0"


def stop_everywhere() -> bool:
    """The main process's stop request, the same on every rank: one tiny broadcast a step, so
    that all ranks stop after the same step (a rank that stopped alone would hang the rest)."""
    import torch
    import torch.distributed as dist

    requested = is_main_process() and STOP_REQUESTED["signal"] is not None
    if not (dist.is_available() and dist.is_initialized()):
        return requested
    device = f"cuda:{torch.cuda.current_device()}" if dist.get_backend() == "nccl" else "cpu"
    flag = torch.tensor([int(requested)], device=device)
    dist.broadcast(flag, src=0)
    return bool(flag.item())


def output_location(chosen: str | None) -> Path:
    """--output-dir / $TRAINPKG_OUTPUT_DIR, else beside this file when writable (a Docker Space
    runs as uid 1000, maybe in a copy owned by root), else under the user's home."""
    chosen = chosen or os.environ.get("TRAINPKG_OUTPUT_DIR")
    if not chosen and os.access(HERE, os.W_OK):
        return HERE
    path = Path(chosen) if chosen else Path.home() / "trainpkg-output" / HERE.name
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_json_line(path: Path, record: dict) -> None:
    with path.open("a") as handle:  # one line per write: a reader always sees whole records
        handle.write(json.dumps(record) + "\n")
        handle.flush()
    if IN_JOB:
        print(METRICS_MARK + json.dumps(record), flush=True)


class MetricsCallback:
    """Streams trainer logs to metrics.jsonl and honours a stop request."""

    def __init__(self, path: Path, pusher: ResultsPusher | None = None):
        from transformers import TrainerCallback

        self.path, self.started, self.pusher = path, time.monotonic(), pusher
        self.num_tokens = None  # the last num_tokens TRL logged (summary.json keeps it)
        outer = self

        class _Callback(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kwargs):
                base_eval = any(key.startswith(BASE_PREFIX) for key in logs or {})
                if state.is_world_process_zero and not base_eval:  # the card's, not a step
                    outer.log(state, logs or {})

            def on_step_end(self, args, state, control, **kwargs):
                if stop_everywhere():
                    STOP_REQUESTED["signal"] = STOP_REQUESTED["signal"] or signal.SIGTERM
                    control.should_training_stop = True

            def on_save(self, args, state, control, **kwargs):
                if outer.pusher and state.is_world_process_zero:
                    outer.pusher.push_checkpoints(Path(args.output_dir))

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
            "num_tokens": logs.get("num_tokens"),  # TRL: tokens seen so far (the compare axis)
            "elapsed_s": round(elapsed, 2),
            "eta_s": round((max_steps - step) / rate, 1) if rate else None,
        }
        if record["num_tokens"] is not None:
            self.num_tokens = record["num_tokens"]
        write_json_line(self.path, {k: v for k, v in record.items() if v is not None})
        if self.pusher:
            self.pusher.push_metrics()


def main(argv: list[str] | None = None) -> int:
    global OUT
    parser = argparse.ArgumentParser(description="Train as package.yaml says.")
    parser.add_argument("--output-dir", help="where outputs go (default: see the docstring)")
    parser.add_argument(
        "--resume", action="store_true", help="go on from the latest checkpoint in checkpoints/"
    )
    arguments = parser.parse_args(argv)
    OUT = output_location(arguments.output_dir)
    signal.signal(signal.SIGTERM, _request_stop)
    spec = yaml.safe_load((HERE / "package.yaml").read_text())
    planned = spec.get("resume") or {}
    RESUME.update(
        asked=arguments.resume or bool(planned),
        step=planned.get("step"),
        repo=spec.get("results_repo"),
    )
    metrics, summary = OUT / "metrics.jsonl", OUT / "summary.json"
    main_process = is_main_process()
    if main_process:
        metrics.unlink(missing_ok=True)
        summary.unlink(missing_ok=True)
    space_id = os.environ.get("SPACE_ID")
    on_hub = spec.get("results_repo") and (space_id or IN_JOB) and main_process
    pusher = ResultsPusher(spec["results_repo"], space_id, OUT, HERE) if on_hub else None
    if on_hub and space_id:
        serve_status(OUT, int(os.environ.get("PORT", "7860")))
    try:  # whatever happens, a Space pauses itself at the end (billing stops)
        return prepare_and_train(spec, metrics, pusher)
    except BaseException as error:
        if main_process and not summary.exists():
            summary.write_text(json.dumps({"status": "failed", "error": str(error)}))
        raise
    finally:
        if IN_JOB and main_process and summary.exists():
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
    sft = runtime_arguments(dict(args["sft"]), gpu)
    revision = model_spec.get("revision") if model_spec.get("source") != "local" else None
    tokenizer = AutoTokenizer.from_pretrained(model_spec["model_id"], revision=revision)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    warm = spec.get("warm_start")
    full_warm = warm and "lora" not in args  # a full fine-tune's checkpoint is the whole model
    model = AutoModelForCausalLM.from_pretrained(
        str(HERE / warm["folder"]) if full_warm else model_spec["model_id"],
        revision=None if full_warm else revision,
        **loading_options(args | {"sft": sft}, gpu),
    )
    conversational = chat_template(spec, tokenizer) is not None
    answers_only = spec["config"].get("train_on", "answers") == "answers"
    # The data path's own SFTConfig switches (completion_only_loss / assistant_only_loss):
    rows = load_rows(spec, conversational, HERE)
    share = spec["dataset"]["train_split_percent"] / 100
    if share < 1 and len(rows) > 1:
        split = rows.train_test_split(test_size=1 - share, seed=spec["dataset"]["split_seed"])
        train_rows, evaluation = split["train"], split["test"]
    else:
        train_rows, evaluation = rows, None
    # The evaluation card's prompts come from the held-out rows before any tokenization:
    card = EvaluationCard(evaluation, tokenizer) if evaluation is not None else None
    loss_switches, train_rows = answers_only_rows(train_rows, tokenizer, answers_only)
    if evaluation is not None:
        _, evaluation = answers_only_rows(evaluation, tokenizer, answers_only)
    sft |= loss_switches
    if evaluation is None:  # nothing to evaluate, so no best checkpoint to load either
        sft |= {"eval_strategy": "no", "load_best_model_at_end": False}
        sft.pop("metric_for_best_model", None)
    lora = LoraConfig(**args["lora"]) if "lora" in args else None
    if warm:
        print(f"Warm start from checkpoint-{warm['step']} of run {warm['from_run']}.", flush=True)
        model, lora = warm_adapter(model, HERE / warm["folder"], sft) if lora else (model, None)
    data = (train_rows, evaluation, card)
    return train(spec, sft, lora, tokenizer, model, data, metrics, pusher)


def warm_adapter(model, folder: Path, sft: dict):
    """The base with the checkpoint's adapter, trainable (PEFT: PeftModel.from_pretrained with
    is_trainable); the trainer then gets no new LoRA config."""
    from peft import PeftModel

    model = PeftModel.from_pretrained(model, str(folder), is_trainable=True)
    if sft.get("gradient_checkpointing"):  # the frozen base's inputs must carry gradients
        model.enable_input_require_grads()
    return model, None


def peak_gpu_memory_gb() -> float | None:
    import torch

    return round(torch.cuda.max_memory_allocated() / 1e9, 2) if torch.cuda.is_available() else None


def train(spec, sft, lora, tokenizer, model, data, metrics, pusher) -> int:
    """``data``: the training rows, the held-out ones (or None) and their evaluation card."""
    from trl import SFTConfig, SFTTrainer

    train_rows, evaluation, card = data
    summary_path = OUT / "summary.json"
    callback = MetricsCallback(metrics, pusher)
    sft.setdefault("save_total_limit", KEEP_CHECKPOINTS)
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(output_dir=str(OUT / "checkpoints"), report_to="none", **sft),
        train_dataset=train_rows,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[callback.callback],
    )
    started = time.monotonic()
    status = "completed"
    try:
        if card is not None:
            card.before(trainer)  # a failure there costs the card, never the run
        result = trainer.train(resume_from_checkpoint=resume_point())
    except Exception as error:  # recorded for the app, then re-raised for the exit code
        if trainer.is_world_process_zero():
            write_json_line(metrics, {"error": f"{type(error).__name__}: {error}"})
            summary_path.write_text(json.dumps({"status": "failed", "error": str(error)}))
        raise
    if STOP_REQUESTED["signal"] is not None:
        status = "cancelled"
    # Every rank: the Trainer writes on the main one only, and FSDP gathers the shards from all.
    trainer.save_model(str(OUT / "output"))  # with the tokenizer and its chat template
    final_loss = result.training_loss if math.isfinite(result.training_loss) else None
    summary = {
        "status": status,
        "train_runtime_s": round(time.monotonic() - started, 2),
        "global_step": trainer.state.global_step,
        "training_loss": final_loss,
        "eval_loss": final_eval_loss(trainer, evaluation),
        "total_flos": trainer.state.total_flos,
        "peak_gpu_memory_gb": peak_gpu_memory_gb(),
        "num_tokens": callback.num_tokens,
    }
    summary["evaluation"] = evaluation_card(trainer, card, summary["eval_loss"], status)
    if trainer.is_world_process_zero():
        readme = model_card(spec, summary, adapter="lora" in spec["training_arguments"])
        (OUT / "output" / "README.md").write_text(readme)
        summary_path.write_text(json.dumps(summary, indent=2))
    return 0


def evaluation_card(trainer, card, tuned_loss, status: str) -> dict:
    """The card for summary.json; why there is none when there is none."""
    if card is None:
        return {"missing": "The package has no held-out split (Train split 100 %)."}
    if status != "completed":
        return {"missing": "The run was stopped before it finished."}
    if not trainer.is_world_process_zero():
        return {}
    return card.after(trainer, tuned_loss)  # a failure there costs the card, never the run


def resume_point() -> str | None:
    """The checkpoint to go on from when a resume was asked: package.yaml's step (fetched from
    the results repo when it is not here), else the latest one in checkpoints/."""
    if not RESUME["asked"]:
        return None
    from transformers.trainer_utils import get_last_checkpoint

    folder = OUT / "checkpoints"
    step = RESUME["step"]
    if step is not None:
        wanted = folder / f"checkpoint-{step}"
        if not wanted.is_dir() and RESUME["repo"]:
            fetch_checkpoint(RESUME["repo"], wanted.name)
        if not wanted.is_dir():
            raise SystemExit(f"resume: checkpoint-{step} is neither in {folder} nor on the Hub")
        return str(wanted)
    latest = get_last_checkpoint(str(folder)) if folder.is_dir() else None
    if latest is None:
        raise SystemExit(f"--resume: no checkpoint in {folder}")
    return latest


def fetch_checkpoint(repo_id: str, name: str) -> None:
    """checkpoints/<name>/ of the results repo, into the output location."""
    from huggingface_hub import snapshot_download

    print(f"Fetching {name} from {repo_id} to resume.", flush=True)
    snapshot_download(repo_id, allow_patterns=[f"checkpoints/{name}/*"], local_dir=str(OUT))


def final_eval_loss(trainer, evaluation) -> float | None:
    """The last evaluation's loss; one more evaluation when none ran at the end."""
    if evaluation is None:
        return None
    logged = [e for e in trainer.state.log_history if "eval_loss" in e]
    if logged and logged[-1].get("step") == trainer.state.global_step:
        return logged[-1]["eval_loss"]
    return trainer.evaluate().get("eval_loss")


if __name__ == "__main__":
    sys.exit(main())
