"""Comparing runs through the state: 2 to 8 selected (a ninth refused), the chart's rows with a
line per run, metric/axis/smoothing/log scale, the diff of the versions, the CSV; another
user's run is refused as not found."""

from __future__ import annotations

import base64
import csv
import io
import uuid

import pytest
from statekit import Tab, new_package, new_user

from trainpkg_app.core.curves import ROWS
from trainpkg_app.db.accounts import user_for_token
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.state.events import EventRefused
from trainpkg_app.state.run_compare import RunCompareState

pytestmark = pytest.mark.usefixtures("app_db")


def _finished_run(token: str, package_id: str, number: int, learning_rate: float) -> str:
    """A published version of the package with one finished run of 2,000 steps: its id."""
    with session_scope() as session:
        assert user_for_token(session, token) is not None
        version = TrainingPackageVersion(
            package_id=uuid.UUID(package_id),
            version_number=number,
            name=f"bot-v{number}",
            status="published",
            config_snapshot={"training": {"learning_rate": learning_rate}, "deploy": {}},
            model_snapshot={"model_id": "org/tiny"},
            dataset_snapshot={},
        )
        session.add(version)
        session.flush()
        metrics = [
            {"step": s, "loss": 3.0 / s * number, "learning_rate": learning_rate, "elapsed_s": s}
            for s in range(1, 2001)
        ]
        run = Deployment(version_id=version.id, target="local", status="completed")
        run.metrics = metrics
        session.add(run)
        session.flush()
        return str(run.id)


async def test_selected_runs_compare_with_a_line_each_and_the_diff_of_their_versions():
    token = new_user()
    package = new_package(token, name="bot")
    runs = [_finished_run(token, package, n, lr) for n, lr in ((1, 2e-4), (2, 1e-4), (3, 2e-4))]
    tab = Tab(token)
    await tab.send(RunCompareState.select_run, run_id=runs[0], value=True)
    state = tab.state(RunCompareState)
    assert not state.can_compare
    for run in runs[1:]:
        await tab.send(RunCompareState.select_run, run_id=run, value=True)
    assert state.selection_label == "3 of 8 selected"
    await tab.send(RunCompareState.compare)
    assert state.compare_open and state.message == ""
    assert [line["name"] for line in state.lines] == [
        "bot · v1 · local",
        "bot · v2 · local",
        "bot · v3 · local",
    ]
    for key in ("r0", "r1", "r2"):
        assert 4 <= sum(key in row for row in state.rows) <= ROWS  # downsampled on the server
    assert state.rows[0] == {"x": 1.0, "r0": 3.0, "r1": 6.0, "r2": 9.0}
    assert state.diff_header[0] == "Field"
    assert state.diff_rows == [["config.learning_rate", "0.0002", "0.0001", "0.0002"]]

    await tab.send(RunCompareState.set_metric, value="learning_rate")
    assert {row.get("r1") for row in state.rows} == {1e-4}
    await tab.send(RunCompareState.set_metric, value="loss")
    await tab.send(RunCompareState.set_smoothing, value=0.9)
    assert state.smoothing == 0.9 and state.rows[0]["r0"] == 3.0  # debiased: starts on the data
    await tab.send(RunCompareState.set_log_scale, value=True)
    assert state.y_scale == "log"
    await tab.send(RunCompareState.set_x_axis, value="time")
    assert state.rows[-1]["x"] == 2000.0


async def test_a_ninth_run_is_refused_and_bad_values_never_reach_the_state():
    tab = Tab(new_user())
    ids = [str(uuid.uuid4()) for _ in range(9)]
    for run_id in ids:
        await tab.send(RunCompareState.select_run, run_id=run_id, value=True)
    state = tab.state(RunCompareState)
    assert state.selected == ids[:8]
    assert state.message == "Compare at most 8 runs: clear one first."
    await tab.send(RunCompareState.select_run, run_id=ids[0], value=False)
    assert len(state.selected) == 7 and state.message == ""
    for handler, payload in (
        (RunCompareState.set_smoothing, {"value": 1.5}),
        (RunCompareState.set_smoothing, {"value": float("nan")}),
        (RunCompareState.set_smoothing, {"value": "0.5"}),
        (RunCompareState.set_metric, {"value": "password"}),
        (RunCompareState.select_run, {"run_id": "../x", "value": True}),
    ):
        with pytest.raises(EventRefused):
            await tab.send(handler, **payload)
    assert state.smoothing == 0.0 and state.metric == "loss"


