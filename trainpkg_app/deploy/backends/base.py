"""The one interface the service and the monitor use to run a package on a target."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Protocol, runtime_checkable

from sqlmodel import Session

from trainpkg_app.core.resume import Carryover
from trainpkg_app.db.models import Deployment


class UnknownTarget(LookupError):
    """No backend runs this target."""


@runtime_checkable
class Backend(Protocol):
    """A deployment target: how a run starts there, is followed, is cancelled and is billed."""

    target: str  # the DeploymentTarget value that selects this backend

    @property
    def poll_interval_s(self) -> float:
        """The least time between two syncs of one run (0: at every monitor pass)."""
        ...

    def start(
        self,
        session: Session,
        *,
        owner_id: uuid.UUID,
        version_id: uuid.UUID,
        runs_dir: Path,
        continuation: Carryover | None = None,
    ) -> Deployment:
        """Build the version's package and launch it (going on from an earlier run's checkpoint
        with a ``continuation``); the new record, pending or running."""
        ...

    def sync(self, session: Session, deployment: Deployment) -> str:
        """Bring an active record's status, metrics, log tail and cost up to date with its run;
        returns the status (finishing the record when the run has ended)."""
        ...

    def cancel(self, session: Session, deployment: Deployment) -> None:
        """Stop an active run; its next sync records how it ended."""
        ...

    def usd_per_hour(self, deploy: dict) -> float:
        """What a run with these target settings costs an hour."""
        ...

    def logs(self, session: Session, deployment: Deployment) -> str:
        """The run's latest log lines, read from the target (sync keeps them as log_tail)."""
        ...

    def checkpoint_steps(
        self, session: Session, deployment: Deployment, results_repo: str | None
    ) -> list[int]:
        """The steps of the run's complete checkpoints, oldest first, where the target keeps
        them (the run folder here, the results repo on the Hub)."""
        ...

    def fetch_checkpoint(
        self, session: Session, deployment: Deployment, results_repo: str | None, step: int
    ) -> Path:
        """The folder of one of the run's checkpoints, on this machine (fetched from the Hub
        when it lives there), for a warm start to copy its weights from."""
        ...

    def fetch_trained_model(
        self, session: Session, deployment: Deployment, results_repo: str | None
    ) -> Path:
        """The folder of the run's final model (adapter or full weights, tokenizer, model
        card), on this machine (downloaded from the results repo when it lives there)."""
        ...

    def is_gone(self, deployment: Deployment) -> bool:
        """True when an active record's run is known to have vanished (a restart found no
        process); a run only its target can answer about is followed by sync instead."""
        ...
