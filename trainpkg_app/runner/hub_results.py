"""What a package run on the Hub publishes: the metrics and checkpoints as they come, the results
at the repo root with a model card, and, in a Space, a status page on the app port. Copied
beside train.py by the package builder."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml


def serve_status(out: Path, port: int = 7860) -> None:
    """In a Space: answer on the app port with the latest metrics, so the Space counts as up."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Status(BaseHTTPRequestHandler):
        def do_GET(self):
            path = out / "metrics.jsonl"
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
    """On the Hub (a Space or a Job): push the metrics (every 30 s) and each checkpoint as they
    come, at the end the results at the repo root; a Space then pauses itself (billing stops)."""

    def __init__(self, repo_id: str, space_id: str | None, out: Path, package: Path):
        """``out``: the output location; ``package``: the folder with package.yaml."""
        from huggingface_hub import HfApi

        self.api, self.repo_id, self.space_id, self.last_push = HfApi(), repo_id, space_id, 0.0
        self.out, self.package = out, package
        self.checkpoints: set[str] = set()  # those on the Hub

    def push_metrics(self, force: bool = False) -> None:
        metrics = self.out / "metrics.jsonl"
        if not metrics.exists() or (not force and time.monotonic() - self.last_push < 30):
            return
        try:
            self.api.upload_file(
                path_or_fileobj=str(metrics),
                path_in_repo="training_metrics.jsonl",
                repo_id=self.repo_id,
            )
            self.last_push = time.monotonic()
        except Exception as error:  # the training goes on; the next push retries
            print(f"could not push metrics: {error}", file=sys.stderr)

    def push_checkpoints(self, folder: Path) -> None:
        """The checkpoints the trainer keeps (the latest few) replace older ones on the Hub."""
        from huggingface_hub import CommitOperationAdd, CommitOperationDelete

        local = {p.name: p for p in folder.glob("checkpoint-*") if p.is_dir()}
        operations = [
            CommitOperationAdd(f"checkpoints/{name}/{file.relative_to(path)}", str(file))
            for name, path in local.items()
            if name not in self.checkpoints
            for file in path.rglob("*")
            if file.is_file()
        ] + [
            CommitOperationDelete(f"checkpoints/{name}/", is_folder=True)
            for name in self.checkpoints - set(local)
        ]
        if not operations:
            return
        try:
            self.api.create_commit(self.repo_id, operations, commit_message="Checkpoints")
            self.checkpoints = set(local)
        except Exception as error:  # the next save retries
            print(f"could not push checkpoints: {error}", file=sys.stderr)

    def finish(self) -> None:
        """One commit: output/ at the root (adapter or model, tokenizer, model card), the
        metrics, package.yaml and summary.json."""
        from huggingface_hub import CommitOperationAdd

        try:
            results = self.out / "output"
            summary = self.out / "summary.json"
            failed = not summary.exists() or json.loads(summary.read_text())["status"] == "failed"
            trained = results.is_dir() and not failed  # never an older run's leftovers
            files = sorted(p for p in results.rglob("*") if p.is_file()) if trained else []
            operations = [CommitOperationAdd(str(p.relative_to(results)), str(p)) for p in files]
            for name, path in [
                ("training_metrics.jsonl", self.out / "metrics.jsonl"),
                ("package.yaml", self.package / "package.yaml"),
                ("summary.json", summary),
            ]:
                if path.exists():
                    operations.append(CommitOperationAdd(name, str(path)))
            self.api.create_commit(self.repo_id, operations, commit_message="Training results")
        finally:
            if self.space_id:
                self.api.pause_space(self.space_id)


def dataset_source(ref: dict) -> str:
    """upload or hub, with the content hash or revision that pins it."""
    pinned = ref.get("content_hash") or ref.get("revision")
    return f"{ref.get('source', 'hub')}{f', {pinned}' if pinned else ''}"


