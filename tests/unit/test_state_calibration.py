"""The workspace reads the owner's measured runs (WorkspaceState.load_measured_runs): the Deploy
step's estimate is calibrated by them, publishing records that calibrated cost, and another
user's runs are never read."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlmodel import select
from statekit import new_package, new_user, open_tab
from test_drafts import valid_draft
from test_state_publish_restore import publish

from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.state.history import HistoryState
from trainpkg_app.state.workspace import WorkspaceState

pytestmark = pytest.mark.usefixtures("app_db")


def _measured_draft():
    draft = valid_draft()  # a LoRA Job on A10G small
    draft.forms["model"]["parameters"] = "494000000"
    draft.datasets[0] |= {"rows": "20000", "mean_tokens": "200"}
    return draft


def _measured_run(version_id: uuid.UUID) -> None:
    """A completed run of the version that measured 20,000 tokens/s on the Job's A10G small."""
    with session_scope() as session:
        run = Deployment(version_id=version_id, target="hf_job", status="completed")
        run.measured = {
            "status": "completed",
            "hardware": "hf_job:a10g-small",
            "hardware_label": "a10g-small",
            "parameters": 494_000_000,
            "method": "lora",
            "tokens": 2_000_000,
            "train_s": 100.0,
            "wall_s": 160.0,
            "tokens_per_s": 20_000.0,
        }
        session.add(run)


async def test_the_estimate_is_calibrated_by_the_owners_measured_runs_only():
    token = new_user()
    tab = await open_tab(token, new_package(token, _measured_draft(), name="calib"))
    await tab.send(HistoryState.refresh)
    workspace = tab.state(WorkspaceState)
    await tab.send(WorkspaceState.load_measured_runs)
    assert workspace.run_estimate["basis"].startswith("Static estimate: no measured run of a 0.5B")
    static_cost = workspace.run_estimate["cost_usd"]
    assert await publish(tab) == "Published calib-v1."
    with session_scope() as session:
        version = session.exec(select(TrainingPackageVersion)).one()
    assert version.estimated_cost == Decimal(static_cost)
    _measured_run(version.id)

    other = new_user()
    stranger = await open_tab(other, new_package(other, _measured_draft()))
    await stranger.send(WorkspaceState.load_measured_runs)
    assert stranger.state(WorkspaceState)._measured_runs == []  # not their run

    await tab.send(WorkspaceState.load_measured_runs)
    estimate = workspace.run_estimate
    assert estimate["basis"].startswith(
        "Calibrated by 1 run of 0.5B-class models on a10g-small, median tokens/s 20,000 (calib-v1)"
    )
    assert estimate["cost_usd"] != static_cost
    assert await publish(tab) == "Published calib-v2."  # it records the calibrated cost
    with session_scope() as session:
        newest = session.exec(
            select(TrainingPackageVersion).where(TrainingPackageVersion.version_number == 2)
        ).one()
    assert newest.estimated_cost == Decimal(estimate["cost_usd"])
