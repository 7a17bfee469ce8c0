"""One backend per deployment target, found through one registry; the service and the monitor
ask it and never branch on a target name themselves."""

import ast
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from trainpkg_app.core.hardware import find_flavor
from trainpkg_app.core.vocabulary import DeploymentTarget
from trainpkg_app.db.models import Deployment, utc_now
from trainpkg_app.deploy import hf_job, hf_space, hub_runs, monitor
from trainpkg_app.deploy.backends import BACKENDS, Backend, UnknownTarget, backend_for
from trainpkg_app.deploy.records import finish
from trainpkg_app.settings import get_settings

DEPLOY = Path(__file__).resolve().parents[2] / "trainpkg_app" / "deploy"
TARGET_NAMES = {target.value for target in DeploymentTarget}


@pytest.fixture
def settings(monkeypatch):
    """Settings read from a known environment: Hub runs polled every 7 s, this machine $2/h."""
    monkeypatch.setenv("TRAINPKG_HUB_POLL_S", "7")
    monkeypatch.setenv("TRAINPKG_LOCAL_USD_PER_HOUR", "2")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _target_branches(source: str) -> list[str]:
    """Where the code names a target itself: a target string or a DeploymentTarget member."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and node.value in TARGET_NAMES:
            found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Name) and node.id == "DeploymentTarget":
            found.append(f"line {node.lineno}: DeploymentTarget")
    return found


def test_every_target_has_its_backend():
    assert set(BACKENDS) == TARGET_NAMES
    for name, backend in BACKENDS.items():
        assert backend.target == name
        assert isinstance(backend, Backend)
        assert backend_for(name) is backend


def test_an_unknown_target_is_refused_by_name():
    with pytest.raises(UnknownTarget, match=r"'hf_endpoint' \(known: local, hf_space, hf_job\)"):
        backend_for("hf_endpoint")


@pytest.mark.parametrize("module", ["service.py", "monitor.py"])
def test_the_service_and_the_monitor_never_name_a_target(module):
    assert _target_branches((DEPLOY / module).read_text()) == []


def test_a_target_branch_would_be_found():
    source = (
        'if deployment.target == "local":\n    pass\n'
        "launch = {DeploymentTarget.HF_JOB: start_job}\n"
        'follow = {"hf_space": sync_space}.get(deployment.target)\n'
    )
    assert sorted(_target_branches(source)) == [
        "line 1: 'local'",
        "line 3: DeploymentTarget",
        "line 4: 'hf_space'",
    ]


def test_a_local_run_goes_on_from_its_latest_complete_checkpoint(tmp_path):
    for step, complete in [(4, True), (8, True), (12, False)]:  # 12: still being written
        folder = tmp_path / "checkpoints" / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        if complete:
            (folder / "trainer_state.json").write_text("{}")
    run = Deployment(target="local", run_dir=str(tmp_path))
    assert backend_for("local").checkpoint_steps(None, run, None) == [4, 8]
    assert backend_for("local").checkpoint_steps(None, Deployment(run_dir="/nowhere"), None) == []


@pytest.mark.parametrize("target", ["hf_space", "hf_job"])
def test_a_hub_run_goes_on_from_the_checkpoint_in_its_results_repo(target, monkeypatch):
    files = {"me/results": ["README.md", "checkpoints/checkpoint-6/trainer_state.json"]}
    monkeypatch.setattr(hub_runs, "repo_files", lambda _s, _d, repo: files[repo])
    backend = backend_for(target)
    assert backend.checkpoint_steps(None, Deployment(target=target), "me/results") == [6]
    assert backend.checkpoint_steps(None, Deployment(target=target), None) == []


def test_hub_runs_are_polled_at_the_settings_pace_and_local_ones_always(settings):
    assert backend_for("local").poll_interval_s == 0
    assert backend_for("hf_space").poll_interval_s == 7
    assert backend_for("hf_job").poll_interval_s == 7


def test_the_monitor_asks_a_hub_run_once_per_interval(settings):
    local, job = Deployment(target="local"), Deployment(target="hf_job")
    assert [monitor._due(local) for _ in range(3)] == [True, True, True]
    assert [monitor._due(job) for _ in range(3)] == [True, False, False]


def test_each_target_prices_its_own_flavor(settings):
    deploy = {"space_flavor": "t4-small", "job_flavor": "a10g-small", "num_gpus": 1}
    assert backend_for("hf_space").usd_per_hour(deploy) == find_flavor("t4-small").usd_per_hour
    assert backend_for("hf_job").usd_per_hour(deploy) == find_flavor("a10g-small").usd_per_hour
    assert backend_for("hf_job").usd_per_hour({"job_flavor": "gone-flavor"}) == 0.0
    assert backend_for("local").usd_per_hour(deploy) == 2.0


def _ended(minutes_ago: float, **billing) -> Decimal:
    """The actual cost of a run that started ``minutes_ago`` and ends now, at $2/h."""
    deployment = Deployment(target="local", started_at=utc_now() - timedelta(minutes=minutes_ago))
    # a version that never ran; finish also stores what the run measured, with its model and
    # hardware from the version's snapshot
    version = SimpleNamespace(
        training_metrics=None, config_snapshot={}, model_snapshot={}, dataset_snapshot={}
    )
    session = SimpleNamespace(get=lambda *_: version)
    finish(session, deployment, {"status": "completed"}, 2.0, **billing)
    assert version.actual_cost == deployment.actual_cost
    assert deployment.measured["wall_s"] == pytest.approx(minutes_ago * 60, abs=5)
    assert deployment.measured["cost_usd"] == float(deployment.actual_cost)
    return deployment.actual_cost


def test_this_machine_bills_its_runtime_and_the_hub_started_minutes():
    assert _ended(1.5) == Decimal("0.0500")
    assert _ended(1.5, started_minutes=True) == Decimal("0.0667")  # two started minutes
    assert _ended(1.5, started_minutes=True, billed_s=30) == Decimal("0.0333")


def test_a_local_run_is_gone_with_its_process():
    local = backend_for("local")
    assert local.is_gone(Deployment(target="local", pid=None))
    assert not local.is_gone(Deployment(target="local", pid=os.getpid()))
    assert not backend_for("hf_job").is_gone(Deployment(target="hf_job"))  # the Hub is asked


def test_a_local_run_logs_the_tail_of_its_log(tmp_path):
    (tmp_path / "train.log").write_text("".join(f"line {n}\n" for n in range(50)))
    logs = backend_for("local").logs(None, Deployment(target="local", run_dir=str(tmp_path)))
    assert logs.splitlines() == [f"line {n}" for n in range(30, 50)]


def test_a_job_logs_its_stage_and_plain_lines(monkeypatch):
    lines = ["Downloading package", 'TRAINPKG_METRICS {"step": 1}', "step 1 done"]
    monkeypatch.setattr(hub_runs, "run_api", lambda *_: "api")
    monkeypatch.setattr(hf_job, "inspect", lambda api, job, namespace: ("RUNNING", "", 9))
    monkeypatch.setattr(hf_job, "read_logs", lambda api, job, namespace: lines)
    logs = backend_for("hf_job").logs(None, Deployment(target="hf_job", remote_id="me/job-1"))
    assert logs.splitlines() == ["Job stage: RUNNING", "Downloading package", "step 1 done"]


def test_a_space_logs_its_stage_and_what_it_bills(monkeypatch):
    monkeypatch.setattr(hub_runs, "run_api", lambda *_: "api")
    monkeypatch.setattr(hf_space, "stage_of", lambda api, space: "PAUSED")
    monkeypatch.setattr(hf_space, "read_result", lambda api, space, name: b'{"status": "x"}')
    logs = backend_for("hf_space").logs(None, Deployment(target="hf_space", remote_id="me/sp"))
    assert logs.splitlines() == [
        "Space stage: PAUSED",
        "The Space paused itself when the training ended: it bills no more.",
    ]
