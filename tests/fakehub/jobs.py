"""Hugging Face Jobs in the fake Hub: run, inspect, logs (server-sent events) and cancel.

Tests drive a Job by hand: ``hub.jobs[job_id]["stage"] = "RUNNING"`` and
``hub.job_log(job_id, line)``, exactly what the real service would report."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from huggingface_hub import JobHardware

from tests.fakehub.routing import Call, Route

JOB_FLAVORS = tuple(flavor.value for flavor in JobHardware)  # the client's official list
DEFAULT_TIMEOUT_S = 30 * 60  # the Hub stops a Job without a timeout after 30 minutes
JOB = r"/api/jobs/([^/]+)/([0-9a-f]+)"  # namespace, job id


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FakeJobs:
    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}

    def log(self, job_id: str, line: str) -> None:
        self.jobs[job_id]["logs"].append({"timestamp": _now(), "data": line})

    def info(self, job: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": job["id"],
            "createdAt": job["created"],
            "dockerImage": job["spec"].get("dockerImage"),
            "command": job["spec"].get("command"),
            "arguments": [],
            "environment": job["spec"].get("environment", {}),
            "secrets": sorted(job["spec"].get("secrets", {})),  # names only, like the Hub
            "flavor": job["spec"].get("flavor"),
            "status": {"stage": job["stage"], "message": job.get("message")},
            "durations": {"runningSecs": job.get("running_secs")},
            "owner": {"id": "u1", "name": job["namespace"], "type": "user"},
        }

    def routes(self) -> list[Route]:
        return [
            ("GET", r"/api/jobs/hardware", self._hardware),  # list_jobs_hardware()
            ("GET", JOB, self._inspect),
            ("GET", JOB + "/logs", self._logs),
            ("POST", r"/api/jobs/([^/]+)", self._run),
            ("POST", JOB + "/cancel", self._cancel),
        ]

    def _hardware(self, call: Call) -> None:
        call.send(200, [hardware_record(name) for name in JOB_FLAVORS])

    def _job(self, call: Call, namespace: str, job_id: str) -> dict[str, Any] | None:
        """The Job of that namespace; None (after answering 404) when there is none."""
        job = self.jobs.get(job_id)
        if job is None or job["namespace"] != namespace:
            call.send(404, {"error": "Job not found"})
            return None
        return job

    def _inspect(self, call: Call, namespace: str, job_id: str) -> None:
        job = self._job(call, namespace, job_id)
        if job is not None:
            call.send(200, self.info(job))

    def _logs(self, call: Call, namespace: str, job_id: str) -> None:
        job = self._job(call, namespace, job_id)
        if job is not None:
            _stream(call.http, job["logs"])

    def _cancel(self, call: Call, _namespace: str, job_id: str) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            return call.send(404, {"error": "Job not found"})
        job["stage"], job["cancels"] = "CANCELED", job["cancels"] + 1
        return call.send(200, {})

    def _run(self, call: Call, namespace: str) -> None:
        spec = json.loads(call.body)
        if spec.get("flavor") not in JOB_FLAVORS:  # the Hub refuses a flavor it lacks
            return call.send(400, {"error": f"Invalid flavor: {spec.get('flavor')}"})
        spec.setdefault("timeoutSeconds", DEFAULT_TIMEOUT_S)
        job_id = uuid.uuid4().hex[:24]
        self.jobs[job_id] = {
            "id": job_id,
            "namespace": namespace,
            "spec": spec,
            "stage": "SCHEDULING",
            "created": _now(),
            "logs": [],
            "cancels": 0,
        }
        return call.send(200, self.info(self.jobs[job_id]))


def hardware_record(name: str) -> dict[str, Any]:
    """An entry of GET /api/jobs/hardware (specs are placeholders; the names are real)."""
    gpus = name.split("x")[-1] if "x" in name and name[-1].isdigit() else "1"
    accelerator = None
    if not name.startswith("cpu"):
        model = name.split("-")[0].split("x")[0].upper()
        accelerator = {
            "type": "gpu",
            "model": model,
            "quantity": gpus,
            "vram": "?",
            "manufacturer": "Nvidia",
        }
    return {
        "name": name,
        "prettyName": name,
        "cpu": "8 vCPU",
        "ram": "32 GB",
        "ephemeralStorage": "100 GB",
        "accelerator": accelerator,
        "unitCostMicroUSD": 167,
        "unitCostUSD": 0.000167,
        "unitLabel": "minute",
    }


def _stream(request: BaseHTTPRequestHandler, events: list[dict[str, str]]) -> None:
    """Server-sent events, then the connection closes (no follow)."""
    request.send_response(200)
    request.send_header("Content-Type", "text/event-stream")
    request.end_headers()
    for event in list(events):
        request.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
    request.wfile.flush()
