"""Run a package as a Hugging Face Job and follow it.

The package goes to a private model repo (under ``package/``); the Job downloads it, installs
the pinned requirements and runs train.py, which prints each metrics record to the Job's logs
and pushes its results to the root of the same repo. A GPU Job runs in a CUDA image that holds
torch already (setting ``cuda_image``), so it installs only the small remainder. A Job stops
by itself (at the latest at its timeout, always set), so billing ends with the training."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from huggingface_hub import HfApi

from trainpkg_app.core.hardware import find_flavor, launch_command
from trainpkg_app.core.metric_records import parse_line
from trainpkg_app.hub.errors import HubProblem, explain
from trainpkg_app.package import environment

PACKAGE_DIR = "package"
METRICS_MARK, SUMMARY_MARK = "TRAINPKG_METRICS ", "TRAINPKG_SUMMARY "  # also in train.py
PENDING_STAGES = {"SCHEDULING"}
RUNNING_STAGES = {"RUNNING"}


def repo_for(namespace: str, version_name: str) -> str:
    """The private model repo that holds a version's package and its results."""
    return f"{namespace}/{version_name}-job"


def command_for(repo_id: str, runtime: str = "cuda", gpus: int = 1) -> list[str]:
    """What the Job runs: fetch the package, install its pins (the CPU build of torch first on
    a CPU flavor), train (``accelerate launch``, one process a GPU, on several GPUs)."""
    hub = environment.lock()["libraries"]["huggingface_hub"]
    steps = [
        f"pip install -q huggingface_hub=={hub}",
        f"hf download {shlex.quote(repo_id)} --include '{PACKAGE_DIR}/*' --local-dir /work",
        f"cd /work/{PACKAGE_DIR}",
        environment.torch_install(runtime),
        "pip install -q -r requirements.txt",
        shlex.join(launch_command(gpus)),
    ]
    return ["bash", "-c", " && ".join(step for step in steps if step)]


def _gpus(flavor: str) -> int:
    found = find_flavor(flavor)
    return found.gpus if found else 1


def check_flavor(api: HfApi, flavor: str) -> None:
    """The Hub's own list of Job flavors (list_jobs_hardware) must offer it."""
    offered = {hardware.name for hardware in api.list_jobs_hardware()}
    if flavor not in offered:
        raise HubProblem("not_found", f"Jobs offer no hardware {flavor!r} today: pick another.")


def start(
    api: HfApi,
    *,
    repo_id: str,
    flavor: str,
    timeout_minutes: int,
    token: str,
    folder: Path,
    runtime: str,
    image: str,
) -> tuple[str, str]:
    """Upload the package and run it in ``image``; returns (job id, job URL). The timeout is
    always sent: without one the Hub stops a Job after 30 minutes."""
    try:
        check_flavor(api, flavor)
        api.create_repo(repo_id, repo_type="model", private=True, exist_ok=True)
        api.upload_folder(
            folder_path=folder,
            repo_id=repo_id,
            path_in_repo=PACKAGE_DIR,
            commit_message="Training package",
        )
        job = api.run_job(
            image=image,
            command=command_for(repo_id, runtime, _gpus(flavor)),
            env={"TRAINPKG_IN_JOB": "1"},
            secrets={"HF_TOKEN": token},
            flavor=flavor,
            timeout=f"{timeout_minutes}m",
            namespace=repo_id.split("/")[0],
        )
    except HubProblem:
        raise
    except Exception as error:
        raise explain(error, repo_id) from error
    return job.id, job.url


def inspect(api: HfApi, job_id: str, namespace: str) -> tuple[str, str, int | None]:
    """(stage, message, seconds it has run) of a Job."""
    try:
        job = api.inspect_job(job_id=job_id, namespace=namespace)
    except Exception as error:
        raise explain(error, f"Job {job_id}") from error
    running_s = job.durations.running_secs if job.durations else None
    return str(job.status.stage), job.status.message or "", running_s


def read_logs(api: HfApi, job_id: str, namespace: str) -> list[str]:
    """The Job's log lines so far (no waiting for more)."""
    try:
        return list(api.fetch_job_logs(job_id=job_id, namespace=namespace, follow=False))
    except Exception as error:
        raise explain(error, f"Job {job_id}") from error


def parse_logs(lines: list[str]) -> tuple[list[dict], dict | None, list[str]]:
    """(metrics records, summary or None, other lines) from the Job's log lines."""
    metrics, summary, other = [], None, []
    for line in lines:
        if line.startswith(METRICS_MARK):
            metrics.append(parse_line(line.removeprefix(METRICS_MARK)))
        elif line.startswith(SUMMARY_MARK):
            summary = json.loads(line.removeprefix(SUMMARY_MARK))
        else:
            other.append(line)
    return metrics, summary, other


def status_for(stage: str, message: str, summary: dict | None) -> tuple[str, str]:
    """(training status, error) for a Job stage and the summary train.py printed, if any."""
    if stage in PENDING_STAGES:
        return "pending", ""
    if stage in RUNNING_STAGES:
        return "running", ""
    if stage == "CANCELED":
        return "cancelled", "The Job was cancelled."
    if stage == "COMPLETED" and summary:
        return summary.get("status", "failed"), summary.get("error", "")
    if stage == "COMPLETED":
        return "failed", "The Job ended without a training summary; see its logs on the Hub."
    reason = f": {message}" if message else ""
    return "failed", f"The Job stopped with {stage}{reason}. See its logs on the Hub."


def cancel(api: HfApi, job_id: str, namespace: str) -> None:
    try:
        api.cancel_job(job_id=job_id, namespace=namespace)
    except Exception as error:
        raise explain(error, f"Job {job_id}") from error
