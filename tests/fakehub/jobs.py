"""Hugging Face Jobs in the fake Hub: run, inspect, logs (server-sent events) and cancel.

Tests drive a Job by hand: ``hub.jobs[job_id]["stage"] = "RUNNING"`` and
``hub.job_log(job_id, line)``, exactly what the real service would report."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from huggingface_hub import JobHardware

JOB_FLAVORS = tuple(flavor.value for flavor in JobHardware)  # the client's official list
DEFAULT_TIMEOUT_S = 30 * 60  # the Hub stops a Job without a timeout after 30 minutes
JOB_PATH = re.compile(r"/api/jobs/([^/]+)(?:/([0-9a-f]+))?(?:/(logs|cancel))?")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FakeJobs:
    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}

    def log(self, job_id: str, line: str) -> None:
        self.jobs[job_id]["logs"].append({"timestamp": _now(), "data": line})

    def info(self, job: dict[str, Any], endpoint: str) -> dict[str, Any]:
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

    def get(self, request: BaseHTTPRequestHandler, path: str, endpoint: str, send) -> bool:
        if path == "/api/jobs/hardware":  # list_jobs_hardware()
            send(request, 200, [hardware_record(name) for name in JOB_FLAVORS])
            return True
        match = JOB_PATH.fullmatch(path)
        if not match or not match.group(2):
            return False
        job = self.jobs.get(match.group(2))
        if job is None or job["namespace"] != match.group(1):
            send(request, 404, {"error": "Job not found"})
        elif match.group(3) == "logs":
            _stream(request, job["logs"])
        else:
            send(request, 200, self.info(job, endpoint))
        return True

    def post(self, request, path: str, body: bytes, endpoint: str, send) -> bool:
        match = JOB_PATH.fullmatch(path)
        if not match:
            return False
        if match.group(3) == "cancel":
            job = self.jobs.get(match.group(2) or "")
            if job is None:
                send(request, 404, {"error": "Job not found"})
                return True
            job["stage"], job["cancels"] = "CANCELED", job["cancels"] + 1
            send(request, 200, {})
            return True
        spec = json.loads(body)
        if spec.get("flavor") not in JOB_FLAVORS:  # the Hub refuses a flavor it lacks
            send(request, 400, {"error": f"Invalid flavor: {spec.get('flavor')}"})
            return True
        spec.setdefault("timeoutSeconds", DEFAULT_TIMEOUT_S)
        job_id = uuid.uuid4().hex[:24]
        self.jobs[job_id] = {
            "id": job_id,
            "namespace": match.group(1),
            "spec": spec,
            "stage": "SCHEDULING",
            "created": _now(),
            "logs": [],
            "cancels": 0,
        }
        send(request, 200, self.info(self.jobs[job_id], endpoint))
        return True


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
