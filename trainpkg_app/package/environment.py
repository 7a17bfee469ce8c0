"""Where a package runs and what it installs there: the project's lock (lock.toml), the
requirements.txt and the Dockerfile of each runtime. Never the versions installed here.

Runtimes: ``local`` (this or any machine: torch from the public index), ``cpu`` (a CPU Space or
Job: the CPU build of torch from PyTorch's index) and ``cuda`` (a GPU Space or Job: torch with
CUDA already in the image, so only the remainder is installed)."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from trainpkg_app.core.hardware import find_flavor, launch_command

LOCK_FILE = Path(__file__).with_name("lock.toml")
CPU_IMAGE = "python:3.11-slim"
APP_PORT = 7860  # the Space's status server; app_port in the Space README
DOCKERFILE = """FROM {image}
# Docker Spaces run the container as uid 1000 (hub-docs "Docker Spaces", Permissions)
RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH
# No persistent disk on Spaces: train.py writes here and pushes results to the Hub as they come
ENV TRAINPKG_OUTPUT_DIR=/home/user/output
WORKDIR $HOME/app
{torch}COPY --chown=user requirements.txt .
RUN pip install --no-cache-dir --user -r requirements.txt
COPY --chown=user . $HOME/app
EXPOSE {port}
CMD {command}
"""


@cache
def lock() -> dict[str, Any]:
    return tomllib.loads(LOCK_FILE.read_text())


def runtime_for(deploy: dict[str, Any]) -> str:
    """``local``, ``cpu`` or ``cuda`` for a version's deploy settings."""
    flavor_id = {"hf_space": deploy.get("space_flavor"), "hf_job": deploy.get("job_flavor")}.get(
        deploy.get("target") or "local"
    )
    if not flavor_id:
        return "local"
    flavor = find_flavor(flavor_id)
    return "cuda" if flavor and flavor.gpus else "cpu"


def image_torch(image: str) -> str | None:
    """The torch version an official PyTorch image holds, from its tag (None for others)."""
    match = re.fullmatch(r"(?:docker\.io/)?pytorch/pytorch:(\d+\.\d+\.\d+)-.*", image)
    return match.group(1) if match else None


def image_for(runtime: str, cuda_image: str) -> str:
    return cuda_image if runtime == "cuda" else CPU_IMAGE


def pins(runtime: str, method: str, liger: bool = False) -> dict[str, str]:
    """name -> exact version that the runtime installs with pip (torch only where the image
    lacks it: a CUDA image brings its own; Liger's Triton kernels only there)."""
    chosen = {} if runtime == "cuda" else {"torch": lock()["torch"]["version"]}
    chosen |= lock()["libraries"]
    chosen |= lock()["liger"] if liger and runtime == "cuda" else {}
    return chosen | (lock()["qlora"] if method == "qlora" else {})


def requirements(runtime: str, method: str, cuda_image: str, liger: bool = False) -> str:
    lines = [f"{name}=={version}" for name, version in pins(runtime, method, liger).items()]
    if runtime == "cuda":
        lines.insert(0, f"# torch with CUDA comes from the image {cuda_image}")
    return "\n".join(lines) + "\n"


def torch_install(runtime: str) -> str:
    """The shell command that puts the CPU build of torch in place first ('' elsewhere)."""
    if runtime != "cpu":
        return ""
    torch = lock()["torch"]
    return (
        f"pip install --no-cache-dir --user --index-url {torch['cpu_index']} "
        f"torch=={torch['version']}"
    )


def dockerfile(runtime: str, cuda_image: str, gpus: int = 1) -> str:
    """A Space's image; several GPUs train through ``accelerate launch`` (one process each)."""
    command = torch_install(runtime)
    return DOCKERFILE.format(
        image=image_for(runtime, cuda_image),
        torch=f"RUN {command}\n" if command else "",
        port=APP_PORT,
        command=json.dumps(launch_command(gpus)),
    )


def environment_record(
    runtime: str, method: str, cuda_image: str, liger: bool = False
) -> dict[str, Any]:
    """What package.yaml records for reproducibility: the runtime, image and exact versions."""
    torch = lock()["torch"]
    in_image = image_torch(cuda_image)
    source = {
        "cuda": f"torch=={in_image} in the image" if in_image else f"the image {cuda_image}",
        "cpu": f"torch=={torch['version']} from {torch['cpu_index']}",
        "local": f"torch=={torch['version']} from the package index",
    }[runtime]
    record = {"runtime": runtime, "torch": source, "pins": pins(runtime, method, liger)}
    if runtime != "local":
        record["image"] = image_for(runtime, cuda_image)
    return record
