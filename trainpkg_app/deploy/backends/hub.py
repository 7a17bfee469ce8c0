"""What a Space and a Job share as backends: the Hub is asked at most every hub_poll_s, bills
started minutes at the flavor's price, and only it knows whether a run still exists."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlmodel import Session

from trainpkg_app.core.hardware import find_flavor
from trainpkg_app.core.resume import (
    CHECKPOINTS,
    TRAINED_MODEL,
    Carryover,
    complete_checkpoints,
)
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.db.hub_tokens import HubCredentials
from trainpkg_app.db.models import Deployment, utc_now
from trainpkg_app.db.models import TrainingPackageVersion as Version
from trainpkg_app.db.versions import get_version
from trainpkg_app.deploy import hub_runs
from trainpkg_app.deploy.records import (
    ACTIVE,
    deploy_settings,
    finish,
    mark_active,
)
from trainpkg_app.settings import get_settings


class HubBackend:
    target: str
    what: str  # one run, in a message: "A Space"
    runs: str  # its runs, in a message: "Space runs"
    flavor_setting: str  # the deploy setting that names the hardware flavor

    def start(
        self,
        session: Session,
        *,
        owner_id: uuid.UUID,
        version_id: uuid.UUID,
        runs_dir: Path,
        continuation: Carryover | None = None,
    ) -> Deployment:
        """Launch the run with the owner's Hub token; it is pending until the Hub runs it (a
        continuation's train.py fetches its checkpoint from the results repo)."""
        version = get_version(session, owner_id=owner_id, version_id=version_id)
        credentials = hub_runs.credentials(session, owner_id, self.what)
        deployment = self._launch(session, version, credentials, runs_dir, continuation)
        deployment.started_at = utc_now()
        version.training_status = TrainingStatus.PENDING.value
        session.flush()
        return deployment

    def _launch(
        self,
        session: Session,
        version: Version,
        credentials: HubCredentials,
        runs_dir: Path,
        continuation: Carryover | None,
    ) -> Deployment:
        """Register the run, upload its package and start it; sets its URL and remote id."""
        raise NotImplementedError

    @property
    def poll_interval_s(self) -> float:
        return get_settings().hub_poll_s

    def usd_per_hour(self, deploy: dict) -> float:
        flavor = find_flavor(deploy.get(self.flavor_setting) or "")
        return flavor.usd_per_hour if flavor else 0.0

    def checkpoint_steps(
        self, session: Session, deployment: Deployment, results_repo: str | None
    ) -> list[int]:
        """The checkpoints the run pushed to its results repo."""
        if not results_repo:
            return []
        return complete_checkpoints(hub_runs.repo_files(session, deployment, results_repo))

    def fetch_checkpoint(
        self, session: Session, deployment: Deployment, results_repo: str | None, step: int
    ) -> Path:
        """The checkpoint's weights, downloaded from the results repo into the run's folder."""
        return hub_runs.download_checkpoint(
            session, deployment, results_repo, f"{CHECKPOINTS}/checkpoint-{step}"
        )

    def fetch_trained_model(
        self, session: Session, deployment: Deployment, results_repo: str | None
    ) -> Path:
        """The results repo's root (the final model), downloaded into the run's folder."""
        return hub_runs.download_trained_model(session, deployment, results_repo, TRAINED_MODEL)

    def is_gone(self, deployment: Deployment) -> bool:
        return False  # asking the Hub is sync's work, at its own pace

    def _settle(
        self,
        session: Session,
        deployment: Deployment,
        status: str,
        error: str,
        billed_s: float | None = None,
        summary: dict | None = None,
    ) -> str:
        """Record the status the Hub reported; an ended run is finished at the flavor's price,
        with the evaluation card of the ``summary`` train.py wrote, if any."""
        if status in ACTIVE:
            mark_active(session, deployment, status)
        else:
            deployment.error = deployment.error or error
            finish(
                session,
                deployment,
                {
                    "status": status,
                    "error": deployment.error,
                    "evaluation": (summary or {}).get("evaluation"),
                },
                self.usd_per_hour(deploy_settings(session, deployment)),
                started_minutes=True,
                billed_s=billed_s,
            )
        session.flush()
        return deployment.status
