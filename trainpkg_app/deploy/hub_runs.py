"""What the Hub backends (a Space, a Job) share: the run owner's Hub client (stored token, else
HF_TOKEN) and the caps on a member who runs on the server's account."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlmodel import Session

from trainpkg_app.core.hub_account import member_prefix, member_run_problem
from trainpkg_app.db.hub_tokens import HubCredentials, hub_credentials
from trainpkg_app.db.models import Deployment, TrainingPackage, TrainingPackageVersion
from trainpkg_app.deploy.records import AlreadyRunning
from trainpkg_app.hub.errors import HubProblem, explain
from trainpkg_app.settings import get_settings

NO_TOKEN = "{what} needs a Hugging Face token: press Set token on the deploy step."


def credentials(session: Session, owner_id: uuid.UUID, what: str) -> HubCredentials:
    """The token a run of this owner uses (read once per start), or why there is none."""
    found = hub_credentials(session, owner_id)
    if found.api is None:
        raise AlreadyRunning(NO_TOKEN.format(what=what))
    return found


def on_members_cap(credentials: HubCredentials) -> bool:
    """A member running on the server's account: its caps and name prefix apply."""
    return credentials.whose == "server" and not credentials.is_admin


def check_account(
    credentials: HubCredentials, deploy: dict, repo_name: str, hours: float, usd_per_hour: float
) -> bool:
    """Refuse what a member may not run on the server's account (at the target flavor's
    ``usd_per_hour``); True when the run uses it (its Space is then private whatever the
    version says)."""
    if not on_members_cap(credentials):
        return credentials.whose == "server"
    problem = member_run_problem(
        get_settings().server_token_policy,
        target=deploy["target"],
        email=credentials.email,
        repo_name=repo_name,
        usd_per_hour=usd_per_hour,
        hours=hours,
    )
    if problem:
        raise AlreadyRunning(f"Not started: {problem}")
    return True


def member_repo_name(credentials: HubCredentials, name: str) -> str:
    """``name``; on the server's account, behind the member's own prefix."""
    if not on_members_cap(credentials):
        return name
    return member_prefix(get_settings().server_token_policy, credentials.email) + name


def run_api(session: Session, deployment: Deployment):
    """The Hub client of the run's owner, to follow or cancel it."""
    version = session.get(TrainingPackageVersion, deployment.version_id)
    owner = session.get(TrainingPackage, version.package_id).owner_id
    return credentials(session, owner, "This run").api


def repo_files(session: Session, deployment: Deployment, repo_id: str) -> list[str]:
    """The files of a run's repo (its results), with the owner's client; none if it is gone."""
    try:
        return run_api(session, deployment).list_repo_files(repo_id)
    except Exception as error:  # not found: no checkpoint; anything else: the Hub says why
        problem = explain(error, repo_id)
        if problem.kind == "not_found":
            return []
        raise problem from error


def download_checkpoint(
    session: Session, deployment: Deployment, repo_id: str, folder: str
) -> Path:
    """A checkpoint folder of a run's results repo, downloaded under the run's folder."""
    try:
        run_api(session, deployment).snapshot_download(
            repo_id, allow_patterns=[f"{folder}/*"], local_dir=deployment.run_dir
        )
    except Exception as error:
        raise explain(error, repo_id) from error
    return Path(deployment.run_dir) / folder


def download_trained_model(
    session: Session, deployment: Deployment, repo_id: str | None, folder: str
) -> Path:
    """The final model at a results repo's root (not its checkpoints, metrics or package),
    downloaded into a folder of the run's."""
    if not repo_id:
        raise HubProblem("not_found", "This run pushed no results repo: nothing to load.")
    target = Path(deployment.run_dir) / folder
    try:
        run_api(session, deployment).snapshot_download(
            repo_id,
            ignore_patterns=["checkpoints/*", "*.jsonl", "package.yaml", "summary.json"],
            local_dir=target,
        )
    except Exception as error:
        raise explain(error, repo_id) from error
    return target
