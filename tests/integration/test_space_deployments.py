"""The Space path against the fake Hub: what the app asks of the Hub, and what train.py does
inside a Space (push results, pause itself)."""

import json
import subprocess
import sys

import pytest
from huggingface_hub import HfApi

from tests.fakehub.server import VALID_TOKEN
from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    training_env,
    write_rows,
)
from tests.trainkit.runs import (
    cancel_run,
    give_own_token,
    start_run,
    sync_run,
    use_fake_hub_token,
)
from tests.trainkit.tiny_model import build_tiny_model
from trainpkg_app.deploy import hf_space
from trainpkg_app.package.builder import build_package

SPACE = "test-user/trainer"


def _start_space(api, folder, flavor: str, sleep_minutes: int = 60) -> str:
    return hf_space.start(
        api,
        space_id=SPACE,
        flavor=flavor,
        private=True,
        sleep_minutes=sleep_minutes,
        token=VALID_TOKEN,
        folder=folder,
    )


def test_starting_a_space_makes_the_calls_a_billing_safe_run_needs(fake_hub, tmp_path):
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), space=SPACE)
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    url = _start_space(api, folder, "a10g-small")
    assert url == f"{fake_hub.endpoint}/spaces/{SPACE}"
    space = fake_hub.repo("space", SPACE)
    assert space["private"] and space["sdk"] == "docker"
    assert space["secrets"] == {"HF_TOKEN": VALID_TOKEN}
    assert space["hardware"] == "a10g-small"
    assert {"Dockerfile", "train.py", "package.yaml", "data/qa.jsonl"} <= set(space["files"])
    assert fake_hub.repo("model", f"{SPACE}-results")["private"]
    assert hf_space.stage_of(api, SPACE) == "BUILDING"


def test_a_reused_space_is_updated_not_refused(fake_hub, tmp_path):
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), space=SPACE)
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    for _ in range(2):
        _start_space(api, folder, "t4-small", sleep_minutes=30)
    assert fake_hub.repo("space", SPACE)["hardware"] == "t4-small"


def test_stage_mapping():
    assert hf_space.status_for("BUILDING", None) == ("pending", "")
    assert hf_space.status_for("RUNNING", None) == ("running", "")
    assert hf_space.status_for("BUILD_ERROR", None)[0] == "failed"
    assert "RUNTIME_ERROR" in hf_space.status_for("RUNTIME_ERROR", None)[1]
    assert hf_space.status_for("PAUSED", {"status": "completed"}) == ("completed", "")
    assert hf_space.status_for("SLEEPING", None)[0] == "cancelled"


def test_train_py_in_a_space_pushes_its_results_and_pauses_the_space(fake_hub, tmp_path):
    model = build_tiny_model(tmp_path / "models")
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), model_folder=model, space=SPACE
    )
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    _start_space(api, folder, "a10g-small")
    env = training_env(tmp_path / "unused-cache", tmp_path)
    env.pop("HF_HUB_OFFLINE")
    env |= {"SPACE_ID": SPACE, "HF_TOKEN": VALID_TOKEN, "HF_ENDPOINT": fake_hub.endpoint}
    run = subprocess.run(
        [sys.executable, "train.py"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = fake_hub.repo("model", f"{SPACE}-results")["files"]
    assert "summary.json" in results, (fake_hub.requests[-12:], run.stderr[-1500:])
    assert json.loads(results["summary.json"])["status"] == "completed"
    assert len(results["metrics.jsonl"].splitlines()) >= 6
    assert "output/adapter_model.safetensors" in results
    assert fake_hub.repo("space", SPACE)["pauses"] == 1
    assert hf_space.read_result(api, SPACE, "summary.json") == results["summary.json"]
    assert hf_space.read_result(api, SPACE, "absent.txt") is None


@pytest.fixture
def space_version(migrated, fake_hub, tmp_path, monkeypatch):
    """A published Space version, with the server's token pointing at the fake Hub."""
    use_fake_hub_token(monkeypatch, fake_hub)
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), space=SPACE)
    owner, version = publish_for_new_user(migrated, snapshot)
    return give_own_token(migrated, owner), version


def test_a_space_run_is_followed_to_completion_with_its_cost(
    migrated, fake_hub, space_version, tmp_path
):
    from sqlmodel import Session

    from trainpkg_app.db.models import TrainingPackageVersion

    owner, version_id = space_version
    deployment_id, url = start_run(migrated, owner, version_id, tmp_path / "runs")
    assert url == f"{fake_hub.endpoint}/spaces/{SPACE}"
    assert sync_run(migrated, deployment_id).status == "pending"  # BUILDING
    space, results = fake_hub.repo("space", SPACE), fake_hub.repo("model", f"{SPACE}-results")
    space["stage"] = "RUNNING"
    results["files"]["metrics.jsonl"] = b'{"step": 1, "max_steps": 2, "loss": 2.5}\n'
    running = sync_run(migrated, deployment_id)
    assert running.status == "running" and running.metrics == [
        {"step": 1, "max_steps": 2, "loss": 2.5}
    ]
    results["files"]["summary.json"] = b'{"status": "completed"}'
    space["stage"] = "PAUSED"  # train.py paused its own Space
    done = sync_run(migrated, deployment_id)
    assert done.status == "completed"
    assert float(done.actual_cost) == pytest.approx(
        1.00 / 60, abs=0.001
    )  # one started minute of a10g-small
    with Session(migrated) as session:
        version = session.get(TrainingPackageVersion, version_id)
        assert (version.training_status, float(version.actual_cost)) == (
            "completed",
            float(done.actual_cost),
        )


@pytest.mark.parametrize("stage", ["BUILD_ERROR", "RUNTIME_ERROR"])
def test_space_errors_fail_the_run(migrated, fake_hub, space_version, tmp_path, stage):
    owner, version_id = space_version
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    fake_hub.repo("space", SPACE)["stage"] = stage
    done = sync_run(migrated, deployment_id)
    assert done.status == "failed"
    assert stage in done.error


def test_cancel_pauses_the_space(migrated, fake_hub, space_version, tmp_path):
    owner, version_id = space_version
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    cancel_run(migrated, owner, deployment_id)
    assert fake_hub.repo("space", SPACE)["pauses"] == 1
    assert sync_run(migrated, deployment_id).status == "cancelled"
