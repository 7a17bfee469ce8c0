"""Ship it: a finished run's model as a streamed zip with its model card, merged into its base
(in a worker process that writes its progress beside the run), or pushed to a Hub repo the
user names (private by default). Every entry point takes the owner and checks the run is
theirs (deploy/trained.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huggingface_hub import CommitOperationAdd
from huggingface_hub.errors import HfHubHTTPError
from sqlmodel import Session

from trainpkg_app.core.names import slugify
from trainpkg_app.core.ship_card import ship_card
from trainpkg_app.core.shipping import merge_refusal, push_name_problem
from trainpkg_app.db.hub_tokens import hub_credentials
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.deploy.local import is_alive
from trainpkg_app.deploy.records import owned
from trainpkg_app.deploy.trained import TrainedModel, trained_model
from trainpkg_app.hub.api import hub_username
from trainpkg_app.hub.errors import HubProblem, explain
from trainpkg_app.settings import get_settings

MERGED = "merged"  # the merged model, in the run folder
PROGRESS = "merge.json"  # the merge worker's state: {"state", "progress", "message", "pid"}
PID = "merge.pid"  # the worker's pid, for the moment before its first report
CHUNK = 1024 * 1024
FULL_NEEDS_NO_MERGE = "This run fine-tuned the whole model: there is no adapter to merge."
MERGE_FIRST = "Merge the adapter first (Merge into the base), then download or push the result."
NO_TOKEN = "Pushing needs your own Hugging Face token (role write): press Set token."
EXISTS = "{repo} already exists on the Hub: name a new repo (a push never writes over one)."


class ShipRefused(Exception):
    """A Ship it action that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Shipment:
    folder: Path  # the files (README.md among them is replaced by ``card``)
    card: str
    zip_name: str
    trained: TrainedModel


def _losses(deployment: Deployment) -> dict[str, Any]:
    metrics = deployment.metrics or []
    train = next((m["loss"] for m in reversed(metrics) if "loss" in m), None)
    evaluated = next((m["eval_loss"] for m in reversed(metrics) if "eval_loss" in m), None)
    return {"train": train, "eval": evaluated}


def merged_folder(deployment: Deployment) -> Path:
    return Path(deployment.run_dir) / MERGED


def _is_merged(deployment: Deployment) -> bool:
    return (merged_folder(deployment) / "config.json").is_file()


def shipment(
    session: Session, owner_id: uuid.UUID, deployment_id: uuid.UUID, what: str
) -> Shipment:
    """The folder and model card of what the owner ships: "adapter" (the model as trained: an
    adapter, or a full fine-tune) or "merged"."""
    trained = trained_model(session, owner_id, deployment_id)
    deployment = trained.deployment
    merged = what == "merged"
    if merged and not trained.is_adapter:
        raise ShipRefused(FULL_NEEDS_NO_MERGE)
    if merged and not _is_merged(deployment):
        raise ShipRefused(MERGE_FIRST)
    version = session.get(TrainingPackageVersion, deployment.version_id)
    card = ship_card(
        trained.spec,
        adapter=trained.is_adapter and not merged,
        merged=merged,
        version_label=f"v{version.version_number}",
        losses=_losses(deployment),
        evaluation=getattr(deployment, "evaluation", None),
    )
    kind = "merged" if merged else ("adapter" if trained.is_adapter else "model")
    return Shipment(
        folder=merged_folder(deployment) if merged else trained.folder,
        card=card,
        zip_name=f"{slugify(trained.spec['name'])}-{kind}.zip",
        trained=trained,
    )


def shipped_files(folder: Path) -> list[Path]:
    """The files a shipment carries (its own README.md aside: the card replaces it)."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and path.relative_to(folder).as_posix() != "README.md"
    )


# --- the zip ------------------------------------------------------------------------------


class _Chunks:
    """A write-only stream that zipfile writes into and the response drains."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zip_stream(folder: Path, card: str) -> Iterator[bytes]:
    """The folder as a zip (stored: weights do not compress), README.md the model card, in
    chunks of about 1 MB and never whole in memory (zipfile writes data descriptors)."""
    import zipfile

    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("README.md", card)
        yield sink.drain()
        for path in shipped_files(folder):
            name = path.relative_to(folder).as_posix()
            with path.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                while block := source.read(CHUNK):
                    target.write(block)
                    yield sink.drain()
    yield sink.drain()


# --- the merge ----------------------------------------------------------------------------


def merge_state(deployment: Deployment) -> dict[str, Any]:
    """The merge's last word: idle, running, done or failed, with its progress and message."""
    path = Path(deployment.run_dir) / PROGRESS
    if _is_merged(deployment):
        return {"state": "done", "progress": 100, "message": "Merged."}
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"state": "idle", "progress": 0, "message": ""}
    if state.get("state") == "running" and not _worker_alive(path, state.get("pid")):
        return state | {"state": "failed", "message": state.get("message") or "The merge ended."}
    return state


def _worker_alive(progress: Path, pid: int | None) -> bool:
    """The worker's pid is in its reports, or (before its first) in merge.pid beside them;
    with neither, it is taken as starting for a minute."""
    pid_file = progress.with_name(PID)
    if pid is None and pid_file.is_file():
        pid = int(pid_file.read_text() or 0) or None
    if pid is None:
        return time.time() - progress.stat().st_mtime < 60
    return is_alive(pid)


