"""Deployments in the database: start a local run, follow it, cancel it, reconcile after a
restart. The state lives in the DB, so it survives the tab and the app."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from trainpkg_app.core.hardware import find_flavor
from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.hub_tokens import hub_api_for_owner
from trainpkg_app.db.models import Deployment, TrainingPackage, TrainingPackageVersion, utc_now
from trainpkg_app.db.versions import get_version, snapshot_of_version
from trainpkg_app.deploy import hf_space, local
from trainpkg_app.package.builder import build_package
from trainpkg_app.settings import get_settings

ACTIVE = (TrainingStatus.PENDING.value, TrainingStatus.RUNNING.value)
KEPT_POINTS = 2000


class AlreadyRunning(RuntimeError):
    pass


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start_local(
    session: Session,
    *,
    owner_id: uuid.UUID,
    version_id: uuid.UUID,
    runs_dir: Path,
    env: dict[str, str] | None = None,
) -> Deployment:
    """Build the package into a run folder and launch it; one active run per version."""
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    deployment, snapshot, run_dir = _register_run(session, version, "local", runs_dir)
    deployment.pid = local.launch(run_dir, int(snapshot["deploy"].get("num_gpus") or 0), env)
    deployment.status, deployment.started_at = TrainingStatus.RUNNING.value, utc_now()
    version.training_status = TrainingStatus.RUNNING.value
    session.flush()
    return deployment


def _register_run(
    session: Session, version: TrainingPackageVersion, target: str, runs_dir: Path
) -> tuple[Deployment, dict, Path]:
    """Record a new run (the partial unique index allows one active run per version) and build
    its package folder."""
    deployment = Deployment(
        version_id=version.id, target=target, estimated_cost=version.estimated_cost
    )
    session.add(deployment)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise AlreadyRunning(
            f"{version.name} is already being trained; wait or cancel it."
        ) from None
    snapshot = snapshot_of_version(version)
    run_dir = build_package(version.name, snapshot, runs_dir / str(deployment.id))
    deployment.run_dir = str(run_dir)
    return deployment, snapshot, run_dir


def _owned(session: Session, owner_id: uuid.UUID, deployment_id: uuid.UUID) -> Deployment:
    deployment = session.get(Deployment, deployment_id)
    if deployment is None:
        raise NotFound("This run does not exist.")
    get_version(session, owner_id=owner_id, version_id=deployment.version_id)  # ownership
    return deployment


def claim(session: Session, deployment_id: uuid.UUID, worker: str, ttl_s: float = 15) -> bool:
    """Take (or keep) the lease on a run: with several workers, one monitor follows it."""
    now = utc_now()
    result = session.exec(
        sa.update(Deployment)
        .where(
            Deployment.id == deployment_id,
            sa.or_(
                Deployment.lease_owner.is_(None),
                Deployment.lease_owner == worker,
                Deployment.lease_expires_at < now,
            ),
        )
        .values(lease_owner=worker, lease_expires_at=now + timedelta(seconds=ttl_s))
    )
    return result.rowcount == 1


def _deploy_settings(session: Session, deployment: Deployment) -> dict:
    """The target settings the run's version was published with."""
    version = session.get(TrainingPackageVersion, deployment.version_id)
    return (version.config_snapshot or {}).get("deploy", {})


def sync(session: Session, deployment: Deployment) -> str:
    """Bring the record up to date with its run; returns the status."""
    if deployment.status not in ACTIVE:
        return deployment.status
    if deployment.target == "hf_space":
        return _sync_space(session, deployment)
    return _sync_local(session, deployment)


def _sync_local(session: Session, deployment: Deployment) -> str:
    """Read new metrics; stop a run past its time cap; finish the record when the process has
    ended."""
    max_hours = _deploy_settings(session, deployment).get("max_hours")
    run_dir = Path(deployment.run_dir)
    records, deployment.metrics_offset = local.new_metrics(run_dir, deployment.metrics_offset)
    if records:
        deployment.metrics = ([*(deployment.metrics or []), *records])[-KEPT_POINTS:]
    deployment.log_tail = local.log_tail(run_dir)
    elapsed_h = (utc_now() - _aware(deployment.started_at)).total_seconds() / 3600
    if max_hours and elapsed_h > max_hours and local.is_alive(deployment.pid):
        deployment.error = f"Stopped by the time cap of {max_hours:g} h."
        local.stop(deployment.pid)
    if not local.is_alive(deployment.pid):
        _finish(session, deployment, local.summary(run_dir))
    session.flush()
    return deployment.status


def _finish(
    session: Session,
    deployment: Deployment,
    summary: dict | None,
    usd_per_hour: float | None = None,
) -> None:
    if summary is None:
        deployment.status = TrainingStatus.FAILED.value
        deployment.error = deployment.error or "The training process ended without a summary."
    else:
        deployment.status = summary.get("status", TrainingStatus.FAILED.value)
        deployment.error = summary.get("error", deployment.error)
    deployment.finished_at = utc_now()
    runtime_h = (deployment.finished_at - _aware(deployment.started_at)).total_seconds() / 3600
    if usd_per_hour is None:  # this machine: your own rate
        usd_per_hour = get_settings().local_usd_per_hour
        billed_h = runtime_h
    else:  # the Hub bills started minutes
        billed_h = math.ceil(runtime_h * 60) / 60
    rate = Decimal(str(usd_per_hour))
    deployment.actual_cost = (rate * Decimal(str(billed_h))).quantize(Decimal("0.0001"))
    version = session.get(TrainingPackageVersion, deployment.version_id)
    losses = [m["loss"] for m in deployment.metrics or [] if "loss" in m]
    version.training_status = deployment.status
    version.actual_cost = deployment.actual_cost
    version.training_metrics = {
        "steps": (deployment.metrics or [{}])[-1].get("step"),
        "last_loss": losses[-1] if losses else None,
        "runtime_h": round(runtime_h, 6),
        "deployment_id": str(deployment.id),
    }


