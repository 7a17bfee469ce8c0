"""Runs on the Hub (a Space or a Job): start them, follow them, cancel them. The record lives in
the database; the Hub client is the run owner's (stored token, else HF_TOKEN)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from sqlmodel import Session

from trainpkg_app.core.hardware import find_flavor
from trainpkg_app.core.hub_account import member_prefix, member_run_problem
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.db.hub_tokens import HubCredentials, hub_credentials
from trainpkg_app.db.models import Deployment, TrainingPackage, TrainingPackageVersion, utc_now
from trainpkg_app.db.versions import get_version, snapshot_of_version
from trainpkg_app.deploy import hf_job, hf_space, hub_names
from trainpkg_app.deploy.records import (
    ACTIVE,
    KEPT_POINTS,
    AlreadyRunning,
    deploy_settings,
    finish,
    mark_active,
    register_run,
)
from trainpkg_app.hub.errors import explain
from trainpkg_app.package import environment
from trainpkg_app.package.builder import results_repo_for
from trainpkg_app.settings import get_settings

NO_TOKEN = "{what} needs a Hugging Face token: press Set token on the deploy step."
LOG_LINES = 30


def _credentials(session: Session, owner_id: uuid.UUID, what: str) -> HubCredentials:
    """The token a run of this owner uses (read once per start), or why there is none."""
    credentials = hub_credentials(session, owner_id)
    if credentials.api is None:
        raise AlreadyRunning(NO_TOKEN.format(what=what))
    return credentials


def _on_members_cap(credentials: HubCredentials) -> bool:
    """A member running on the server's account: its caps and name prefix apply."""
    return credentials.whose == "server" and not credentials.is_admin


def _check_account(credentials: HubCredentials, deploy: dict, repo_name: str, hours: float) -> bool:
    """Refuse what a member may not run on the server's account; True when the run uses it
    (its Space is then private whatever the version says)."""
    if not _on_members_cap(credentials):
        return credentials.whose == "server"
    flavor = find_flavor(deploy.get("job_flavor") or deploy.get("space_flavor") or "")
    problem = member_run_problem(
        get_settings().server_token_policy,
        target=deploy["target"],
        email=credentials.email,
        repo_name=repo_name,
        usd_per_hour=flavor.usd_per_hour if flavor else 0.0,
        hours=hours,
    )
    if problem:
        raise AlreadyRunning(f"Not started: {problem}")
    return True


def _run_api(session: Session, deployment: Deployment):
    version = session.get(TrainingPackageVersion, deployment.version_id)
    owner = session.get(TrainingPackage, version.package_id).owner_id
    return _credentials(session, owner, "This run").api


def _settle(
    session: Session,
    deployment: Deployment,
    status: str,
    error: str,
    flavor_name: str | None,
    billed_s: float | None = None,
) -> str:
    """Record the status the Hub reported; an ended run is finished at the flavor's price."""
    if status in ACTIVE:
        mark_active(session, deployment, status)
    else:
        deployment.error = deployment.error or error
        flavor = find_flavor(flavor_name or "")
        finish(
            session,
            deployment,
            {"status": status, "error": deployment.error},
            usd_per_hour=flavor.usd_per_hour if flavor else 0.0,
            billed_s=billed_s,
        )
    session.flush()
    return deployment.status


# --- Space ----------------------------------------------------------------------------------


def start_space(
    session: Session, *, owner_id: uuid.UUID, version_id: uuid.UUID, runs_dir: Path
) -> Deployment:
    """Upload the package to its Space and request the hardware; the Space trains itself."""
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    credentials = _credentials(session, owner_id, "A Space")
    api, token = credentials.api, credentials.token
    wanted = snapshot_of_version(version)["deploy"]
    space_name = wanted["space_name"]
    on_server = _check_account(credentials, wanted, space_name.split("/")[-1], 0.0)
    space_id = hub_names.claim(api, space_name, "space", str(version.package_id))
    deployment, snapshot, folder = register_run(
        session, version, "hf_space", runs_dir, results_repo=results_repo_for(space_id)
    )
    hub_names.mark(folder, str(version.package_id))
    deploy = snapshot["deploy"]
    deployment.deployment_url = hf_space.start(
        api,
        space_id=space_id,
        flavor=deploy["space_flavor"],
        private=on_server or deploy.get("private", True),
        sleep_minutes=deploy.get("sleep_minutes", 60),
        token=token,
        folder=folder,
    )
    deployment.remote_id = space_id
    deployment.started_at = utc_now()
    version.training_status = TrainingStatus.PENDING.value
    session.flush()
    return deployment