async def test_another_users_run_is_not_found():
    alice, bob = new_user(), new_user()
    alices = _finished_run(alice, new_package(alice, name="a"), 1, 2e-4)
    bob_package = new_package(bob, name="b")
    bobs = _finished_run(bob, bob_package, 1, 1e-4)
    tab = Tab(bob)
    for run_id in (bobs, alices):
        await tab.send(RunCompareState.select_run, run_id=run_id, value=True)
    await tab.send(RunCompareState.compare)
    state = tab.state(RunCompareState)
    assert not state.compare_open and state.rows == [] and state.lines == []
    assert state.message == "This run does not exist."
    assert await tab.send(RunCompareState.download_csv) is None


def _downloaded(event) -> tuple[str, str]:
    """(file name, text) of an rx.download event."""
    args = {name._js_expr: value._var_value for name, value in event.args}
    header, encoded = args["url"].split(",", 1)
    assert header == "data:text/csv;base64"
    return args["filename"], base64.b64decode(encoded).decode()


async def test_the_csv_holds_every_selected_runs_records():
    token = new_user()
    package = new_package(token, name="bot")
    runs = [_finished_run(token, package, n, 2e-4) for n in (1, 2)]
    tab = Tab(token)
    for run in runs:
        await tab.send(RunCompareState.select_run, run_id=run, value=True)
    await tab.send(RunCompareState.compare)
    name, text = _downloaded(await tab.send(RunCompareState.download_csv))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert name == "run-comparison.csv" and len(rows) == 4000  # every record, not the chart's
    assert (rows[0]["run"], rows[0]["step"], rows[0]["loss"]) == ("bot · v1 · local", "1", "3.0")
    assert rows[-1]["run"] == "bot · v2 · local"


async def test_a_redraw_reads_the_runs_again_for_their_owner_and_close_clears_the_chart():
    """Another app worker may take the next event: a redraw holds nothing of its own."""
    token = new_user()
    package = new_package(token, name="bot")
    runs = [_finished_run(token, package, n, 2e-4 * n) for n in (1, 2)]
    tab = Tab(token)
    for run in runs:
        await tab.send(RunCompareState.select_run, run_id=run, value=True)
    await tab.send(RunCompareState.compare)
    state = tab.state(RunCompareState)
    await tab.send(RunCompareState.set_metric, value="learning_rate")
    assert {row.get("r1") for row in state.rows} == {4e-4}
    await tab.send(RunCompareState.close_compare)
    assert state.rows == [] and not state.compare_open
    await tab.send(RunCompareState.set_metric, value="loss")  # closed: nothing is drawn
    assert state.rows == []


async def _compare(token: str, run_ids: list[str]) -> RunCompareState:
    tab = Tab(token)
    for run in run_ids:
        await tab.send(RunCompareState.select_run, run_id=run, value=True)
    await tab.send(RunCompareState.compare)
    return tab.state(RunCompareState)


def _set_first_loss(run_id: str, loss: float, status: str | None = None) -> None:
    with session_scope() as session:
        run = session.get(Deployment, uuid.UUID(run_id))
        run.metrics = [{**run.metrics[0], "loss": loss}, *run.metrics[1:]]
        run.status = status or run.status


async def test_an_ended_runs_curve_is_kept_a_running_ones_read_again_and_owners_checked():
    alice, bob = new_user(), new_user()
    package = new_package(alice, name="bot")
    ended, running = (_finished_run(alice, package, n, 2e-4) for n in (1, 2))
    _set_first_loss(running, 6.0, status="running")
    first = await _compare(alice, [ended, running])
    assert first.rows[0] == {"x": 1.0, "r0": 3.0, "r1": 6.0}

    _set_first_loss(ended, 99.0)  # an ended run's records never change: not read again
    _set_first_loss(running, 7.0)  # a running run's grow: read each time
    again = await _compare(alice, [ended, running])
    assert again.rows[0] == {"x": 1.0, "r0": 3.0, "r1": 7.0}

    bobs = await _compare(bob, [ended, running])  # kept, and still only alice's
    assert not bobs.compare_open and bobs.message == "This run does not exist."
