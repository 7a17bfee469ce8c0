"""A sweep's total budget and successive halving, checked where every run is checked
(deploy/service: before a launch, and after each sync of an active run)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlmodel import Session

from trainpkg_app.core import sweeps as planner
from trainpkg_app.db.models import Deployment, Sweep, TrainingPackageVersion, as_utc, utc_now
from trainpkg_app.db.sweeps import trials
from trainpkg_app.db.versions import snapshot_of_version
from trainpkg_app.deploy.records import ACTIVE


def _hours(run: Deployment) -> float:
    if not run.started_at:
        return 0.0
    end = run.finished_at or utc_now()
    return max((as_utc(end) - as_utc(run.started_at)).total_seconds() / 3600, 0.0)


def _spent(session: Session, sweep: Sweep, but: uuid.UUID | None = None) -> tuple[float, float]:
    """What the sweep's trials have cost and run so far (an active one: its estimate, at
    least), leaving out the version ``but``."""
    usd = hours = 0.0
    for version, run in trials(session, sweep.id):
        if run is None or version.id == but:
            continue
        cost = float(run.actual_cost or 0)
        if run.status in ACTIVE:
            cost = max(cost, float(version.estimated_cost or 0))
        usd, hours = usd + cost, hours + _hours(run)
    return usd, hours


def launch_refusal(
    session: Session, version: TrainingPackageVersion, estimate: Decimal | None
) -> str:
    """Why a sweep's trial must not start: its sweep's total budget would be passed; or ''."""
    sweep = session.get(Sweep, version.sweep_id) if version.sweep_id else None
    if sweep is None:
        return ""
    if sweep.status == "cancelled":
        return "Its sweep was cancelled."
    usd, hours = _spent(session, sweep, but=version.id)
    return planner.budget_left_refusal(
        None if sweep.budget_usd is None else float(sweep.budget_usd),
        sweep.budget_hours,
        usd,
        hours,
        planner.Estimate(cost_usd=None if estimate is None else float(estimate)),
    )


def stop_reason(session: Session, deployment: Deployment) -> str:
    """Why an active trial must stop now: successive halving put it in the worse half at the
    checkpoint, or its sweep's total budget is spent; or ''."""
    version = session.get(TrainingPackageVersion, deployment.version_id)
    sweep = session.get(Sweep, version.sweep_id) if version and version.sweep_id else None
    if sweep is None:
        return ""
    usd, hours = _spent(session, sweep, but=version.id)  # this one: as it runs, not estimated
    usd, hours = usd + float(deployment.actual_cost or 0), hours + _hours(deployment)
    if sweep.budget_usd is not None and usd > 0 and usd >= float(sweep.budget_usd):
        return (
            f"Stopped by the sweep's budget of ${sweep.budget_usd:.2f}: its trials cost ${usd:.2f}."
        )
    if sweep.budget_hours is not None and hours >= sweep.budget_hours:
        return (
            f"Stopped by the sweep's budget of {sweep.budget_hours:g} h: "
            f"its trials ran {hours:.2f} h."
        )
    return _halving_reason(session, sweep, version, deployment)


def _halving_reason(
    session: Session, sweep: Sweep, version: TrainingPackageVersion, deployment: Deployment
) -> str:
    spec = planner.SweepSpec.model_validate(sweep.spec)
    step = spec.halving_step
    if not step or not planner.reached(deployment.metrics or [], step):
        return ""
    objective = planner.objective_name(
        spec.objective, planner.has_eval_split(snapshot_of_version(version))
    )

    def at_checkpoint(metrics) -> float | None:
        return planner.objective_value(metrics, objective, step) or planner.objective_value(
            metrics, "train_loss", step
        )

    mine = at_checkpoint(deployment.metrics or [])
    if mine is None:
        return ""
    others = [
        value
        for other, run in trials(session, sweep.id)
        if other.id != version.id and run is not None and planner.reached(run.metrics or [], step)
        if (value := at_checkpoint(run.metrics or [])) is not None
    ]
    if not planner.halving_stops(mine, others):
        return ""
    rank = sorted([*others, mine]).index(mine) + 1
    return planner.halving_reason(step, mine, rank, len(others) + 1)
