"""The Space path against the fake Hub: what the app asks of the Hub, and what train.py does
inside a Space (push results, pause itself)."""

import json
import subprocess
import sys

from huggingface_hub import HfApi

from tests.fakehub.server import VALID_TOKEN
from tests.trainkit.packages import published_snapshot, training_env, write_rows
from tests.trainkit.tiny_model import build_tiny_model
from trainpkg_app.deploy import hf_space
from trainpkg_app.package.builder import build_package

SPACE = "test-user/trainer"


def test_starting_a_space_makes_the_calls_a_billing_safe_run_needs(fake_hub, tmp_path):
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), space=SPACE)
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg")
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    url = hf_space.start(
        api,
        space_id=SPACE,
        flavor="a10g-small",
        private=True,
        sleep_minutes=60,
        token=VALID_TOKEN,
        folder=folder,
    )
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
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg")
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    for _ in range(2):
        hf_space.start(
            api,
            space_id=SPACE,
            flavor="t4-small",
            private=True,
            sleep_minutes=30,
            token=VALID_TOKEN,
            folder=folder,
        )
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
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg")
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    hf_space.start(
        api,
        space_id=SPACE,
        flavor="a10g-small",
        private=True,
        sleep_minutes=60,
        token=VALID_TOKEN,
        folder=folder,
    )
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