def sync_space(session: Session, deployment: Deployment) -> str:
    api, settings = _run_api(session, deployment), deploy_settings(session, deployment)
    space_id = deployment.remote_id or settings["space_name"]
    stage = hf_space.stage_of(api, space_id)
    pushed = hf_space.read_metrics(api, space_id)
    if pushed:
        deployment.metrics = [
            json.loads(line) for line in pushed.decode().splitlines() if line.strip()
        ][-KEPT_POINTS:]
    raw_summary = hf_space.read_result(api, space_id, "summary.json")
    summary = json.loads(raw_summary) if raw_summary else None
    status, error = hf_space.status_for(stage, summary)
    deployment.log_tail = "\n".join([f"Space stage: {stage}", hf_space.stage_note(stage, summary)])
    return _settle(session, deployment, status, error, settings.get("space_flavor"))


def cancel_space(session: Session, deployment: Deployment) -> None:
    space_id = deployment.remote_id or deploy_settings(session, deployment)["space_name"]
    deployment.error = "Cancelled by the user: the Space is paused."
    hf_space.pause(_run_api(session, deployment), space_id)


# --- Job ------------------------------------------------------------------------------------


def _job_repo_name(credentials: HubCredentials, name: str) -> str:
    """The version's name; on the server's account, behind the member's own prefix."""
    if not _on_members_cap(credentials):
        return name
    return member_prefix(get_settings().server_token_policy, credentials.email) + name


def start_job(
    session: Session, *, owner_id: uuid.UUID, version_id: uuid.UUID, runs_dir: Path
) -> Deployment:
    """Upload the package to a private repo and run it as a Job with the flavor and timeout."""
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    credentials = _credentials(session, owner_id, "A Job")
    api, token = credentials.api, credentials.token
    try:
        namespace = api.whoami()["name"]
    except Exception as error:
        raise explain(error) from error
    repo_id = hf_job.repo_for(namespace, _job_repo_name(credentials, version.name))
    wanted = snapshot_of_version(version)["deploy"]
    _check_account(credentials, wanted, repo_id.split("/")[-1], wanted["timeout_minutes"] / 60)
    package_id = str(version.package_id)
    repo_id = hub_names.claim(api, repo_id, "model", package_id, in_folder=hf_job.PACKAGE_DIR)
    deployment, snapshot, folder = register_run(
        session, version, "hf_job", runs_dir, results_repo=repo_id
    )
    hub_names.mark(folder, package_id)
    deploy = snapshot["deploy"]
    runtime = environment.runtime_for(deploy)
    job_id, deployment.deployment_url = hf_job.start(
        api,
        repo_id=repo_id,
        flavor=deploy["job_flavor"],
        timeout_minutes=deploy["timeout_minutes"],
        token=token,
        folder=folder,
        runtime=runtime,
        image=environment.image_for(runtime, get_settings().cuda_image),
    )
    deployment.remote_id = f"{namespace}/{job_id}"
    deployment.started_at = utc_now()
    version.training_status = TrainingStatus.PENDING.value
    session.flush()
    return deployment


def sync_job(session: Session, deployment: Deployment) -> str:
    """Status from the Job's stage; metrics and the summary from its logs."""
    api = _run_api(session, deployment)
    namespace, job_id = deployment.remote_id.split("/", 1)
    stage, message, running_s = hf_job.inspect(api, job_id, namespace)
    metrics, summary, other = hf_job.parse_logs(hf_job.read_logs(api, job_id, namespace))
    if metrics:
        deployment.metrics = metrics[-KEPT_POINTS:]
    deployment.log_tail = "\n".join([f"Job stage: {stage}", *other[-LOG_LINES:]])
    status, error = hf_job.status_for(stage, message, summary)
    flavor = deploy_settings(session, deployment).get("job_flavor")
    return _settle(session, deployment, status, error, flavor, billed_s=running_s)


def cancel_job(session: Session, deployment: Deployment) -> None:
    namespace, job_id = deployment.remote_id.split("/", 1)
    deployment.error = "Cancelled by the user."
    hf_job.cancel(_run_api(session, deployment), job_id, namespace)
