"""The sweep dialog's state: plans only the owner's versions, says what to fix in a form, and
starts (child versions, queued) only what it showed."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select
from statekit import Tab, new_package, new_user

from tests.trainkit.packages import published_snapshot, write_rows
from trainpkg_app.core.sweep_form import DEFAULT_FORM
from trainpkg_app.db.accounts import user_for_token
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import RunQueueEntry, TrainingPackageVersion
from trainpkg_app.db.versions import publish_version
from trainpkg_app.state.events import EventRefused
from trainpkg_app.state.sweeps import SweepState
from trainpkg_app.state.workspace import WorkspaceState

pytestmark = pytest.mark.usefixtures("app_db")


def _published(token: str, tmp_path) -> tuple[str, str]:
    """A package of the token's user with version 1 for this machine: (package, version)."""
    package_id = new_package(token)
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"))
    with session_scope() as session:
        user = user_for_token(session, token)
        version = publish_version(
            session,
            owner_id=user.id,
            package_id=uuid.UUID(package_id),
            snapshot=snapshot,
            change_summary="",
            parent_version_id=None,
        )
        return package_id, str(version.id)


def _tab(token: str, package_id: str) -> Tab:
    tab = Tab(token)
    tab.state(WorkspaceState).package_id = package_id
    return tab


async def _dialog_of_new_version(tmp_path) -> tuple[Tab, str, str, str]:
    """A new user's version 1, its sweep dialog open: (tab, token, package, version)."""
    token = new_user()
    package_id, version_id = _published(token, tmp_path)
    tab = _tab(token, package_id)
    await tab.send(SweepState.open_sweep, version_id=version_id, label="v1")
    return tab, token, package_id, version_id


async def test_a_plan_is_shown_then_started_as_queued_child_versions(tmp_path):
    tab, token, package_id, version_id = await _dialog_of_new_version(tmp_path)
    sweep = tab.state(SweepState)
    assert sweep.dialog_open and sweep.sweep_id == ""  # no sweep yet: the plan form

    await tab.send(SweepState.start_sweep)
    assert sweep.error == "Plan the trials first (Preview)."
    form = DEFAULT_FORM | {"param_2": "lora_r", "values_2": "4, 8", "trim": "on"}
    await tab.send(SweepState.preview, form_data=form)
    assert [row["label"] for row in sweep.planned] == [
        "v1 · lr 1e-4 · r 4",
        "v1 · lr 1e-4 · r 8",
        "v1 · lr 3e-4 · r 4",
        "v1 · lr 3e-4 · r 8",
    ]
    assert sweep.can_start and "4 trials; no estimate on this target" in sweep.plan_total
    assert "no eval split" in sweep.plan_note

    await tab.send(SweepState.start_sweep)
    assert sweep.sweep_id and sweep.message == "Sweep started: its trials are queued."
    assert [trial["status"] for trial in sweep.trials] == ["queued"] * 4
    with session_scope() as session:
        children = session.exec(
            select(TrainingPackageVersion).where(
                TrainingPackageVersion.parent_version_id == uuid.UUID(version_id)
            )
        ).all()
        assert len(children) == 4 and all(child.sweep_id for child in children)
        assert len(session.exec(select(RunQueueEntry)).all()) == 4

    reopened = _tab(token, package_id)  # the version's sweep shows its results
    await reopened.send(SweepState.open_sweep, version_id=version_id, label="v1")
    assert reopened.state(SweepState).sweep_id == sweep.sweep_id

    await tab.send(SweepState.cancel_sweep)
    assert sweep.sweep["status"] == "cancelled"
    assert {trial["status"] for trial in sweep.trials} == {"skipped"}


async def test_a_bad_form_says_what_to_fix_and_plans_nothing(tmp_path):
    tab, *_ = await _dialog_of_new_version(tmp_path)
    sweep = tab.state(SweepState)
    await tab.send(SweepState.preview, form_data=DEFAULT_FORM | {"values_1": "1e-4, lots"})
    assert sweep.error == "Not planned: learning_rate: 'lots' is not a number."
    assert not sweep.can_start and sweep.planned == []
    await tab.send(SweepState.preview, form_data=DEFAULT_FORM | {"budget": ""})
    assert sweep.error == "Not planned: set a total budget, in dollars or in hours."
    await tab.send(SweepState.preview, form_data=DEFAULT_FORM | {"values_1": "2"})
    assert sweep.error.startswith("Trial v1 · lr 2 is not a valid config: learning_rate:")
    assert not sweep.can_start  # over the config's own rule (at most 1)
    with pytest.raises(EventRefused):
        await tab.send(SweepState.preview, form_data={"values_1": "9" * 600})


async def test_someone_elses_version_is_not_found(tmp_path):
    alice = new_user()
    package_id, version_id = _published(alice, tmp_path)
    mallory = _tab(new_user(), package_id)
    await mallory.send(SweepState.open_sweep, version_id=version_id, label="v1")
    assert mallory.state(SweepState).sweep_id == ""
    await mallory.send(SweepState.preview, form_data=DEFAULT_FORM)
    assert mallory.state(SweepState).error == "This version does not exist."
    assert not mallory.state(SweepState).can_start
