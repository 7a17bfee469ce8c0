"""The Space path against the fake Hub: what the app asks of the Hub, and what train.py does
inside a Space (push results, pause itself)."""

import json
import os
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from tests.fakehub.containers import dockerfile_problems, run_space
from tests.fakehub.results import check_results_repo
from tests.fakehub.server import VALID_TOKEN
from tests.trainkit.as_user import ROOT_NEEDED, run_the_space
from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    write_rows,
)
from tests.trainkit.runs import (
    cancel_run,
    give_own_token,
    start_run,
    sync_run,
    use_fake_hub_token,
)
from tests.trainkit.tiny_model import hub_tiny_model
from trainpkg_app.deploy import hf_space
from trainpkg_app.package.builder import build_package
from trainpkg_app.settings import get_settings

SPACE = "test-user/trainer"
SAVE_EACH_EPOCH = {"save_strategy": "epoch"}  # 9 steps an epoch: checkpoints at 9 and 10
ROOT_DOCKERFILE = """FROM python:3.11-slim
WORKDIR /package
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "train.py"]
"""  # what packages carried before: copied as root, no user


CARD = {  # an evaluation card as train.py writes it into summary.json
    "base": {"eval_loss": 2.0, "perplexity": 7.389},
    "tuned": {"eval_loss": 1.5, "perplexity": 4.482},
    "improvement": 0.25,
    "eval_rows": 6,
    "samples": [{"prompt": "Q", "reference": "A", "base": "x", "tuned": "A"}],
    "scores": None,
}


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
    dockerfile = space["files"]["Dockerfile"].decode()
    assert dockerfile.startswith(f"FROM {get_settings().cuda_image}\n")  # a GPU flavor
    assert dockerfile_problems(dockerfile, space["files"]["README.md"].decode()) == []
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


def _run_the_space(fake_hub, root: Path):
    return run_the_space(fake_hub, SPACE, root)


@pytest.mark.skipif(os.geteuid() != 0, reason=ROOT_NEEDED)
def test_a_space_run_on_the_strict_fake_hub_ends_with_a_loadable_results_repo(
    fake_hub, tmp_path, uid1000_root
):
    """The Space runs as uid 1000, downloads its base model from the Hub, pushes metrics and
    checkpoints as it trains, its results at the repo root, and pauses itself."""
    base = hub_tiny_model(fake_hub, tmp_path)
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), max_steps=10, space=SPACE, config=SAVE_EACH_EPOCH
    )
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    _start_space(api, folder, "a10g-small")
    run = _run_the_space(fake_hub, uid1000_root)
    assert run is not None, fake_hub.repo("space", SPACE)["error"]
    assert run.returncode == 0, run.stderr[-3000:]
    space = fake_hub.repo("space", SPACE)
    assert (space["stage"], space["pauses"]) == ("PAUSED", 1)  # billing stopped
    results = f"{SPACE}-results"
    summary = check_results_repo(fake_hub, results, base, tmp_path / "download")
    assert summary["status"] == "completed" and summary["global_step"] == 10
    files = fake_hub.repo("model", results)["files"]
    checkpoints = {name.split("/")[1] for name in files if name.startswith("checkpoints/")}
    assert checkpoints == {"checkpoint-9", "checkpoint-10"}  # the latest two, to resume from
    assert "checkpoints/checkpoint-10/optimizer.pt" in files
    assert len(files["training_metrics.jsonl"].splitlines()) >= 10
    assert hf_space.read_result(api, SPACE, "summary.json") == files["summary.json"]
    assert hf_space.read_result(api, SPACE, "absent.txt") is None
    card = summary["evaluation"]  # the evaluation card travels in the results repo
    assert card["base"]["eval_loss"] > 0 and card["tuned"]["eval_loss"] > 0
    assert len(card["samples"]) == card["eval_rows"] == 6  # 24 rows, 25 % held out
    assert "## Evaluation" in files["README.md"].decode()  # and in its model card