def _weight_bytes(trained: TrainedModel) -> int | None:
    """The base model's weights on disk (the cache or its folder), else from its parameters."""
    from huggingface_hub import try_to_load_from_cache

    base = trained.base_model
    folder = Path(base) if Path(base).is_dir() else None
    if folder is None:
        found = try_to_load_from_cache(base, "config.json", revision=trained.base_revision)
        folder = Path(found).parent if isinstance(found, str) else None
    if folder is not None:
        sizes = [p.stat().st_size for p in folder.glob("*.safetensors")]
        sizes = sizes or [p.stat().st_size for p in folder.glob("*.bin")]
        if sizes:
            return sum(sizes)
    parameters = trained.spec["model"].get("parameters")
    return int(parameters) * 2 if parameters else None  # bf16, as most Hub models are stored


def free_memory_gb() -> float:
    """Memory this machine can give now (MemAvailable), in GB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 / 1024**3
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1024**3


def _worker_env(session: Session, owner_id: uuid.UUID) -> dict[str, str]:
    env = dict(os.environ)
    token = hub_credentials(session, owner_id).token
    if token:
        env["HF_TOKEN"] = token
    endpoint = get_settings().hf_endpoint
    if endpoint:
        env["HF_ENDPOINT"] = endpoint
    return env


def start_merge(session: Session, owner_id: uuid.UUID, deployment_id: uuid.UUID) -> dict[str, Any]:
    """Start merging the run's adapter into its base in a worker process (once at a time);
    refused without starting when the machine lacks the memory."""
    trained = trained_model(session, owner_id, deployment_id)
    if not trained.is_adapter:
        raise ShipRefused(FULL_NEEDS_NO_MERGE)
    deployment = trained.deployment
    state = merge_state(deployment)
    if state["state"] in ("running", "done"):
        return state
    refusal = merge_refusal(_weight_bytes(trained), free_memory_gb())
    if refusal:
        raise ShipRefused(refusal)
    run_dir = Path(deployment.run_dir)
    command = [
        sys.executable,  # a module, not a script: a script's folder (deploy/) would come
        "-m",  # first on sys.path, and a module there could shadow the standard library's
        "trainpkg_app.deploy.merge_worker",
        str(trained.folder),
        trained.base_model,
        trained.base_revision or "",
        str(merged_folder(deployment)),
        str(run_dir / PROGRESS),
    ]
    (run_dir / PID).unlink(missing_ok=True)
    starting = {"state": "running", "progress": 0, "message": "Starting"}
    (run_dir / PROGRESS).write_text(json.dumps(starting))  # before the worker's own reports
    with (run_dir / "merge.log").open("w") as log:
        process = subprocess.Popen(
            command,
            env=_worker_env(session, owner_id),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (run_dir / PID).write_text(str(process.pid))
    return starting | {"pid": process.pid}


def merge_status(session: Session, owner_id: uuid.UUID, deployment_id: uuid.UUID) -> dict[str, Any]:
    return merge_state(owned(session, owner_id, deployment_id))


# --- the push -----------------------------------------------------------------------------


def push(
    session: Session,
    owner_id: uuid.UUID,
    deployment_id: uuid.UUID,
    *,
    repo_id: str,
    what: str,
    private: bool = True,
) -> str:
    """Push the adapter (or full model) or the merged model, with its card, into a new repo
    of the owner's own account; returns the repo's URL."""
    credentials = hub_credentials(session, owner_id)
    if credentials.api is None or credentials.whose != "own":
        raise ShipRefused(NO_TOKEN)
    api = credentials.api
    user = credentials.hub_user or hub_username(api)
    problem = push_name_problem(repo_id, user)
    if problem:
        raise ShipRefused(problem)
    shipped = shipment(session, owner_id, deployment_id, what)
    try:
        api.create_repo(repo_id, private=private, exist_ok=False)
    except HfHubHTTPError as error:
        if error.response is not None and error.response.status_code == 409:
            raise ShipRefused(EXISTS.format(repo=repo_id)) from None
        raise _refusal(error, repo_id) from error
    operations = [CommitOperationAdd("README.md", shipped.card.encode())] + [
        CommitOperationAdd(path.relative_to(shipped.folder).as_posix(), str(path))
        for path in shipped_files(shipped.folder)
    ]
    try:
        api.create_commit(
            repo_id,
            operations,
            commit_message=f"{shipped.trained.spec['name']}: {what} from Training Packages",
        )
    except Exception as error:
        raise _refusal(error, repo_id) from error
    return f"{api.endpoint}/{repo_id}"


def _refusal(error: Exception, repo_id: str) -> Exception:
    """A 403 says the token may not write there; anything else as the Hub explains it."""
    response = getattr(error, "response", None)
    if isinstance(error, HfHubHTTPError) and response is not None and response.status_code == 403:
        return ShipRefused(
            f"The Hub refused to write {repo_id}: your token needs the write role and the "
            "repo must be in your account (create a write token on huggingface.co, "
            "Settings → Access Tokens, and set it here)."
        )
    problem = explain(error, repo_id)
    return problem if isinstance(problem, HubProblem) else error
