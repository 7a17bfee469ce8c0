"""The run queue through the state: Queue from Deploy (nothing published: said so), the list
with positions, reorder and cancel; forged payloads are refused and another user's entry is
"no longer in the queue" for them, untouched."""

from __future__ import annotations

import uuid

import pytest
from statekit import Tab, new_package, new_user

from trainpkg_app.db.accounts import user_for_token
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import RunQueueEntry, TrainingPackageVersion
from trainpkg_app.state.events import EventRefused
from trainpkg_app.state.run_queue import NOTHING_PUBLISHED, RunQueueState

pytestmark = pytest.mark.usefixtures("app_db")


def _publish(token: str, package_id: str, number: int) -> None:
    with session_scope() as session:
        assert user_for_token(session, token) is not None
        session.add(
            TrainingPackageVersion(
                package_id=uuid.UUID(package_id),
                version_number=number,
                name=f"bot-v{number}",
                status="published",
                deployment_target="local",
                config_snapshot={"deploy": {}},
            )
        )


async def _queued_twice(token: str) -> Tab:
    package = new_package(token, name="bot")
    tab = await Tab(token).open(package)
    await tab.send(RunQueueState.queue_latest)
    assert tab.state(RunQueueState).message == NOTHING_PUBLISHED
    for number in (1, 2):
        _publish(token, package, number)
        follow_up = await tab.send(RunQueueState.queue_latest)
        assert follow_up is RunQueueState.refresh
    assert tab.state(RunQueueState).message == "v2 is queued at position 2: see the Runs tab."
    await tab.send(RunQueueState.refresh)
    return tab


async def test_queue_reorder_and_cancel():
    tab = await _queued_twice(new_user())
    state = tab.state(RunQueueState)
    assert [(row["position"], row["version"]) for row in state.rows] == [
        ("1", "bot-v1"),
        ("2", "bot-v2"),
    ]
    assert state.rows[0]["target"] == "This machine"
    second = state.rows[1]["id"]
    await tab.send(RunQueueState.move, entry_id=second, delta=-1)
    assert [row["version"] for row in state.rows] == ["bot-v2", "bot-v1"]
    await tab.send(RunQueueState.cancel, entry_id=state.rows[1]["id"])
    assert [(row["position"], row["version"]) for row in state.rows] == [("1", "bot-v2")]
    assert state.queue_message == ""


async def test_forged_payloads_are_refused():
    tab = await _queued_twice(new_user())
    entry = tab.state(RunQueueState).rows[0]["id"]
    for handler, payload in (
        (RunQueueState.move, {"entry_id": entry, "delta": 5}),
        (RunQueueState.move, {"entry_id": entry, "delta": "-1"}),
        (RunQueueState.move, {"entry_id": "../x", "delta": 1}),
        (RunQueueState.cancel, {"entry_id": 7}),
    ):
        with pytest.raises(EventRefused):
            await tab.send(handler, **payload)
    assert tab.state(RunQueueState).rows[0]["id"] == entry


async def test_another_users_entry_is_not_in_their_queue():
    alice = await _queued_twice(new_user())
    alices = alice.state(RunQueueState).rows[0]["id"]
    bob = Tab(new_user())
    for handler, payload in (
        (RunQueueState.cancel, {"entry_id": alices}),
        (RunQueueState.move, {"entry_id": alices, "delta": 1}),
    ):
        await bob.send(handler, **payload)
        assert bob.state(RunQueueState).queue_message == "This run is no longer in the queue."
        assert bob.state(RunQueueState).rows == []
    with session_scope() as session:
        entry = session.get(RunQueueEntry, uuid.UUID(alices))
        assert (entry.status, entry.position) == ("queued", 1)
