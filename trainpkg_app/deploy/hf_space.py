"""Run a package in a private Hugging Face Space (docker) and follow it.

The Space's train.py pushes training_metrics.jsonl as it trains, then the adapter (or model) at
the root of a private model repo (the results repo) with its model card, summary.json and
package.yaml, and pauses its own Space when it ends, so billing stops."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import HfApi

from trainpkg_app.hub.api import read_repo_file
from trainpkg_app.hub.errors import explain
from trainpkg_app.package.builder import results_repo_for

PENDING_STAGES = {"NO_APP_FILE", "BUILDING", "APP_STARTING", "RUNNING_BUILDING"}
RUNNING_STAGES = {"RUNNING", "RUNNING_APP_STARTING"}
ERROR_STAGES = {"BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "DELETING"}
ENDED_STAGES = {"PAUSED", "SLEEPING", "STOPPED"}
METRICS_FILE = "training_metrics.jsonl"  # pushed by train.py as it trains
SUMMARY_FILE = "summary.json"  # pushed by train.py when it ends


def start(
    api: HfApi,
    *,
    space_id: str,
    flavor: str,
    private: bool,
    sleep_minutes: int,
    token: str,
    folder: Path,
) -> str:
    """Create (or reuse) the Space, give it the token, request the hardware, upload the
    package. Returns the Space's URL."""
    try:
        url = api.create_repo(
            space_id, repo_type="space", space_sdk="docker", private=private, exist_ok=True
        )
        api.create_repo(results_repo_for(space_id), repo_type="model", private=True, exist_ok=True)
        clear_last_run(api, results_repo_for(space_id))
        api.add_space_secret(space_id, "HF_TOKEN", token)
        api.request_space_hardware(space_id, flavor, sleep_time=sleep_minutes * 60)
        api.upload_folder(
            folder_path=folder,
            repo_id=space_id,
            repo_type="space",
            commit_message="Training package",
        )
    except Exception as error:
        raise explain(error, space_id) from error
    return str(url)


def clear_last_run(api: HfApi, results_repo: str) -> None:
    """An earlier run's summary and metrics leave the results repo (the model and checkpoints
    stay): the new run is followed through those files, and must never read another's."""
    from huggingface_hub import CommitOperationDelete

    stale = set(api.list_repo_files(results_repo)) & {SUMMARY_FILE, METRICS_FILE, "metrics.jsonl"}
    if stale:
        operations = [CommitOperationDelete(name) for name in sorted(stale)]
        api.create_commit(results_repo, operations, commit_message="A new run starts")


def stage_of(api: HfApi, space_id: str) -> str:
    try:
        return str(api.get_space_runtime(space_id).stage)  # a raw string: SLEEPING is not an enum
    except Exception as error:
        raise explain(error, space_id) from error


def status_for(stage: str, summary: dict | None) -> tuple[str, str]:
    """(training status, error) for a runtime stage and the pushed summary, if any."""
    if stage in ERROR_STAGES:
        return "failed", f"The Space stopped with {stage}; see its logs on the Hub."
    if stage in ENDED_STAGES:
        if summary:
            return summary.get("status", "failed"), summary.get("error", "")
        return "cancelled", "The Space was paused before the training finished."
    if stage in RUNNING_STAGES:
        return "running", ""
    return "pending", ""


def read_result(api: HfApi, space_id: str, filename: str) -> bytes | None:
    """A file the Space pushed to its results repo, or None while there is none."""
    try:
        return read_repo_file(api, results_repo_for(space_id), filename)
    except Exception as error:
        raise explain(error, space_id) from error


def read_metrics(api: HfApi, space_id: str) -> bytes | None:
    """training_metrics.jsonl; metrics.jsonl from packages built before that name."""
    return read_result(api, space_id, METRICS_FILE) or read_result(api, space_id, "metrics.jsonl")


def stage_note(stage: str, summary: dict | None) -> str:
    """What the stage means for the user (and their bill)."""
    if stage == "PAUSED" and summary:
        return "The Space paused itself when the training ended: it bills no more."
    if stage in ENDED_STAGES:
        return f"The Space is {stage.lower()}: it bills no more."
    if stage in PENDING_STAGES | RUNNING_STAGES:
        return "The Space bills by the minute until the training ends and it pauses itself."
    return ""


def pause(api: HfApi, space_id: str) -> None:
    try:
        api.pause_space(space_id)
    except Exception as error:
        raise explain(error, space_id) from error
