"""Write a version as a self-contained folder (and a .zip): package.yaml, the data, train.py,
requirements.txt, README.md and a Dockerfile. No reflex, no database."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from trainpkg_app.core import answer_scores, chat_format, dataset_formats
from trainpkg_app.core.dataset_files import DatasetFileError, resolve_upload
from trainpkg_app.core.hardware import hardware_for
from trainpkg_app.core.resume import (
    WARM_START_DIR,
    Carryover,
    Continuation,
    WarmStart,
    is_weight_file,
)
from trainpkg_app.core.step_data import DatasetRef, TrainingConfig
from trainpkg_app.core.training_args import training_arguments
from trainpkg_app.package import environment
from trainpkg_app.settings import get_settings

RUNNER = Path(__file__).resolve().parents[1] / "runner"
TRAIN_SCRIPT = RUNNER / "train.py"
# What a package carries to train without the app: name in the package -> source file
RUNNER_FILES = {
    "train.py": TRAIN_SCRIPT,
    "training_data.py": RUNNER / "training_data.py",
    "hub_results.py": RUNNER / "hub_results.py",
    "machine.py": RUNNER / "machine.py",
    "evaluation.py": RUNNER / "evaluation.py",
    "answer_scores.py": Path(answer_scores.__file__),
    "formats.py": Path(dataset_formats.__file__),
    "chat_format.py": Path(chat_format.__file__),
}
SPACE_FRONT_MATTER = """---
title: {name}
sdk: docker
app_port: {port}
pinned: false
---

"""
README = """# {name}

A training package exported by Training Packages. It needs no app to run.

```bash
python -m venv .venv && .venv/bin/pip install -r requirements.txt
.venv/bin/python train.py    # N GPUs: accelerate launch --multi_gpu --num_processes N train.py
```

- `package.yaml`: the model (pinned revision), the config and effective training arguments,
  the datasets (with their SHA-256 or Hub revision), the split and seed, and the target.
- `data/`: the uploaded dataset files. Hub datasets are downloaded by `train.py`.
- `requirements.txt`: the project's tested versions (`environment` in package.yaml says
  where torch comes from); the `Dockerfile` runs it as uid 1000, as Docker Spaces do.
- Output (next to this file when it is writable, else `$TRAINPKG_OUTPUT_DIR` or
  `~/trainpkg-output/`): `metrics.jsonl` (a JSON line per logging step), `summary.json`, and
  the adapter or model in `output/`. SIGTERM stops the run cleanly ("cancelled").
"""


def package_spec(
    name: str,
    snapshot: dict[str, Any],
    results_repo: str | None = None,
    continuation: Carryover | None = None,
) -> dict[str, Any]:
    """package.yaml's content; ``results_repo`` is where a Hub run pushes its results; a
    ``continuation`` goes on from an earlier run's checkpoint (Resume, Extend) or starts from
    its weights (a warm start)."""
    config = TrainingConfig.model_validate(snapshot["config"])
    dataset = dict(snapshot["dataset"])
    dataset["datasets"] = [
        ref | ({"path": f"data/{ref['upload_id']}"} if ref.get("source") == "upload" else {})
        for ref in dataset_refs(snapshot)
    ]
    spec: dict[str, Any] = {
        "name": name,
        "model": snapshot["model"],
        "config": snapshot["config"],
        "training_arguments": training_arguments(config, hardware_for(snapshot["deploy"])),
        "dataset": dataset,
        "deploy": snapshot["deploy"],
    }
    if snapshot["deploy"].get("target") == "hf_space" and not results_repo:
        results_repo = results_repo_for(snapshot["deploy"]["space_name"])
    if results_repo:
        spec["results_repo"] = results_repo
    if isinstance(continuation, Continuation):
        spec["resume"] = continuation.spec()
        spec["training_arguments"]["sft"] |= continuation.sft
    elif isinstance(continuation, WarmStart):
        spec["warm_start"] = continuation.spec()
    return spec


def dataset_refs(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's dataset references in today's shape (older ones named a server path)."""
    try:
        return [
            DatasetRef.model_validate(ref).model_dump(mode="json")
            for ref in snapshot["dataset"]["datasets"]
        ]
    except ValidationError as error:
        why = error.errors()[0]["msg"]
        raise DatasetFileError(f"a dataset reference is not valid ({why})") from None


def results_repo_for(space_id: str) -> str:
    """Where a Space pushes its metrics, summary and adapter (a private model repo)."""
    return f"{space_id}-results"


def build_package(
    name: str,
    snapshot: dict[str, Any],
    out_dir: Path,
    results_repo: str | None = None,
    *,
    uploads: Path | None = None,
    cuda_image: str | None = None,
    continuation: Carryover | None = None,
) -> Path:
    """Write the package folder (replacing an older one) and return it. Uploaded datasets are
    copied from ``uploads`` (the owner's folder for this package) by their id, and from nowhere
    else: a reference that does not resolve there refuses the build. ``cuda_image`` (default:
    the setting) is the base of GPU Spaces and Jobs."""
    sources = [
        resolve_upload(uploads, ref["upload_id"])
        for ref in dataset_refs(snapshot)
        if ref["source"] == "upload"
    ]
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "data").mkdir(parents=True)
    for source in sources:
        shutil.copyfile(source, out_dir / "data" / source.name)
    spec = package_spec(name, snapshot, results_repo, continuation)
    if isinstance(continuation, WarmStart):
        copy_weights(Path(continuation.weights), out_dir / WARM_START_DIR)
    runtime, method = environment.runtime_for(snapshot["deploy"]), snapshot["config"]["method"]
    image = cuda_image or get_settings().cuda_image
    liger = bool(spec["training_arguments"]["sft"].get("use_liger_kernel"))
    spec["environment"] = environment.environment_record(runtime, method, image, liger)
    (out_dir / "package.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    copy_runner(out_dir)
    requirements = environment.requirements(runtime, method, image, liger)
    (out_dir / "requirements.txt").write_text(requirements)
    front = SPACE_FRONT_MATTER if snapshot["deploy"].get("target") == "hf_space" else ""
    (out_dir / "README.md").write_text(
        front.format(name=name, port=environment.APP_PORT) + README.format(name=name)
    )
    gpus = hardware_for(snapshot["deploy"]).gpus
    (out_dir / "Dockerfile").write_text(environment.dockerfile(runtime, image, gpus))
    return out_dir


def copy_weights(checkpoint: Path, folder: Path) -> None:
    """A checkpoint's weights and their config, without the Trainer's own state."""
    folder.mkdir()
    for file in checkpoint.iterdir():
        if file.is_file() and is_weight_file(file.name):
            shutil.copyfile(file, folder / file.name)


def copy_runner(folder: Path) -> None:
    """train.py and the modules it imports, beside each other in ``folder``."""
    for name, source in RUNNER_FILES.items():
        shutil.copy2(source, folder / name)


def zip_package(folder: Path) -> Path:
    return Path(shutil.make_archive(str(folder), "zip", root_dir=folder))
