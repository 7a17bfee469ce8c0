"""The playground through its state: a completed run opens with itself and its base chosen
and the owner's other runs of that base offered, at most three answer, the form is checked, the
answers stream into their own slots and keep each model's history, Stop ends them; another
user's run is not found."""

from __future__ import annotations

import uuid

import pytest
from statekit import Tab, new_package, new_user

from trainpkg_app.db.accounts import user_for_token
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.state import playground as playground_state
from trainpkg_app.state.events import EventRefused
from trainpkg_app.state.playground import PlaygroundState
from trainpkg_app.state.tabs import TrainingTabsState

pytestmark = pytest.mark.usefixtures("app_db")
FORM = {"prompt": "Hi", "system_prompt": "", "temperature": "0", "top_p": "1",
        "max_new_tokens": "8"}  # fmt: skip


def _run(token: str, package_id: str, number: int, model: str, status="completed") -> str:
    with session_scope() as session:
        assert user_for_token(session, token) is not None
        version = TrainingPackageVersion(
            package_id=uuid.UUID(package_id),
            version_number=number,
            name=f"bot-v{number}",
            status="published",
            config_snapshot={"deploy": {}},
            model_snapshot={"model_id": model},
            dataset_snapshot={},
        )
        session.add(version)
        session.flush()
        run = Deployment(version_id=version.id, target="local", status=status)
        session.add(run)
        session.flush()
        return str(run.id)


class FakeWorker:
    """Answers each request with its model's key, word by word; records stops."""

    def __init__(self) -> None:
        self.stopped: list[str] = []
        self.asked: list[tuple[dict, list]] = []

    async def stream(self, rid, spec, messages, sampling):
        self.asked.append((spec, messages))
        yield {"id": rid, "event": "loading"}
        for word in ("from ", spec["name"]):
            yield {"id": rid, "event": "token", "text": word}
        yield {"id": rid, "event": "done", "tokens": 2, "ttft_s": 0.01, "seconds": 0.1,
               "stopped": False}  # fmt: skip

    def stop(self, rid):
        self.stopped.append(rid)


@pytest.fixture
def fake_worker(monkeypatch):
    fake = FakeWorker()
    monkeypatch.setattr(playground_state, "worker", lambda: fake)

    def spec(session, *, owner_id, deployment_id, base):
        run = playground_state.choices(session, owner_id=owner_id, deployment_id=deployment_id)
        return {"name": "base" if base else str(deployment_id)[:4], "run": run[0].key}

    monkeypatch.setattr(playground_state, "model_spec", spec)
    return fake


async def test_a_run_opens_with_its_base_and_the_owners_runs_of_that_base():
    token = new_user()
    package = new_package(token, name="bot")
    run = _run(token, package, 1, "org/tiny")
    same_base = _run(token, package, 2, "org/tiny")
    _run(token, package, 3, "org/other")
    _run(token, package, 4, "org/tiny", status="failed")
    tab = Tab(token)
    await tab.send(PlaygroundState.open_for_run, run_id=run)
    state = tab.state(PlaygroundState)
    assert [c["key"] for c in state.choices] == [run, "base", same_base]
    assert state.choices[1]["label"] == "Base: org/tiny"
    assert state.selected == [run, "base"] and state.message == ""
    assert tab.state(TrainingTabsState).tab == "playground"

    await tab.send(PlaygroundState.choose_model, key=same_base, value=True)
    assert state.selection_label == "3 of 3 models answer"
    await tab.send(PlaygroundState.choose_model, key="/etc/passwd", value=True)  # not offered
    assert len(state.selected) == 3
    await tab.send(PlaygroundState.choose_model, key="base", value=False)
    assert state.selected == [run, same_base]


async def test_a_fourth_model_is_refused():
    token = new_user()
    package = new_package(token, name="bot")
    runs = [_run(token, package, n, "org/tiny") for n in range(1, 4)]
    tab = Tab(token)
    await tab.send(PlaygroundState.open_for_run, run_id=runs[0])
    for run in runs[1:]:
        await tab.send(PlaygroundState.choose_model, key=run, value=True)
    state = tab.state(PlaygroundState)
    assert len(state.selected) == 3
    assert state.message == "At most 3 models answer side by side: clear one first."