@pytest.mark.skipif(os.geteuid() != 0, reason=ROOT_NEEDED)
def test_a_failed_space_run_pauses_its_space_and_pushes_no_model(fake_hub, tmp_path, uid1000_root):
    hub_tiny_model(fake_hub, tmp_path)
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), space=SPACE, config={"method": "qlora"}
    )  # QLoRA needs CUDA: this machine has none
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    _start_space(api, folder, "t4-small")
    run = _run_the_space(fake_hub, uid1000_root)
    assert run.returncode != 0 and "QLoRA needs a CUDA GPU" in run.stderr
    assert fake_hub.repo("space", SPACE)["stage"] == "PAUSED"  # billing stops on failure too
    files = fake_hub.repo("model", f"{SPACE}-results")["files"]
    assert json.loads(files["summary.json"])["status"] == "failed"
    assert not any(name.startswith("adapter_") for name in files)


def test_the_strict_fake_hub_refuses_what_the_hub_refuses(fake_hub, tmp_path):
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), space=SPACE)
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    (folder / "Dockerfile").write_text(ROOT_DOCKERFILE)
    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    _start_space(api, folder, "t4-small")
    assert run_space(fake_hub, SPACE, ["python"], {}, tmp_path) is None
    space = fake_hub.repo("space", SPACE)
    assert space["stage"] == "RUNTIME_ERROR" and "uid 1000" in space["error"]
    assert hf_space.stage_of(api, SPACE) == "RUNTIME_ERROR"
    with pytest.raises(HfHubHTTPError, match="Invalid hardware flavor: h100"):
        api.request_space_hardware(SPACE, "h100")  # no H100 on Spaces
    with pytest.raises(HfHubHTTPError, match="Invalid flavor: h100x1"):
        api.run_job(image="python:3.12", command=["true"], flavor="h100x1")
    assert "h200" in {hardware.name for hardware in api.list_jobs_hardware()}


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
    results["files"]["training_metrics.jsonl"] = b'{"step": 1, "max_steps": 2, "loss": 2.5}\n'
    running = sync_run(migrated, deployment_id)
    assert running.status == "running" and running.metrics == [
        {"step": 1, "max_steps": 2, "loss": 2.5}
    ]
    results["files"]["summary.json"] = json.dumps(
        {"status": "completed", "evaluation": CARD}
    ).encode()
    space["stage"] = "PAUSED"  # train.py paused its own Space
    done = sync_run(migrated, deployment_id)
    assert done.status == "completed"
    assert done.evaluation["base"]["eval_loss"] == 2.0  # the card, read from the results repo
    assert done.evaluation["improvement"] == 0.25
    assert done.evaluation["samples"] == CARD["samples"]
    assert "paused itself when the training ended" in done.log_tail  # what the app shows
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


def test_a_space_that_reaches_its_budget_cap_is_paused_and_says_so(
    migrated, fake_hub, tmp_path, monkeypatch
):
    from datetime import timedelta

    from sqlmodel import Session

    from trainpkg_app.db.models import Deployment, utc_now

    use_fake_hub_token(monkeypatch, fake_hub)
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), space=SPACE, deploy={"budget_usd": "0.10"}
    )
    owner, version_id = publish_for_new_user(migrated, snapshot)
    give_own_token(migrated, owner)
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    space = fake_hub.repo("space", SPACE)
    space["stage"] = "RUNNING"
    with Session(migrated) as session:  # ten minutes of a10g-small ($1.00 an hour) later
        deployment = session.get(Deployment, deployment_id)
        deployment.started_at = utc_now() - timedelta(minutes=10)
        session.commit()
    stopped = sync_run(migrated, deployment_id)
    assert space["pauses"] == 1  # billing stopped
    assert stopped.error == "Stopped by the budget cap of $0.10: it had cost $0.17."
