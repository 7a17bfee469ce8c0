"""Sweeps: plan the trials of a version (with their estimates against the total budget),
publish one immutable child version per trial and queue them, read the results, promote the
best trial into the draft. The budget and halving are enforced in deploy/sweep_caps."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from trainpkg_app.core import sweeps as planner
from trainpkg_app.core.cost import usd
from trainpkg_app.core.drafts import DraftContent
from trainpkg_app.core.insights import run_estimate
from trainpkg_app.db.models import RunQueueEntry, Sweep, TrainingPackageVersion, utc_now
from trainpkg_app.db.publishing import publish_trial, restore_into_draft
from trainpkg_app.db.sweeps import create_sweep, get_sweep, sweeps_of_package, trials
from trainpkg_app.db.versions import get_version, snapshot_of_version
from trainpkg_app.deploy import run_queue, service, sweep_caps
from trainpkg_app.deploy.records import ACTIVE

SKIPPED = "skipped"  # a trial that never ran: the budget was spent, or the sweep cancelled


class SweepRefused(Exception):
    """The sweep cannot start as planned: the message says why, with the numbers."""


class PlannedTrial(BaseModel):
    label: str
    values: str
    overrides: dict[str, Any]
    cost_usd: float | None
    hours: float | None
    refusal: str  # why this trial's config is invalid, or ''


class Plan(BaseModel):
    trials: list[PlannedTrial]
    fit: planner.BudgetFit
    objective: planner.Objective
    note: str  # what the user should know (objective fallback, unknown estimates)


def _estimate(content: DraftContent) -> planner.Estimate:
    found = run_estimate(content.forms, content.datasets)
    cost, hours = found.get("cost_usd"), found.get("hours")
    return planner.Estimate(
        cost_usd=float(cost) if cost else None, hours=float(hours) if hours else None
    )


def _plan(parent: TrainingPackageVersion, spec: planner.SweepSpec) -> Plan:
    snapshot = snapshot_of_version(parent)
    rows, estimates = [], []
    for trial in planner.plan(spec):
        content = planner.trial_content(snapshot, trial.overrides)
        estimate = _estimate(content)
        estimates.append(estimate)
        rows.append(
            PlannedTrial(
                label=planner.trial_label(parent.version_number, trial.overrides),
                values=planner.trial_values(trial.overrides),
                overrides=trial.overrides,
                cost_usd=estimate.cost_usd,
                hours=estimate.hours,
                refusal=planner.trial_config_refusal(snapshot["config"], trial.overrides),
            )
        )
    objective = planner.objective_name(spec.objective, planner.has_eval_split(snapshot))
    notes = []
    if objective != spec.objective:
        notes.append("This version holds no eval split: trials are ranked by final train loss.")
    if any(e.cost_usd is None and e.hours is None for e in estimates):
        notes.append(
            "This target gives no estimate: the budget holds as the trials run (measured "
            "cost and time), and no trial starts once it is spent."
        )
    return Plan(
        trials=rows,
        fit=planner.fit_budget(spec, estimates),
        objective=objective,
        note=" ".join(notes),
    )


def preview(
    session: Session, *, owner_id: uuid.UUID, version_id: uuid.UUID, spec: planner.SweepSpec
) -> Plan:
    """The trials a sweep of the version would run, their estimates and the budget's verdict."""
    return _plan(get_version(session, owner_id=owner_id, version_id=version_id), spec)


def start(
    session: Session, *, owner_id: uuid.UUID, version_id: uuid.UUID, spec: planner.SweepSpec
) -> Sweep:
    """Record the sweep, publish its trials as child versions and queue them (the ones that
    fit the budget); SweepRefused (nothing written) when the plan cannot run."""
    parent = get_version(session, owner_id=owner_id, version_id=version_id)
    if parent.sweep_id:
        raise SweepRefused("This version is a sweep's trial: sweep its parent instead.")
    planned = _plan(parent, spec)
    invalid = next((trial for trial in planned.trials if trial.refusal), None)
    if invalid:
        raise SweepRefused(f"Trial {invalid.label} is not a valid config: {invalid.refusal}.")
    if planned.fit.refused:
        raise SweepRefused(planned.fit.message)
    sweep = create_sweep(
        session,
        owner_id=owner_id,
        parent=parent,
        spec=spec.model_dump(mode="json"),
        budget_usd=spec.budget_usd,
        budget_hours=spec.budget_hours,
        message=" ".join(part for part in (planned.fit.message, planned.note) if part),
    )
    snapshot = snapshot_of_version(parent)
    for trial in planned.trials[: planned.fit.kept]:
        try:
            version = publish_trial(
                session,
                owner_id=owner_id,
                parent=parent,
                content=planner.trial_content(snapshot, trial.overrides),
                name_suffix=" · " + trial.values,
                sweep_id=sweep.id,
                estimated_cost=None if trial.cost_usd is None else Decimal(f"{trial.cost_usd:.2f}"),
            )
        except ValueError as invalid_trial:
            raise SweepRefused(f"Trial {trial.label}: {invalid_trial}.") from None
        run_queue.enqueue(session, owner_id, version.id, sweep_id=sweep.id)
    return sweep


def _queue_entries(session: Session, sweep_id: uuid.UUID) -> dict[uuid.UUID, RunQueueEntry]:
    """Each trial's newest queue entry (waiting, started or cancelled)."""
    rows = session.exec(
        select(RunQueueEntry)
        .where(RunQueueEntry.sweep_id == sweep_id)
        .order_by(RunQueueEntry.created_at)
    ).all()
    return {entry.version_id: entry for entry in rows}


