"""Resume and Extend on this machine: a run killed mid-run goes on from its checkpoint to its
planned step count with a joined curve; a completed one trains further; what cannot go on is
refused with the reason."""

import json
import math
import os
import signal
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session

from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from tests.trainkit.runs import follow_local, start_local
from trainpkg_app.core import resume as resume_core
from trainpkg_app.core.curves import chain_records
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.db.versions import publish_version
from trainpkg_app.deploy import chains, service
from trainpkg_app.deploy.continuation import best_warm_start
from trainpkg_app.deploy.records import CannotResume

STEPS = 600  # checkpoints every 50 steps (1/12 of the run), well apart on a CPU
SAVING = {"save_strategy": "steps"}


@pytest.fixture
def published(migrated, tmp_path):
    def publish(max_steps=STEPS, config=SAVING) -> tuple[uuid.UUID, uuid.UUID]:
        rows = write_rows(tmp_path / "qa.jsonl")
        owner, version_id = publish_for_new_user(
            migrated, published_snapshot(rows, max_steps, config=config)
        )
        with Session(migrated) as session:  # as the Deploy step estimated it
            session.get(TrainingPackageVersion, version_id).estimated_cost = Decimal("1.5")
            session.commit()
        return owner, version_id

    return publish


@pytest.fixture
def go_on(migrated, tmp_path, hf_cache, monkeypatch):
    """Resume (or Extend by ``more``) through the service, training offline like start_local."""
    from tests.trainkit.packages import training_env
    from trainpkg_app.deploy.backends.local import LocalBackend

    start = LocalBackend.start

    def offline_start(self, session, **kwargs):
        return start(self, session, **({"env": training_env(hf_cache, tmp_path)} | kwargs))

    monkeypatch.setattr(LocalBackend, "start", offline_start)

    def resume(owner, deployment_id, more=None) -> uuid.UUID:
        with Session(migrated) as session:
            later = service.resume(
                session,
                owner_id=owner,
                deployment_id=deployment_id,
                runs_dir=tmp_path / "runs",
                more=more,
            )
            session.commit()
            return later.id

    return resume


def _saved_a_checkpoint(deployment: Deployment) -> bool:
    return any(Path(deployment.run_dir).glob("checkpoints/checkpoint-*/trainer_state.json"))


def _latest_saved(deployment: Deployment) -> int:
    run_dir = Path(deployment.run_dir)
    found = run_dir.glob("checkpoints/*/trainer_state.json")
    return resume_core.latest_complete(str(path.relative_to(run_dir)) for path in found)


def _ended(deployment: Deployment) -> bool:
    return deployment.status not in service.ACTIVE


def _chain(engine, deployment_id) -> list:
    with Session(engine) as session:
        return chains.links(session, session.get(Deployment, deployment_id))


def test_a_killed_run_resumes_from_its_checkpoint_and_ends_at_the_planned_step(
    migrated, published, tmp_path, hf_cache, go_on
):
    owner, version_id = published()
    first = start_local(migrated, owner, version_id, tmp_path, hf_cache)
    running = follow_local(migrated, first, _saved_a_checkpoint)
    os.killpg(running.pid, signal.SIGKILL)
    killed = follow_local(migrated, first, _ended)
    assert killed.status == "failed"
    saved = _latest_saved(killed)
    assert 0 < saved < STEPS

    second = go_on(owner, first)
    done = follow_local(migrated, second, _ended, timeout_s=300)
    assert done.status == "completed", done.log_tail
    assert (done.resumed_from_id, done.resumed_from_step) == (first, saved)
    own_steps = [m["step"] for m in done.metrics if "loss" in m]
    assert own_steps[0] > saved and own_steps[-1] == STEPS  # it went on, it did not start over
    chain = _chain(migrated, second)
    joined = [m["step"] for m in resume_core.joined_metrics(chain) if "loss" in m]
    assert joined == sorted(set(joined)) and joined[-1] == STEPS  # one curve, each step once
    assert any(step <= saved for step in joined)  # the killed run's part is in it
    seen = [m["num_tokens"] for m in chain_records(chain) if "num_tokens" in m]
    assert seen == sorted(seen) and seen[-1] > seen[0]  # TRL restarts its count: carried on
    _, _, minutes = resume_core.chain_totals(chain)
    assert minutes > chain[-1].minutes  # time adds up over the chain
    share = Decimal(STEPS - saved) / STEPS  # only the steps still to run
    assert done.estimated_cost == (Decimal("1.5") * share).quantize(Decimal("0.0001"))


