"""Ship it through the state: the panel opens on the shown run (RunState's id, never the
client's) with its exports and a repo name in the user's account; a download is a token link
to the route; what a client may send is bounded; another user's run is not found."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from statekit import Tab, new_package, new_user

from tests.trainkit.packages import published_snapshot, write_rows
from trainpkg_app.db.accounts import user_for_token
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.deploy import ship_tokens
from trainpkg_app.package.builder import package_spec
from trainpkg_app.state.events import EventRefused
from trainpkg_app.state.runs import RunState
from trainpkg_app.state.ship_it import ShipItState

pytestmark = pytest.mark.usefixtures("app_db")


def _finished_run(token: str, package_id: str, run_dir: Path) -> str:
    """A completed LoRA run whose folder holds its package.yaml and an adapter: its id."""
    spec = package_spec("bot-v1", published_snapshot(write_rows(run_dir.parent / "qa.jsonl")))
    (run_dir / "output").mkdir(parents=True)
    (run_dir / "package.yaml").write_text(yaml.safe_dump(spec))
    (run_dir / "output" / "adapter_config.json").write_text("{}")
    (run_dir / "output" / "adapter_model.safetensors").write_bytes(b"weights")
    with session_scope() as session:
        assert user_for_token(session, token) is not None
        version = TrainingPackageVersion(
            package_id=uuid.UUID(package_id),
            version_number=1,
            name="bot-v1",
            status="published",
            config_snapshot={},
            model_snapshot={},
            dataset_snapshot={},
        )
        session.add(version)
        session.flush()
        run = Deployment(
            version_id=version.id, target="local", status="completed", run_dir=str(run_dir)
        )
        session.add(run)
        session.flush()
        return str(run.id)


async def _showing(token: str, run_id: str) -> Tab:
    tab = Tab(token)
    tab.state(RunState).run_id = run_id
    await tab.send(ShipItState.open)
    return tab


async def test_the_panel_opens_on_the_shown_run_and_a_download_is_a_token_link(tmp_path):
    token = new_user()
    run_id = _finished_run(token, new_package(token, name="bot"), tmp_path / "run")
    tab = await _showing(token, run_id)
    state = tab.state(ShipItState)
    assert state.message == "" and state.open_for == run_id and state.is_adapter
    assert [f["label"] for f in state.export_files] == [
        "Axolotl YAML",
        "LLaMA-Factory YAML",
        "LLaMA-Factory dataset_info.json (put it in data/)",
        "TRL sft config",
    ]
    assert state.push_repo == "your-name/bot-v1"  # no token stored: the user fills in theirs
    assert state.merge_state == "idle"
    event = await tab.send(ShipItState.download, what="adapter")
    arguments = {str(name): value for name, value in event.args}
    url = arguments["url"]._var_value
    assert url.startswith("/_ship/download/")
    grant = ship_tokens.redeem(url.removeprefix("/_ship/download/"))
    assert str(grant.deployment_id) == run_id and grant.what == "adapter"


async def test_a_merged_download_before_a_merge_says_to_merge_first(tmp_path):
    token = new_user()
    tab = await _showing(token, _finished_run(token, new_package(token), tmp_path / "run"))
    assert await tab.send(ShipItState.download, what="merged") is None
    assert "Merge the adapter first" in tab.state(ShipItState).message


async def test_what_a_client_sends_is_bounded(tmp_path):
    token = new_user()
    tab = await _showing(token, _finished_run(token, new_package(token), tmp_path / "run"))
    with pytest.raises(EventRefused):
        await tab.send(ShipItState.download, what="../../etc/passwd")
    with pytest.raises(EventRefused):
        await tab.send(ShipItState.download_export, filename="x" * 600)
    assert await tab.send(ShipItState.download_export, filename="../secret.key") is None
    assert tab.state(ShipItState).message == "There is no such export."


async def test_another_users_run_is_not_found(tmp_path):
    owner = new_user()
    run_id = _finished_run(owner, new_package(owner), tmp_path / "run")
    stranger = await _showing(new_user(), run_id)
    state = stranger.state(ShipItState)
    assert state.message == "This run does not exist." and state.open_for == ""
    assert await stranger.send(ShipItState.download, what="adapter") is None
    assert state.message == "This run does not exist."
    assert await stranger.send(ShipItState.merge) is None
    assert state.message == "This run does not exist."
