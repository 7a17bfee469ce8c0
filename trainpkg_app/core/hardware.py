"""The hardware catalog (prices and GPU memory), read from hardware_catalog.json."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel

CATALOG_FILE = Path(__file__).with_name("hardware_catalog.json")


class Flavor(BaseModel, frozen=True):
    id: str
    label: str
    usd_per_hour: float
    gpus: int
    gpu_memory_gb: int
    gpu: str | None
    tflops: float  # peak dense bf16/fp16 per GPU; 0 for CPU flavors
    space: bool
    job: bool


@cache
def catalog() -> tuple[Flavor, ...]:
    data = json.loads(CATALOG_FILE.read_text())
    return tuple(Flavor.model_validate(item) for item in data["flavors"])


def flavors_for(target: str) -> tuple[Flavor, ...]:
    """The flavors that a target offers: ``hf_space`` or ``hf_job``."""
    field = {"hf_space": "space", "hf_job": "job"}[target]
    return tuple(flavor for flavor in catalog() if getattr(flavor, field))


def find_flavor(flavor_id: str) -> Flavor | None:
    return next((flavor for flavor in catalog() if flavor.id == flavor_id), None)


class Hardware(BaseModel, frozen=True):
    """What a deploy target trains on: ``gpu`` None with ``known`` is a CPU; this machine's GPU
    is not known before the run (train.py checks it then)."""

    gpu: str | None
    gpus: int
    known: bool


def hardware_for(deploy: dict) -> Hardware:
    """The hardware of a deploy form or snapshot (flavor ids, or this machine's GPU count)."""
    target = deploy.get("target")
    if target in ("hf_space", "hf_job"):
        flavor = find_flavor(deploy.get("space_flavor" if target == "hf_space" else "job_flavor"))
        if flavor:
            return Hardware(gpu=flavor.gpu, gpus=flavor.gpus, known=True)
    if target == "local":
        count = str(deploy.get("num_gpus") or "0")
        gpus = int(count) if count.isdigit() else 0
        return Hardware(gpu=None, gpus=gpus, known=gpus == 0)
    return Hardware(gpu=None, gpus=1, known=False)


def launch_command(gpus: int, python: str = "python") -> list[str]:
    """How train.py starts: ``accelerate launch`` with one process a GPU when there are several
    (plain python would fall back to DataParallel on one process)."""
    if gpus > 1:
        return [
            python,
            "-m",
            "accelerate.commands.launch",
            "--multi_gpu",  # torchrun's launcher; on a CPU the ranks use gloo (train.py)
            "--num_processes",
            str(gpus),
            "train.py",
        ]
    return [python, "train.py"]