def test_a_completed_run_is_extended_by_more_steps(migrated, published, tmp_path, hf_cache, go_on):
    owner, version_id = published(max_steps=250)
    first = start_local(migrated, owner, version_id, tmp_path, hf_cache)
    assert follow_local(migrated, first, _ended).status == "completed"
    with pytest.raises(CannotResume, match="completed: extend it"):
        go_on(owner, first)
    second = go_on(owner, first, more=100)
    done = follow_local(migrated, second, _ended, timeout_s=300)
    assert done.status == "completed", done.log_tail
    assert done.resumed_from_step == 250
    steps = [m["step"] for m in done.metrics if "loss" in m]
    assert steps[0] > 250 and steps[-1] == 350 and done.metrics[-1]["max_steps"] == 350
    spec = yaml.safe_load((Path(done.run_dir) / "package.yaml").read_text())
    assert spec["resume"] == {"from_run": str(first), "step": 250}
    assert (Path(done.run_dir) / "output" / "adapter_model.safetensors").is_file()


def test_a_run_without_checkpoints_or_with_a_changed_package_is_refused(
    migrated, published, tmp_path, hf_cache, go_on
):
    owner, version_id = published(max_steps=40, config={"save_strategy": "no"})
    unsaved = start_local(migrated, owner, version_id, tmp_path, hf_cache)
    assert follow_local(migrated, unsaved, _ended).status == "completed"
    with pytest.raises(CannotResume, match="saved no checkpoint"):
        go_on(owner, unsaved, more=10)

    owner, version_id = published(max_steps=40)
    saved = start_local(migrated, owner, version_id, tmp_path / "b", hf_cache)
    done = follow_local(migrated, saved, _ended)
    spec_path = Path(done.run_dir) / "package.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["training_arguments"]["lora"]["r"] = 64  # as an older app might have built it
    spec_path.write_text(yaml.safe_dump(spec))
    with pytest.raises(CannotResume, match=r"differs .* in the LoRA settings"):
        go_on(owner, saved, more=10)
    with pytest.raises(NotFound, match="does not exist"):  # another user's run
        go_on(uuid.uuid4(), saved, more=10)


def _deploy(engine, owner, version_id, runs_dir):
    """Deploy through the service, as the app does (go_on's fixture trains offline)."""
    with Session(engine) as session:
        deployment = service.start(
            session, owner_id=owner, version_id=version_id, runs_dir=runs_dir
        )
        session.commit()
        return deployment.id


def test_a_doctor_stop_retries_from_its_best_checkpoint_with_a_lower_rate(
    migrated, published, tmp_path, hf_cache, go_on
):
    """The doctor stops a run whose loss turned NaN; its best checkpoint before that step is
    the new version's warm start (weights only, with the halved rate), and only its owner's."""
    owner, first_version = published(config=SAVING | {"doctor": "stop"})
    first = start_local(migrated, owner, first_version, tmp_path, hf_cache)
    running = follow_local(migrated, first, _saved_a_checkpoint)
    nan_step = _latest_saved(running) + 1  # the loss turns NaN after that save
    with (Path(running.run_dir) / "metrics.jsonl").open("a") as metrics:
        metrics.write(json.dumps({"step": nan_step, "loss": math.nan}) + "\n")
    stopped = follow_local(migrated, first, _ended)
    assert stopped.error.startswith("Stopped by the training doctor")
    with Session(migrated) as session:
        warm_start = best_warm_start(session, session.get(Deployment, first))
        package_id = session.get(TrainingPackageVersion, first_version).package_id
    run_id, step = resume_core.parse_warm_start(warm_start)
    assert run_id == str(first) and 0 < step < nan_step

    rows = write_rows(tmp_path / "qa.jsonl")
    gentler = {"learning_rate": "0.005", "warm_start": warm_start}
    retry = published_snapshot(rows, 40, config=gentler)
    with Session(migrated) as session:
        second_version = publish_version(
            session,
            owner_id=owner,
            package_id=package_id,
            snapshot=retry,
            change_summary="the doctor's retry",
            parent_version_id=first_version,
        ).id
        session.commit()
    second = _deploy(migrated, owner, second_version, tmp_path / "runs")
    done = follow_local(migrated, second, _ended)
    assert done.status == "completed", done.log_tail
    log = (Path(done.run_dir) / "train.log").read_text()
    assert f"Warm start from checkpoint-{step} of run {first}." in log
    weights = Path(done.run_dir) / "warm_start"
    assert (weights / "adapter_model.safetensors").is_file()
    assert not (weights / "optimizer.pt").exists()  # weights only: a new optimizer and schedule
    assert done.resumed_from_id is None and done.metrics[0]["step"] < step  # it starts at step 1

    stranger, theirs = publish_for_new_user(migrated, retry)
    with pytest.raises(NotFound, match="does not exist"):  # another user's run is not theirs
        _deploy(migrated, stranger, theirs, tmp_path / "runs")
