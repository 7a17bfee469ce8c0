"""Each generated requirements.txt resolves against the package index alone: this machine's pip
configuration, find-links (/opt/wheels, where torch 2.13.0+cpu lies) and extra indexes are
ignored. Metadata only: a recent pip with ``fast-deps`` reads each wheel's METADATA through HTTP
range requests (the index here serves no PEP 658 metadata files), so no multi-GB torch or CUDA
wheel is downloaded; pip 23 would download every wheel in full. A CUDA image's requirements
resolve with the image's own torch held fixed: installing them there reinstalls nothing big."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from packaging.requirements import Requirement

from tests.trainkit.packages import published_snapshot, write_rows
from trainpkg_app.package import environment
from trainpkg_app.package.builder import build_package
from trainpkg_app.settings import get_settings

PIP = "pip==26.3"  # dry runs that stay metadata-only (fast-deps without a final download)
TARGETS = {  # one package per distinct requirements file
    "local-lora": {},
    "cpu-space": {"space": "test-user/cpu", "flavor": "cpu-upgrade"},
    "gpu-space": {"space": "test-user/gpu", "flavor": "a10g-small"},
    "gpu-job-qlora": {"job_flavor": "h200", "config": {"method": "qlora"}},
    "gpu-job-liger": {"job_flavor": "a10g-small", "config": {"use_liger_kernel": "true"}},
}


def configured_index() -> str:
    """The index pip is configured with (pip config), PyPI where none is set."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        if key.endswith(".index-url") and not key.endswith("extra-index-url"):
            return value.strip("'\"")
    return "https://pypi.org/simple"


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return env | {"PIP_CONFIG_FILE": os.devnull}  # skips every pip.conf, /etc/xdg's included


@pytest.fixture(scope="module")
def index_pip(tmp_path_factory):
    index = configured_index()
    try:
        urllib.request.urlopen(f"{index.rstrip('/')}/pip/", timeout=20)
    except OSError as error:
        pytest.skip(f"the package index {index} is not reachable: {error}")
    venv = tmp_path_factory.mktemp("pip-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    subprocess.run(
        [*pip, "install", "-q", "--isolated", "--index-url", index, PIP],
        check=True,
        env=clean_env(),
    )
    return pip, index


@pytest.mark.parametrize("target", TARGETS)
def test_the_requirements_resolve_from_the_index_alone(index_pip, tmp_path, target):
    pip, index = index_pip
    options = TARGETS[target]
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"),
        space=options.get("space", ""),
        job_flavor=options.get("job_flavor", ""),
        config=options.get("config"),
    )
    if "flavor" in options:
        snapshot["deploy"]["space_flavor"] = options["flavor"]
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    requirements = folder / "requirements.txt"
    image_torch = environment.image_torch(get_settings().cuda_image)
    keep = []  # a CUDA image's torch must satisfy the rest: pip keeps it, no reinstall
    if environment.runtime_for(snapshot["deploy"]) == "cuda":
        (tmp_path / "image.txt").write_text(f"torch=={image_torch}\n")
        keep = ["--constraint", str(tmp_path / "image.txt")]
    run = subprocess.run(
        [
            *pip,
            "install",
            "--dry-run",
            "--isolated",
            "--ignore-installed",
            "--use-feature=fast-deps",
            "--index-url",
            index,
            "--quiet",
            "--report",
            "-",
            *keep,
            "-r",
            str(requirements),
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=500,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    resolved = {
        item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
        for item in json.loads(run.stdout)["install"]
    }
    if keep:
        assert resolved["torch"] == image_torch
    for line in requirements.read_text().splitlines():
        if line and not line.startswith("#"):
            pin = Requirement(line)
            assert resolved[pin.name.lower().replace("_", "-")] == str(pin.specifier)[2:], line
