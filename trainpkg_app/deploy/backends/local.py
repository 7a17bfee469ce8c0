"""This machine: the package runs as a process here (deploy/local.py), writing its metrics, log
and summary into its run folder."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sqlmodel import Session

from trainpkg_app.core.resume import (
    CHECKPOINTS,
    TRAINED_MODEL,
    Carryover,
    Continuation,
    complete_checkpoints,
)
from trainpkg_app.core.vocabulary import DeploymentTarget, TrainingStatus
from trainpkg_app.db.models import Deployment, utc_now
from trainpkg_app.db.versions import get_version
from trainpkg_app.deploy import local
from trainpkg_app.deploy.records import (
    KEPT_POINTS,
    deploy_settings,
    finish,
    register_run,
)
from trainpkg_app.settings import get_settings


class LocalBackend:
    target = DeploymentTarget.LOCAL.value
    poll_interval_s = 0.0  # reading the run folder costs nothing: every monitor pass

    def start(
        self,
        session: Session,
        *,
        owner_id: uuid.UUID,
        version_id: uuid.UUID,
        runs_dir: Path,
        continuation: Carryover | None = None,
        env: dict[str, str] | None = None,
    ) -> Deployment:
        """Build the package into a run folder and launch it (with ``env``, else this
        process's environment); one active run per version. A continuation's checkpoint is
        copied from the earlier run's folder."""
        version = get_version(session, owner_id=owner_id, version_id=version_id)
        deployment, snapshot, run_dir = register_run(
            session, version, self.target, runs_dir, continuation=continuation
        )
        if isinstance(continuation, Continuation):
            name = f"{CHECKPOINTS}/checkpoint-{continuation.step}"
            shutil.copytree(Path(continuation.source_dir) / name, run_dir / name)
        deployment.pid = local.launch(run_dir, int(snapshot["deploy"].get("num_gpus") or 0), env)
        deployment.status, deployment.started_at = TrainingStatus.RUNNING.value, utc_now()
        version.training_status = TrainingStatus.RUNNING.value
        session.flush()
        return deployment

    def sync(self, session: Session, deployment: Deployment) -> str:
        """Read new metrics; finish the record when the process has ended (the caps are
        service.sync's)."""
        run_dir = Path(deployment.run_dir)
        records, deployment.metrics_offset = local.new_metrics(run_dir, deployment.metrics_offset)
        if records:
            deployment.metrics = ([*(deployment.metrics or []), *records])[-KEPT_POINTS:]
        deployment.log_tail = self.logs(session, deployment)
        if not local.is_alive(deployment.pid):
            usd_per_hour = self.usd_per_hour(deploy_settings(session, deployment))
            finish(session, deployment, local.summary(run_dir), usd_per_hour)
        session.flush()
        return deployment.status

    def cancel(self, session: Session, deployment: Deployment) -> None:
        if deployment.pid:
            deployment.error = "Cancelled by the user."
            local.stop(deployment.pid)

    def usd_per_hour(self, deploy: dict) -> float:
        """What the user says an hour of this machine costs them (setting local_usd_per_hour)."""
        return get_settings().local_usd_per_hour

    def logs(self, session: Session, deployment: Deployment) -> str:
        return local.log_tail(Path(deployment.run_dir))

    def checkpoint_steps(
        self, session: Session, deployment: Deployment, results_repo: str | None
    ) -> list[int]:
        run_dir = Path(deployment.run_dir)
        found = run_dir.glob(f"{CHECKPOINTS}/checkpoint-*/trainer_state.json")
        return complete_checkpoints(str(path.relative_to(run_dir)) for path in found)

    def fetch_checkpoint(
        self, session: Session, deployment: Deployment, results_repo: str | None, step: int
    ) -> Path:
        return Path(deployment.run_dir) / CHECKPOINTS / f"checkpoint-{step}"

    def fetch_trained_model(
        self, session: Session, deployment: Deployment, results_repo: str | None
    ) -> Path:
        return Path(deployment.run_dir) / TRAINED_MODEL

    def is_gone(self, deployment: Deployment) -> bool:
        return not local.is_alive(deployment.pid)
