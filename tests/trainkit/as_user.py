"""Run a process as another uid (uid 1000, as Docker Spaces do), from a root test process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT_NEEDED = "switching to uid 1000 needs root"


def chown_tree(path: Path, uid: int) -> None:
    for item in [path, *path.rglob("*")]:
        os.chown(item, uid, uid)


def python_for(uid: int) -> tuple[list[str], dict[str, str]]:
    """An interpreter that ``uid`` may execute, with this one's libraries: ours when it can (it
    may live under root's 0700 home), else the system's of the same minor version."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate, extra in [
        (sys.executable, {}),
        (shutil.which(version, path="/usr/local/bin:/usr/bin") or "", None),
    ]:
        if not candidate:
            continue
        extra = {} if extra is not None else {"PYTHONPATH": sysconfig.get_paths()["purelib"]}
        try:
            probe = subprocess.run(
                [candidate, "-c", "import torch, trl"],
                user=uid,
                group=uid,
                extra_groups=[],
                env=os.environ | extra,
                capture_output=True,
            )
        except PermissionError:
            continue
        if probe.returncode == 0:
            return [candidate], extra
    pytest.skip(f"no Python with the training libraries that uid {uid} may run")


def run_the_space(fake_hub, space_id: str, root: Path, kill_when=None):
    """The Space's container, as uid 1000; it downloads the base model from the (fake) Hub
    (and is killed when ``kill_when()`` holds)."""
    from tests.fakehub.containers import run_space
    from tests.trainkit.packages import training_env

    python, extra = python_for(1000)
    home = root / "home"
    env = training_env(home / ".cache" / "hub", home) | extra
    env.pop("HF_HUB_OFFLINE")
    return run_space(fake_hub, space_id, python, env, root, kill_when)
