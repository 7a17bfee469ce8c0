"""The playground's side of the app: which models may answer for a run (the base, the run, the
owner's other completed runs of the same base), their weights on this machine, and the client of
the generation worker (deploy/playground_worker.py), one process per app process.

The client writes requests as JSON lines to the worker's stdin; a reader thread hands each
event to the asyncio queue of the request it belongs to, so a stream is awaited without
blocking the event loop, and many streams (users, models side by side) share one worker."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

import trainpkg_app
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.db.models import Deployment, TrainingPackage, TrainingPackageVersion
from trainpkg_app.deploy.continuation import trained_spec
from trainpkg_app.deploy.records import owned
from trainpkg_app.deploy.trained import NoTrainedModel, trained_model
from trainpkg_app.settings import get_settings

BASE = "base"
OTHER_RUNS = 20  # the owner's other runs of the same base offered
NO_LIBRARIES = (
    "The playground needs transformers, peft and torch on the server: install the app with "
    "its train extra (pip install -e '.[train]') and restart it."
)
WORKER_GONE = (
    "The playground's worker process stopped (its log is in the server's output): "
    "press Send again to start a new one."
)


@dataclass(frozen=True)
class Choice:
    key: str  # "base" or a run id: what the browser sends back
    label: str
    run_id: str = ""


def _model_id(version: TrainingPackageVersion) -> str:
    return (version.model_snapshot or {}).get("model_id", "")


def _revision(version: TrainingPackageVersion) -> str | None:
    return (version.model_snapshot or {}).get("revision") or None


def _run_label(package: TrainingPackage, version: TrainingPackageVersion, d: Deployment) -> str:
    return f"{package.name} {version.name} · {d.target} run {str(d.id)[:8]}"


def choices(session: Session, *, owner_id: uuid.UUID, deployment_id: uuid.UUID) -> list[Choice]:
    """This completed run, its base model, and the owner's other completed runs of that base
    (newest first); another user's run is "not found"."""
    run = owned(session, owner_id, deployment_id)
    if run.status != TrainingStatus.COMPLETED.value:
        raise NoTrainedModel("Only a completed run can be tried: wait for it to finish.")
    version = session.get(TrainingPackageVersion, run.version_id)
    rows = session.exec(
        select(Deployment, TrainingPackageVersion, TrainingPackage)
        .join(TrainingPackageVersion, TrainingPackageVersion.id == Deployment.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(
            TrainingPackage.owner_id == owner_id,
            Deployment.status == TrainingStatus.COMPLETED.value,
        )
        .order_by(Deployment.created_at.desc())
        .limit(200)
    ).all()
    runs = [(d, v, p) for d, v, p in rows if _model_id(v) == _model_id(version)]
    this = [Choice(str(d.id), _run_label(p, v, d), str(d.id)) for d, v, p in runs if d.id == run.id]
    others = [
        Choice(str(d.id), _run_label(p, v, d), str(d.id)) for d, v, p in runs if d.id != run.id
    ]
    base = Choice(BASE, f"Base: {_model_id(version)}")
    return [*this, base, *others[:OTHER_RUNS]]


def model_spec(
    session: Session, *, owner_id: uuid.UUID, deployment_id: uuid.UUID, base: bool
) -> dict:
    """What the worker loads for the owner's run (its weights fetched to this machine when it
    ran on the Hub), or for its base model: the base with the adapter on it, or a full model."""
    if base:  # no need to fetch the run's own weights
        model = trained_spec(owned(session, owner_id, deployment_id))["model"]
        return {"base": model["model_id"], "revision": model.get("revision") or None}
    trained = trained_model(session, owner_id, deployment_id)
    if trained.is_adapter:
        return {
            "base": trained.base_model,
            "revision": trained.base_revision,
            "adapter": str(trained.folder),
        }
    return {"folder": str(trained.folder)}


class PlaygroundWorker:
    """The worker process, started on the first request and again after it died."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()
        self.waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = {}

    def _environment(self) -> dict[str, str]:
        env = dict(self.env if self.env is not None else os.environ)
        root = str(Path(trainpkg_app.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        settings = get_settings()
        env.setdefault("HF_ENDPOINT", settings.hf_endpoint)
        if settings.hf_token and "HF_TOKEN" not in env:
            env["HF_TOKEN"] = settings.hf_token.get_secret_value()
        return env

    def _ensure_started(self) -> subprocess.Popen:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "trainpkg_app.deploy.playground_worker"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=self._environment(),
                    text=True,
                    bufsize=1,
                )
                threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
            return self.process

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            event = json.loads(line)
            self._deliver(event.get("id", ""), event)
        process.wait()
        for rid in list(self.waiting):  # the process died: every open stream ends
            self._deliver(rid, {"id": rid, "event": "error", "message": WORKER_GONE})

    def _deliver(self, rid: str, event: dict) -> None:
        target = self.waiting.get(rid)
        if target:
            loop, queue = target
            loop.call_soon_threadsafe(queue.put_nowait, event)

    def _send(self, request: dict) -> None:
        process = self._ensure_started()
        with self.lock:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()

    async def stream(
        self, rid: str, model: dict, messages: list[dict], sampling: dict
    ) -> AsyncIterator[dict]:
        """The request's events up to its "done" or "error"."""
        if not all(importlib.util.find_spec(name) for name in ("torch", "transformers", "peft")):
            yield {"id": rid, "event": "error", "message": NO_LIBRARIES}
            return
        queue: asyncio.Queue = asyncio.Queue()
        self.waiting[rid] = (asyncio.get_running_loop(), queue)
        request = {"id": rid, "op": "generate", "model": model}
        try:
            request |= {"messages": messages, "sampling": sampling}
            if self._alive():  # a line to a live pipe: written at once
                self._send(request)
            else:  # starting the process takes a while: off the event loop
                await asyncio.to_thread(self._send, request)
            while True:
                event = await queue.get()
                yield event
                if event["event"] in ("done", "error"):
                    return
        finally:
            self.waiting.pop(rid, None)

    def _alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, rid: str) -> None:
        if self._alive():
            self._send({"id": rid, "op": "stop"})

    def close(self) -> None:
        if self._alive():
            self.process.stdin.close()
            self.process.wait(timeout=30)


_WORKER: PlaygroundWorker | None = None


def worker() -> PlaygroundWorker:
    """This app process's worker client."""
    global _WORKER
    if _WORKER is None:
        _WORKER = PlaygroundWorker()
    return _WORKER