def _waiting(
    session: Session,
    owner_id: uuid.UUID,
    version: TrainingPackageVersion,
    entry: RunQueueEntry | None,
) -> tuple[str, str]:
    """A trial without a run: queued (and why it waits), or skipped: the sweep's budget is
    spent (its entry leaves the queue, for good: spending only grows) or the sweep was
    cancelled."""
    if entry is None:
        return SKIPPED, "Not queued."
    if entry.status != "queued":
        return SKIPPED, entry.reason
    refusal = sweep_caps.launch_refusal(session, version, version.estimated_cost)
    if not refusal:
        return "queued", entry.reason
    run_queue.cancel(session, owner_id, entry.id)
    entry.reason = f"Not started: {refusal}"
    session.flush()
    return SKIPPED, entry.reason


def cancel(session: Session, *, owner_id: uuid.UUID, sweep_id: uuid.UUID) -> None:
    """End the sweep: its waiting trials leave the queue, its running ones are cancelled
    (through their backend), and none starts later."""
    sweep = get_sweep(session, owner_id=owner_id, sweep_id=sweep_id)
    if sweep.status != "running":
        return
    sweep.status, sweep.finished_at = "cancelled", utc_now()
    for version, run in trials(session, sweep.id):
        entry = _queue_entries(session, sweep.id).get(version.id)
        if entry is not None and entry.status == "queued":
            run_queue.cancel(session, owner_id, entry.id)
            entry.reason = "Not started: the sweep was cancelled."
        if run is not None and run.status in ACTIVE:
            service.cancel(session, owner_id=owner_id, deployment_id=run.id)
    session.flush()


class TrialRow(BaseModel):
    version_id: str
    name: str
    values: str
    overrides: dict[str, Any]
    objective: float | None
    objective_text: str
    status: str
    reason: str
    cost: str
    best: bool = False


class SweepView(BaseModel):
    id: str
    parent_version_id: str
    parent_name: str
    status: str
    objective: str
    budget: str
    message: str
    parameters: list[str]
    trials: list[TrialRow]
    best_version_id: str


def _refresh(session: Session, sweep: Sweep, rows: list[TrialRow]) -> None:
    """Keep the record's best trial and status in step with its trials."""
    best = planner.best({row.version_id: row.objective for row in rows})
    ended = bool(rows) and all(row.status not in (*ACTIVE, "queued") for row in rows)
    best_id = uuid.UUID(best) if best else None
    if sweep.best_version_id != best_id:
        sweep.best_version_id = best_id
    if ended and sweep.status == "running":
        sweep.status, sweep.finished_at = "completed", utc_now()
    session.flush()


def _budget_text(sweep: Sweep) -> str:
    if sweep.budget_usd is not None:
        return usd(sweep.budget_usd)
    return f"{sweep.budget_hours:g} h" if sweep.budget_hours is not None else "—"


def results(session: Session, *, owner_id: uuid.UUID, sweep_id: uuid.UUID) -> SweepView:
    """The sweep's trials with their objective, status and cost; the best one marked."""
    sweep = get_sweep(session, owner_id=owner_id, sweep_id=sweep_id)
    spec = planner.SweepSpec.model_validate(sweep.spec)
    parent = session.get(TrainingPackageVersion, sweep.parent_version_id)
    objective = planner.objective_name(
        spec.objective, planner.has_eval_split(snapshot_of_version(parent))
    )
    entries = _queue_entries(session, sweep.id)
    rows = []
    for version, run in trials(session, sweep.id):
        overrides = {
            axis.name: snapshot_of_version(version)["config"].get(axis.name) for axis in spec.axes
        }
        value = planner.objective_value(run.metrics or [], objective) if run else None
        status, reason = _waiting(session, owner_id, version, entries.get(version.id))
        if run is not None:
            status, reason = run.status, run.error or ""
        rows.append(
            TrialRow(
                version_id=str(version.id),
                name=version.name,
                values=planner.trial_values(overrides),
                overrides=overrides,
                objective=value,
                objective_text=f"{value:.4f}" if value is not None else "—",
                status=status,
                reason=reason,
                cost=usd(run.actual_cost) if run and run.actual_cost is not None else "—",
            )
        )
    _refresh(session, sweep, rows)
    for row in rows:
        row.best = row.version_id == str(sweep.best_version_id or "")
    return SweepView(
        id=str(sweep.id),
        parent_version_id=str(sweep.parent_version_id),
        parent_name=parent.name,
        status=sweep.status,
        objective="eval loss" if objective == "eval_loss" else "final train loss",
        budget=_budget_text(sweep),
        message=sweep.message,
        parameters=[axis.name for axis in spec.axes],
        trials=rows,
        best_version_id=str(sweep.best_version_id or ""),
    )


def latest_of_package(
    session: Session, *, owner_id: uuid.UUID, package_id: uuid.UUID
) -> uuid.UUID | None:
    found = sweeps_of_package(session, owner_id=owner_id, package_id=package_id)
    return found[0].id if found else None


def promote(
    session: Session,
    *,
    owner_id: uuid.UUID,
    sweep_id: uuid.UUID,
    package_id: uuid.UUID,
    expected_revision: int,
) -> tuple[DraftContent, int, TrainingPackageVersion]:
    """The best trial becomes the package's next draft (as Restore does); SweepRefused when
    no trial has an objective yet."""
    view = results(session, owner_id=owner_id, sweep_id=sweep_id)
    if not view.best_version_id:
        raise SweepRefused("No trial has an objective yet: promote once one has trained.")
    best = uuid.UUID(view.best_version_id)
    content, revision = restore_into_draft(
        session,
        owner_id=owner_id,
        package_id=package_id,
        version_id=best,
        expected_revision=expected_revision,
    )
    return content, revision, session.get(TrainingPackageVersion, best)