def cancel(session: Session, *, owner_id: uuid.UUID, deployment_id: uuid.UUID) -> None:
    deployment = _owned(session, owner_id, deployment_id)
    if deployment.status in ACTIVE and deployment.target == "hf_space":
        cancel_space(session, deployment)
    elif deployment.status in ACTIVE and deployment.pid:
        deployment.error = "Cancelled by the user."
        local.stop(deployment.pid)


def reconcile(session: Session) -> int:
    """At start-up: runs marked active whose process is gone end as failed (with their log)."""
    stale = session.exec(select(Deployment).where(Deployment.status.in_(ACTIVE))).all()
    ended = 0
    for deployment in stale:
        if deployment.target == "local" and not local.is_alive(deployment.pid):
            sync(session, deployment)
            ended += 1
    return ended


def list_runs(session: Session, *, owner_id: uuid.UUID, limit: int = 100) -> list[dict[str, str]]:
    """The owner's runs, newest first, for the Runs tab."""

    rows = session.exec(
        select(Deployment, TrainingPackageVersion, TrainingPackage)
        .join(TrainingPackageVersion, TrainingPackageVersion.id == Deployment.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(TrainingPackage.owner_id == owner_id)
        .order_by(Deployment.created_at.desc())
        .limit(limit)
    ).all()
    runs = []
    for deployment, version, package in rows:
        end = deployment.finished_at or (utc_now() if deployment.started_at else None)
        minutes = (
            (_aware(end) - _aware(deployment.started_at)).total_seconds() / 60
            if deployment.started_at and end
            else None
        )
        runs.append(
            {
                "id": str(deployment.id),
                "package_id": str(package.id),
                "package": package.name,
                "version": version.name,
                "target": deployment.target,
                "status": deployment.status,
                "started": deployment.started_at.isoformat() if deployment.started_at else "",
                "duration": f"{minutes:.1f} min" if minutes is not None else "—",
                "estimated_cost": f"${version.estimated_cost:.2f}"
                if version.estimated_cost is not None
                else "—",
                "actual_cost": f"${deployment.actual_cost:.2f}"
                if deployment.actual_cost is not None
                else "—",
            }
        )
    return runs


# --- Hugging Face Space -------------------------------------------------------------------


def _space_api(session: Session, deployment: Deployment):
    """The Hub client of the run's owner, and the Space's id."""
    version = session.get(TrainingPackageVersion, deployment.version_id)
    owner = session.get(TrainingPackage, version.package_id).owner_id
    api, _token = hub_api_for_owner(session, owner)
    return api, _deploy_settings(session, deployment)["space_name"]


def start_space(
    session: Session, *, owner_id: uuid.UUID, version_id: uuid.UUID, runs_dir: Path
) -> Deployment:
    """Upload the package to its Space and request the hardware; the Space trains itself."""
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    api, token = hub_api_for_owner(session, owner_id)
    if api is None:
        raise AlreadyRunning(
            "A Space needs a Hugging Face token: press Set token on the deploy step."
        )
    deployment, snapshot, folder = _register_run(session, version, "hf_space", runs_dir)
    deploy = snapshot["deploy"]
    deployment.deployment_url = hf_space.start(
        api,
        space_id=deploy["space_name"],
        flavor=deploy["space_flavor"],
        private=deploy.get("private", True),
        sleep_minutes=deploy.get("sleep_minutes", 60),
        token=token,
        folder=folder,
    )
    deployment.started_at = utc_now()
    version.training_status = TrainingStatus.PENDING.value
    session.flush()
    return deployment


def _sync_space(session: Session, deployment: Deployment) -> str:
    api, space_id = _space_api(session, deployment)
    stage = hf_space.stage_of(api, space_id)
    pushed = hf_space.read_result(api, space_id, "metrics.jsonl")
    if pushed:
        deployment.metrics = [
            json.loads(line) for line in pushed.decode().splitlines() if line.strip()
        ]
    raw_summary = hf_space.read_result(api, space_id, "summary.json")
    summary = json.loads(raw_summary) if raw_summary else None
    status, error = hf_space.status_for(stage, summary)
    deployment.log_tail = f"Space stage: {stage}"
    if status in ACTIVE:
        version = session.get(TrainingPackageVersion, deployment.version_id)
        deployment.status = version.training_status = status
    else:
        flavor = find_flavor(_deploy_settings(session, deployment).get("space_flavor", ""))
        deployment.error = deployment.error or error
        _finish(
            session,
            deployment,
            {"status": status, "error": deployment.error},
            usd_per_hour=flavor.usd_per_hour if flavor else 0.0,
        )
    session.flush()
    return deployment.status


def cancel_space(session: Session, deployment: Deployment) -> None:
    api, space_id = _space_api(session, deployment)
    deployment.error = "Cancelled by the user: the Space is paused."
    hf_space.pause(api, space_id)