def model_card(spec: dict, summary: dict, adapter: bool) -> str:
    """README.md of the results: the Hub metadata that links them to their base model and
    datasets, the training arguments, the final losses and the package version."""
    base = spec["model"]["model_id"]
    refs = spec["dataset"]["datasets"]
    hub_datasets = [ref["dataset_id"] for ref in refs if ref.get("source") != "upload"]
    method = spec["config"].get("method", "lora")
    metadata = {
        "base_model": base,
        "library_name": "peft" if adapter else "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["trainpkg", "sft", "trl", method],
    }
    if hub_datasets:
        metadata["datasets"] = hub_datasets
    losses = {k: summary.get(k) for k in ("training_loss", "eval_loss")}
    load = (
        f'base = AutoModelForCausalLM.from_pretrained("{base}")\n'
        'model = PeftModel.from_pretrained(base, "<this repo>")'
        if adapter
        else 'model = AutoModelForCausalLM.from_pretrained("<this repo>")'
    )
    lines = [
        "---",
        yaml.safe_dump(metadata, sort_keys=False).strip(),
        "---",
        "",
        f"# {spec['name']}",
        "",
        f"Fine-tuned ({method}) from `{base}` (revision `{spec['model'].get('revision')}`)"
        f" by the training package **{spec['name']}** (its `package.yaml` is in this repo).",
        "",
        "## Datasets",
        "",
        *[f"- `{ref['dataset_id']}` ({dataset_source(ref)})" for ref in refs],
        "",
        "## Results",
        "",
        f"- final train loss: {losses['training_loss']}",
        f"- final eval loss: {losses['eval_loss']}",
        f"- steps: {summary.get('global_step')}, status: {summary.get('status')}",
        "",
        *evaluation_section(summary.get("evaluation") or {}),
        "## Training arguments",
        "",
        "```yaml",
        yaml.safe_dump(spec["training_arguments"], sort_keys=False).strip(),
        "```",
        "",
        "## Load",
        "",
        "```python",
        "from transformers import AutoModelForCausalLM",
        *(["from peft import PeftModel"] if adapter else []),
        load,
        "```",
        "",
    ]
    return "\n".join(lines)


def _number(value, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _cell(text: str, limit: int = 200) -> str:
    """A table cell: one line, pipes escaped, long text cut."""
    flat = " ".join(str(text).split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def evaluation_section(card: dict) -> list[str]:
    """The evaluation card in markdown: base vs fine-tuned eval loss and perplexity, EM/F1,
    and the sample generations; the reason when there is no card."""
    if not card.get("base"):
        reason = card.get("missing")
        return ["## Evaluation", "", reason, ""] if reason else []
    base, tuned, scores = card["base"], card["tuned"], card.get("scores") or {}
    improvement = card.get("improvement")
    lines = [
        "## Evaluation",
        "",
        f"On {card.get('eval_rows')} held-out rows; greedy decoding, seed "
        f"{(card.get('decoding') or {}).get('seed')}.",
        "",
        "| | base | fine-tuned |",
        "| --- | --- | --- |",
        f"| eval loss | {_number(base['eval_loss'])} | {_number(tuned['eval_loss'])} |",
        f"| perplexity | {_number(base['perplexity'], 2)} | {_number(tuned['perplexity'], 2)} |",
    ]
    for key, label in (("exact_match", "exact match"), ("f1", "token F1")):
        if scores.get("base") and scores.get("tuned"):
            lines.append(
                f"| {label} | {_number(scores['base'][key], 3)} |"
                f" {_number(scores['tuned'][key], 3)} |"
            )
    if improvement is not None:
        lines += ["", f"Eval loss improvement: {improvement * 100:.1f} %."]
    lines += ["", "| prompt | reference | base | fine-tuned |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {_cell(s['prompt'])} | {_cell(s['reference'])} | {_cell(s['base'])} |"
        f" {_cell(s['tuned'])} |"
        for s in card.get("samples") or []
    ]
    return [*lines, ""]
