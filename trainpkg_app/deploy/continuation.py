"""Resume a failed or cancelled run, or Extend a completed one: a new run of the same version
that goes on from the earlier run's latest checkpoint, on the same target (same split and
seed: the package is the version's, and the Trainer restores the data order and RNG)."""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml
from sqlmodel import Session

from trainpkg_app.core import doctor, resume
from trainpkg_app.core.metric_records import finite
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.db.versions import snapshot_of_version
from trainpkg_app.deploy.backends import backend_for
from trainpkg_app.deploy.records import CannotResume, owned
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.package.builder import package_spec

NO_CHECKPOINT = (
    "This run saved no checkpoint to go on from (it ended before its first save, or its "
    "version saves none: Save checkpoints is off). Deploy the version again to start over."
)
PACKAGE_GONE = "This run's package is gone from this server: deploy the version again."


def trained_spec(deployment: Deployment) -> dict:
    """The package.yaml the earlier run trained with."""
    path = Path(deployment.run_dir) / "package.yaml"
    if not deployment.run_dir or not path.is_file():
        raise CannotResume(PACKAGE_GONE)
    return yaml.safe_load(path.read_text())


def _planned_steps(deployment: Deployment) -> int:
    """The steps the earlier run planned (its last metrics record says)."""
    last = (deployment.metrics or [{}])[-1]
    return int(last.get("max_steps") or 0)


def plan(session: Session, deployment: Deployment, more: int | None) -> resume.Continuation:
    """How the earlier run goes on (more: Extend by that many steps or epochs); CannotResume
    says why it cannot."""
    kind = "resume" if more is None else "extend"
    why = resume.refusal(deployment.status, kind)
    if why:
        raise CannotResume(why)
    trained = trained_spec(deployment)
    steps = backend_for(deployment.target).checkpoint_steps(
        session, deployment, trained.get("results_repo")
    )
    step = max(steps, default=None)
    if step is None:
        raise CannotResume(NO_CHECKPOINT)
    sft = trained["training_arguments"]["sft"]
    try:
        overrides = resume.extended_plan(sft, step, more) if more is not None else {}
    except ValueError as error:
        raise CannotResume(str(error)) from None
    planned = _planned_steps(deployment) or step
    new_steps = overrides.get("max_steps") or planned
    if "num_train_epochs" in overrides:
        new_steps = round(planned * overrides["num_train_epochs"] / sft["num_train_epochs"])
    version = session.get(TrainingPackageVersion, deployment.version_id)
    continuation = resume.Continuation(
        from_run=str(deployment.id),
        step=step,
        sft=overrides,
        kind=kind,
        source_dir=deployment.run_dir,
        estimate=resume.continuation_estimate(version.estimated_cost, planned, step, new_steps),
    )
    now = package_spec(version.name, snapshot_of_version(version), None, continuation)
    why = resume.carry_refusal(trained, now, kind)
    if why:
        raise CannotResume(why)
    return continuation


def planned_for(
    session: Session, *, owner_id: uuid.UUID, deployment_id: uuid.UUID, more: int | None
) -> tuple[Deployment, resume.Continuation]:
    """The owner's run and how it goes on."""
    deployment = owned(session, owner_id, deployment_id)
    return deployment, plan(session, deployment, more)


def warm_start_for(
    session: Session, owner_id: uuid.UUID, version: TrainingPackageVersion
) -> resume.WarmStart | None:
    """The checkpoint weights a version starts from (its Config's warm_start), checked: the
    run is the owner's, the checkpoint is still there, the weights fit the version's model."""
    snapshot = snapshot_of_version(version)
    wanted = resume.parse_warm_start(snapshot["config"].get("warm_start", ""))
    if wanted is None:
        return None
    run_id, step = wanted
    earlier = owned(session, owner_id, uuid.UUID(run_id))
    trained = trained_spec(earlier)
    backend, results_repo = backend_for(earlier.target), trained.get("results_repo")
    if step not in backend.checkpoint_steps(session, earlier, results_repo):
        raise CannotResume(
            f"The checkpoint at step {step} that this version starts from is gone: clear "
            "Start from checkpoint in Config and publish again."
        )
    why = resume.carry_refusal(trained, package_spec(version.name, snapshot), "warm")
    if why:
        raise CannotResume(why)
    folder = backend.fetch_checkpoint(session, earlier, results_repo, step)
    return resume.WarmStart(from_run=run_id, step=step, weights=str(folder))


def best_warm_start(session: Session, deployment: Deployment) -> str:
    """After a doctor stop: the warm_start value of the run's best checkpoint before the
    trouble began (core/resume.best_checkpoint), or '' when it saved none before it."""
    metrics = deployment.metrics or []
    finding = doctor.finding_that_stops("stop", metrics)
    if finding is None:
        return ""
    try:
        trained = trained_spec(deployment)
        steps = backend_for(deployment.target).checkpoint_steps(
            session, deployment, trained.get("results_repo")
        )
    except (CannotResume, HubProblem):  # no package or no Hub now: retry without it
        return ""
    evals = {m["step"]: m["eval_loss"] for m in metrics if finite(m.get("eval_loss")) is not None}
    best = resume.best_checkpoint(steps, finding.start_step, evals)
    return resume.warm_start_ref(str(deployment.id), best) if best is not None else ""
