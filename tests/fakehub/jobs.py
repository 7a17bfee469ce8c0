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
        job_id = uuid.uuid4().hex[:24]
        self.jobs[job_id] = {
            "id": job_id,
            "namespace": match.group(1),
            "spec": json.loads(body),
            "stage": "SCHEDULING",
            "created": _now(),
            "logs": [],
            "cancels": 0,
        }
        send(request, 200, self.info(self.jobs[job_id], endpoint))
        return True


def _stream(request: BaseHTTPRequestHandler, events: list[dict[str, str]]) -> None:
    """Server-sent events, then the connection closes (no follow)."""
    request.send_response(200)
    request.send_header("Content-Type", "text/event-stream")
    request.end_headers()
    for event in list(events):
        request.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
    request.wfile.flush()
