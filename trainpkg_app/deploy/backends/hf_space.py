"""A Hugging Face Space (deploy/hf_space.py): the package is uploaded to it and it trains itself,
pushing its metrics and summary to its results repo, then pausing."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from trainpkg_app.core.metric_records import parse_lines
from trainpkg_app.core.resume import Carryover
from trainpkg_app.core.vocabulary import DeploymentTarget
from trainpkg_app.db.hub_tokens import HubCredentials
from trainpkg_app.db.models import Deployment
from trainpkg_app.db.models import TrainingPackageVersion as Version
from trainpkg_app.db.versions import snapshot_of_version
from trainpkg_app.deploy import hf_space, hub_names, hub_runs
from trainpkg_app.deploy.backends.hub import HubBackend
from trainpkg_app.deploy.records import KEPT_POINTS, deploy_settings, register_run
from trainpkg_app.package.builder import results_repo_for


class SpaceBackend(HubBackend):
    target = DeploymentTarget.HF_SPACE.value
    what, runs = "A Space", "Space runs"
    flavor_setting = "space_flavor"

    def _launch(
        self,
        session: Session,
        version: Version,
        credentials: HubCredentials,
        runs_dir: Path,
        continuation: Carryover | None,
    ) -> Deployment:
        """Upload the package to its Space and request the hardware; the Space trains itself."""
        wanted = snapshot_of_version(version)["deploy"]
        space_name = wanted["space_name"]
        on_server = hub_runs.check_account(
            credentials, wanted, space_name.split("/")[-1], 0.0, self.usd_per_hour(wanted)
        )
        space_id = hub_names.claim(credentials.api, space_name, "space", str(version.package_id))
        deployment, snapshot, folder = register_run(
            session,
            version,
            self.target,
            runs_dir,
            results_repo=results_repo_for(space_id),
            continuation=continuation,
        )
        hub_names.mark(folder, str(version.package_id))
        deploy = snapshot["deploy"]
        deployment.deployment_url = hf_space.start(
            credentials.api,
            space_id=space_id,
            flavor=deploy["space_flavor"],
            private=on_server or deploy.get("private", True),
            sleep_minutes=deploy.get("sleep_minutes", 60),
            token=credentials.token,
            folder=folder,
        )
        deployment.remote_id = space_id
        return deployment

    def sync(self, session: Session, deployment: Deployment) -> str:
        """Status from the Space's stage and the pushed summary; metrics from the pushed file."""
        api, space_id = hub_runs.run_api(session, deployment), self._space_id(session, deployment)
        stage = hf_space.stage_of(api, space_id)
        pushed = hf_space.read_metrics(api, space_id)
        if pushed:
            deployment.metrics = parse_lines(pushed.decode())[-KEPT_POINTS:]
        summary = self._summary(api, space_id)
        status, error = hf_space.status_for(stage, summary)
        deployment.log_tail = self._log_text(stage, summary)
        return self._settle(session, deployment, status, error, summary=summary)

    def cancel(self, session: Session, deployment: Deployment) -> None:
        space_id = self._space_id(session, deployment)
        deployment.error = "Cancelled by the user: the Space is paused."
        hf_space.pause(hub_runs.run_api(session, deployment), space_id)

    def logs(self, session: Session, deployment: Deployment) -> str:
        api, space_id = hub_runs.run_api(session, deployment), self._space_id(session, deployment)
        stage = hf_space.stage_of(api, space_id)
        return self._log_text(stage, self._summary(api, space_id))

    @staticmethod
    def _space_id(session: Session, deployment: Deployment) -> str:
        return deployment.remote_id or deploy_settings(session, deployment)["space_name"]

    @staticmethod
    def _summary(api, space_id: str) -> dict | None:
        """The summary the Space pushed when its training ended, if it has."""
        raw_summary = hf_space.read_result(api, space_id, hf_space.SUMMARY_FILE)
        return json.loads(raw_summary) if raw_summary else None

    @staticmethod
    def _log_text(stage: str, summary: dict | None) -> str:
        return "\n".join([f"Space stage: {stage}", hf_space.stage_note(stage, summary)])
