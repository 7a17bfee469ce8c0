"""A Hugging Face Job (deploy/hf_job.py): the package is uploaded to a private model repo and
run there; the Job prints its metrics and summary to its logs and stops by itself."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from trainpkg_app.core import caps
from trainpkg_app.core.resume import Carryover
from trainpkg_app.core.vocabulary import DeploymentTarget
from trainpkg_app.db.hub_tokens import HubCredentials
from trainpkg_app.db.models import Deployment
from trainpkg_app.db.models import TrainingPackageVersion as Version
from trainpkg_app.db.versions import snapshot_of_version
from trainpkg_app.deploy import hf_job, hub_names, hub_runs
from trainpkg_app.deploy.backends.hub import HubBackend
from trainpkg_app.deploy.records import KEPT_POINTS, register_run
from trainpkg_app.hub.errors import explain
from trainpkg_app.package import environment
from trainpkg_app.settings import get_settings

LOG_LINES = 30


class JobBackend(HubBackend):
    target = DeploymentTarget.HF_JOB.value
    what, runs = "A Job", "Job runs"
    flavor_setting = "job_flavor"

    def _launch(
        self,
        session: Session,
        version: Version,
        credentials: HubCredentials,
        runs_dir: Path,
        continuation: Carryover | None,
    ) -> Deployment:
        """Upload the package to a private repo and run it as a Job with the flavor and
        timeout."""
        api = credentials.api
        try:
            namespace = api.whoami()["name"]
        except Exception as error:
            raise explain(error) from error
        repo_id = hf_job.repo_for(namespace, hub_runs.member_repo_name(credentials, version.name))
        wanted = snapshot_of_version(version)["deploy"]
        timeout_minutes = caps.capped_timeout_minutes(
            wanted["timeout_minutes"], wanted.get("budget_usd"), self.usd_per_hour(wanted)
        )
        hours = timeout_minutes / 60
        hub_runs.check_account(
            credentials, wanted, repo_id.split("/")[-1], hours, self.usd_per_hour(wanted)
        )
        package_id = str(version.package_id)
        repo_id = hub_names.claim(api, repo_id, "model", package_id, in_folder=hf_job.PACKAGE_DIR)
        deployment, snapshot, folder = register_run(
            session,
            version,
            self.target,
            runs_dir,
            results_repo=repo_id,
            continuation=continuation,
        )
        hub_names.mark(folder, package_id)
        deploy = snapshot["deploy"]
        runtime = environment.runtime_for(deploy)
        job_id, deployment.deployment_url = hf_job.start(
            api,
            repo_id=repo_id,
            flavor=deploy["job_flavor"],
            timeout_minutes=timeout_minutes,  # the budget may buy fewer minutes
            token=credentials.token,
            folder=folder,
            runtime=runtime,
            image=environment.image_for(runtime, get_settings().cuda_image),
        )
        deployment.remote_id = f"{namespace}/{job_id}"
        return deployment

    def sync(self, session: Session, deployment: Deployment) -> str:
        """Status from the Job's stage; metrics and the summary from its logs."""
        api = hub_runs.run_api(session, deployment)
        namespace, job_id = deployment.remote_id.split("/", 1)
        stage, message, running_s = hf_job.inspect(api, job_id, namespace)
        metrics, summary, other = hf_job.parse_logs(hf_job.read_logs(api, job_id, namespace))
        if metrics:
            deployment.metrics = metrics[-KEPT_POINTS:]
        deployment.log_tail = self._log_text(stage, other)
        status, error = hf_job.status_for(stage, message, summary)
        return self._settle(session, deployment, status, error, billed_s=running_s, summary=summary)

    def cancel(self, session: Session, deployment: Deployment) -> None:
        namespace, job_id = deployment.remote_id.split("/", 1)
        deployment.error = "Cancelled by the user."
        hf_job.cancel(hub_runs.run_api(session, deployment), job_id, namespace)

    def logs(self, session: Session, deployment: Deployment) -> str:
        api = hub_runs.run_api(session, deployment)
        namespace, job_id = deployment.remote_id.split("/", 1)
        stage, _, _ = hf_job.inspect(api, job_id, namespace)
        _, _, other = hf_job.parse_logs(hf_job.read_logs(api, job_id, namespace))
        return self._log_text(stage, other)

    @staticmethod
    def _log_text(stage: str, other: list[str]) -> str:
        """The stage, then the latest log lines that are not metrics or the summary."""
        return "\n".join([f"Job stage: {stage}", *other[-LOG_LINES:]])
