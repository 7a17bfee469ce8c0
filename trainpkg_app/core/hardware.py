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