async def test_the_answers_stream_into_their_slots_and_each_model_keeps_its_history(
    fake_worker,
):
    token = new_user()
    run = _run(token, new_package(token, name="bot"), 1, "org/tiny")
    tab = Tab(token)
    await tab.send(PlaygroundState.open_for_run, run_id=run)
    state = tab.state(PlaygroundState)
    assert await tab.send(PlaygroundState.send, form=FORM) == PlaygroundState.generate
    assert state.generating
    await tab.send(PlaygroundState.generate)
    answers = state.exchanges[0].answers
    assert [(a.label, a.text, a.status) for a in answers] == [
        (state.choices[0]["label"], f"from {run[:4]}", "done"),
        ("Base: org/tiny", "from base", "done"),
    ]
    assert answers[0].stats == "2 tokens · first after 0.01 s · 20.0 tokens/s"
    assert not state.generating
    asked = len(fake_worker.asked)
    await tab.send(PlaygroundState.generate)  # forged, with no prompt sent: nothing happens
    assert len(fake_worker.asked) == asked

    await tab.send(PlaygroundState.send, form=FORM | {"prompt": "And?", "system_prompt": "Be"})
    await tab.send(PlaygroundState.generate)
    asked = dict((spec["name"], messages) for spec, messages in fake_worker.asked[-2:])
    assert asked["base"] == [
        {"role": "system", "content": "Be"},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "from base"},
        {"role": "user", "content": "And?"},
    ]
    assert asked[run[:4]][2] == {"role": "assistant", "content": f"from {run[:4]}"}
    await tab.send(PlaygroundState.clear)
    assert state.exchanges == []


async def test_bad_forms_are_refused_in_words_and_lose_nothing():
    token = new_user()
    run = _run(token, new_package(token, name="bot"), 1, "org/tiny")
    tab = Tab(token)
    await tab.send(PlaygroundState.open_for_run, run_id=run)
    state = tab.state(PlaygroundState)
    assert await tab.send(PlaygroundState.send, form=FORM | {"prompt": "  "}) is None
    assert state.message == "Type a prompt first."
    await tab.send(PlaygroundState.send, form=FORM | {"temperature": "9"})
    assert state.message == "Temperature: input should be less than or equal to 2."
    assert state.temperature == "9" and state.exchanges == []  # what was typed stays
    with pytest.raises(EventRefused):
        await tab.send(PlaygroundState.send, form=FORM | {"max_new_tokens": 8})
    with pytest.raises(EventRefused):
        await tab.send(PlaygroundState.open_for_run, run_id="../../etc")


async def test_stop_ends_the_answers_of_the_current_prompt(fake_worker):
    token = new_user()
    run = _run(token, new_package(token, name="bot"), 1, "org/tiny")
    tab = Tab(token)
    await tab.send(PlaygroundState.open_for_run, run_id=run)
    await tab.send(PlaygroundState.send, form=FORM)
    state = tab.state(PlaygroundState)
    await tab.send(PlaygroundState.stop)
    assert fake_worker.stopped == state._requests
    await tab.send(PlaygroundState.generate)  # the events still come: the answers take them
    assert len(fake_worker.stopped) == 2 * len(state._requests)  # and each is stopped again


async def test_another_users_run_is_not_found_and_an_unfinished_one_cannot_be_tried():
    alice, bob = new_user(), new_user()
    alices = _run(alice, new_package(alice, name="a"), 1, "org/tiny")
    running = _run(bob, new_package(bob, name="b"), 1, "org/tiny", status="running")
    tab = Tab(bob)
    await tab.send(PlaygroundState.open_for_run, run_id=alices)
    state = tab.state(PlaygroundState)
    assert state.message == "This run does not exist." and state.run_id == ""
    await tab.send(PlaygroundState.open_for_run, run_id=running)
    assert state.message.startswith("Only a completed run can be tried")
