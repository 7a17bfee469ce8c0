"""A small, valid package snapshot around the tiny model, and the environment to train it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.trainkit.tiny_model import SNAPSHOT, TINY_MODEL_ID, build_tiny_model
from trainpkg_app.core.drafts import DraftContent, snapshot_of
from trainpkg_app.core.presets import apply_preset
from trainpkg_app.settings import get_settings

# upload id -> the file a test wrote: publish_for_new_user stores it as the app's upload would
UPLOADED: dict[str, Path] = {}

ROWS = [
    {"prompt": f"Question {n}: what is {n} plus {n}? ", "completion": f"It is {2 * n}."}
    for n in range(24)
]


def write_rows(path: Path) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in ROWS))
    return path


def published_snapshot(
    upload: Path,
    max_steps: int = 6,
    max_hours: str = "",
    *,
    model_folder: Path | None = None,
    space: str = "",
    job_flavor: str = "",
    timeout_minutes: int = 30,
    config: dict[str, str] | None = None,
    deploy: dict[str, str] | None = None,
) -> dict:
    """What publishing a LoRA draft of the tiny model with one uploaded JSONL stores: from the
    cache (a Hub id) or a local folder; on this machine, in the Space ``space``, or as a Job
    on ``job_flavor``; ``config`` and ``deploy`` override those forms' fields."""
    draft = DraftContent()
    if model_folder:
        draft.forms["model"] |= {"model_id": str(model_folder), "source": "local"}
    else:
        draft.forms["model"] |= {"model_id": TINY_MODEL_ID, "revision": SNAPSHOT}
    draft.forms["config"] = (
        apply_preset(draft.forms["config"], "quick_test")
        | {
            "max_steps": str(max_steps),
            "max_seq_length": "64",
            "lora_target_modules": "c_attn",
            "learning_rate": "0.01",
        }
        | (config or {})
    )
    # the tiny GPT-2 is a base model: plain prompt and completion (ChatML would not fit in 64)
    draft.forms["dataset"] |= {"train_split_percent": "75", "chat_template": "none"}
    draft.forms["deploy"] |= {
        "target": "local",
        "output_dir": str(upload.parent),
        "num_gpus": "0",
        "max_hours": max_hours,
    }
    if space:
        draft.forms["deploy"] |= {
            "target": "hf_space",
            "space_name": space,
            "space_flavor": "a10g-small",
        }
    if job_flavor:
        draft.forms["deploy"] |= {
            "target": "hf_job",
            "job_flavor": job_flavor,
            "timeout_minutes": str(timeout_minutes),
        }
    draft.forms["deploy"] |= deploy or {}
    draft.datasets = [
        {
            "source": "upload",
            "dataset_id": "qa.jsonl",
            "upload_id": upload.name,
            "format": "prompt_completion",
            "mapping": json.dumps({"prompt": "prompt", "completion": "completion"}),
        }
    ]
    results = draft.validate_all()
    assert all(result.ok for result in results.values()), {s: r.errors for s, r in results.items()}
    UPLOADED[upload.name] = upload
    return snapshot_of(results)


def measured_snapshot(upload: Path, hf_cache: Path, max_steps: int, **options) -> dict:
    """published_snapshot with what the app's model and dataset steps measure: the model's
    parameter count (from its weights) and the upload's rows and mean tokens a row (with the
    tiny tokenizer), which the time and cost estimates need."""
    import math

    from safetensors import safe_open
    from tokenizers import Tokenizer

    snapshot = published_snapshot(upload, max_steps, **options)
    (folder,) = hf_cache.glob("models--*/snapshots/*")
    with safe_open(str(folder / "model.safetensors"), framework="np") as tensors:
        names = list(tensors.keys())  # a safetensors handle, not a dict
        parameters = sum(math.prod(tensors.get_slice(name).get_shape()) for name in names)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    lengths = [len(tokenizer.encode(row["prompt"] + row["completion"]).ids) for row in ROWS]
    snapshot["model"]["parameters"] = parameters
    snapshot["dataset"]["datasets"][0] |= {
        "rows": len(ROWS),
        "mean_tokens": round(sum(lengths) / len(lengths), 2),
    }
    return snapshot


def training_env(hf_cache: Path, scratch: Path) -> dict[str, str]:
    """Offline, with the tiny model in the cache, and none of the app's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRAINPKG_", "PYTHONPATH"))}
    return env | {
        "HF_HUB_CACHE": str(hf_cache),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_DATASETS_CACHE": str(scratch / "ds-cache"),
        "TOKENIZERS_PARALLELISM": "false",
    }


@pytest.fixture(scope="session")
def hf_cache(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("hf-cache")
    build_tiny_model(cache)
    return cache


def store_uploads(snapshot: dict, folder: Path) -> None:
    """Put the snapshot's uploaded files where the app keeps them (the owner's folder)."""
    for ref in snapshot["dataset"]["datasets"]:
        if ref["source"] == "upload":
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(UPLOADED[ref["upload_id"]], folder / ref["upload_id"])


def new_owner_with_package(engine, name: str = "tiny"):
    """A new user with one empty package: (owner id, package id)."""
    import uuid

    from sqlmodel import Session

    from trainpkg_app.db.models import User
    from trainpkg_app.db.packages import create_package

    with Session(engine) as session:
        user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        package = create_package(session, owner_id=user.id, name=name)
        session.commit()
        return user.id, package.id


def publish_next_version(engine, owner, package_id, snapshot: dict, *, store: bool = True):
    """The package's next version published from ``snapshot`` (its uploads stored unless
    ``store`` is False): its id."""
    from sqlmodel import Session

    from trainpkg_app.db.versions import publish_version

    with Session(engine) as session:
        if store:
            store_uploads(snapshot, get_settings().uploads_dir(owner, package_id))
        version = publish_version(
            session,
            owner_id=owner,
            package_id=package_id,
            snapshot=snapshot,
            change_summary="",
            parent_version_id=None,
        )
        session.commit()
        return version.id


def publish_for_new_user(engine, snapshot: dict, name: str = "tiny", *, store: bool = True):
    """A new user with one package and its version 1 published from ``snapshot``, its uploads
    stored unless ``store`` is False: (owner id, version id)."""
    owner, package_id = new_owner_with_package(engine, name)
    return owner, publish_next_version(engine, owner, package_id, snapshot, store=store)
