"""Sweeps: a 4-trial sweep of the tiny model on the CPU runs through the queue, publishes 4
child versions, and promotes its best trial into the draft; the total budget refuses or trims
what does not fit; successive halving stops a trial in the worse half (on recorded runs, and
on a real one while it trains)."""

import time
import uuid

import pytest
from sqlmodel import Session, select

from tests.integration import test_row_level_security as rls
from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    training_env,
    write_rows,
)
from trainpkg_app.core.sweeps import Axis, SweepSpec
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import (
    Deployment,
    RunQueueEntry,
    Sweep,
    TrainingPackage,
    TrainingPackageVersion,
)
from trainpkg_app.deploy import run_queue, service, sweep_caps, sweeps

postgres_url, seeded = rls.postgres_url, rls.seeded  # the RLS tests' role, for one test here


def _grid(budget_hours=1.0, **fields) -> SweepSpec:
    return SweepSpec(
        axes=[
            Axis(name="learning_rate", values=[0.02, 0.0001]),
            Axis(name="lora_r", values=[4, 8]),
        ],
        budget_hours=budget_hours,
        **fields,
    )


def _start(engine, owner, version_id, spec) -> uuid.UUID:
    with Session(engine) as session:
        sweep = sweeps.start(session, owner_id=owner, version_id=version_id, spec=spec)
        session.commit()
        return sweep.id


def _results(engine, owner, sweep_id) -> sweeps.SweepView:
    with Session(engine) as session:
        view = sweeps.results(session, owner_id=owner, sweep_id=sweep_id)
        session.commit()
        return view


def _monitor_until_done(engine, owner, sweep_id, runs_dir, timeout_s=600.0) -> sweeps.SweepView:
    """What the monitor does each second: follow the active runs, drive the queue."""
    deadline = time.monotonic() + timeout_s
    while True:
        with Session(engine, expire_on_commit=False) as session:
            for run in session.exec(
                select(Deployment).where(Deployment.status.in_(service.ACTIVE))
            ).all():
                service.sync(session, run)
            run_queue.drive(session, runs_dir)
            session.commit()
        view = _results(engine, owner, sweep_id)
        if view.status != "running":
            return view
        assert time.monotonic() < deadline, [(t.name, t.status, t.reason) for t in view.trials]
        time.sleep(0.3)


def test_a_four_trial_sweep_completes_and_promotes_its_best_trial(
    migrated, tmp_path, hf_cache, monkeypatch
):
    for key, value in training_env(hf_cache, tmp_path).items():
        monkeypatch.setenv(key, value)
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), max_steps=6, config={"eval_strategy": "steps"}
    )
    owner, parent_id = publish_for_new_user(migrated, snapshot)
    sweep_id = _start(migrated, owner, parent_id, _grid())

    with Session(migrated) as session:
        children = session.exec(
            select(TrainingPackageVersion).where(TrainingPackageVersion.sweep_id == sweep_id)
        ).all()
        assert len(children) == 4
        assert {child.parent_version_id for child in children} == {parent_id}
        names = sorted(child.name for child in children)
        assert "tiny-v2 · lr 0.02 · r 4" in names and "tiny-v5 · lr 1e-4 · r 8" in names
        rates = sorted(
            (
                child.config_snapshot["training"]["learning_rate"],
                child.config_snapshot["training"]["lora_r"],
            )
            for child in children
        )
        assert rates == [(0.0001, 4), (0.0001, 8), (0.02, 4), (0.02, 8)]
        queued = session.exec(select(RunQueueEntry).where(RunQueueEntry.sweep_id == sweep_id)).all()
        assert len(queued) == 4

    view = _monitor_until_done(migrated, owner, sweep_id, tmp_path / "runs")
    assert view.status == "completed"
    assert [trial.status for trial in view.trials] == ["completed"] * 4, [
        (t.name, t.reason) for t in view.trials
    ]
    assert view.objective == "eval loss"
    objectives = {trial.version_id: trial.objective for trial in view.trials}
    assert all(value is not None for value in objectives.values())
    best_id = min(objectives, key=objectives.__getitem__)
    assert view.best_version_id == best_id

    with Session(migrated) as session:
        package = session.exec(
            select(TrainingPackage).where(TrainingPackage.owner_id == owner)
        ).one()
        package_id = package.id
        _, revision, promoted = sweeps.promote(
            session,
            owner_id=owner,
            sweep_id=sweep_id,
            package_id=package_id,
            expected_revision=package.revision,
        )
        assert str(promoted.id) == best_id
        session.commit()
    with Session(migrated) as session:
        package = session.get(TrainingPackage, package_id)
        best = session.get(TrainingPackageVersion, uuid.UUID(best_id))
        assert package.draft_parent_version_id == best.id and package.revision == revision
        training = best.config_snapshot["training"]
        assert float(package.draft_config["learning_rate"]) == training["learning_rate"]
        assert int(package.draft_config["lora_r"]) == training["lora_r"]


@pytest.fixture
def job_version(migrated, tmp_path):
    """A version for a Hub Job whose trials are estimated at $0.10 each (a 7B model)."""
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), job_flavor="a10g-small")
    snapshot["model"]["parameters"] = 7_000_000_000
    for ref in snapshot["dataset"]["datasets"]:
        ref |= {"rows": 100_000, "mean_tokens": 300.0}
    return publish_for_new_user(migrated, snapshot)


def test_a_sweep_over_its_budget_is_refused_with_the_numbers(migrated, job_version):
    owner, parent_id = job_version
    with pytest.raises(sweeps.SweepRefused, match=r"\$0.40 estimated against a budget of \$0.25"):
        _start(migrated, owner, parent_id, _grid(budget_hours=None, budget_usd=0.25, trim=False))
    with Session(migrated) as session:  # nothing was written
        assert session.exec(select(Sweep)).all() == []
        assert len(session.exec(select(TrainingPackageVersion)).all()) == 1


def test_a_trimmed_sweep_queues_the_trials_that_fit(migrated, job_version):
    owner, parent_id = job_version
    sweep_id = _start(migrated, owner, parent_id, _grid(budget_hours=None, budget_usd=0.25))
    view = _results(migrated, owner, sweep_id)
    assert [trial.status for trial in view.trials] == ["queued", "queued"]
    assert "the first 2 of 4 trials fit" in view.message


def test_no_trial_starts_once_the_sweep_spent_its_budget(migrated, job_version, tmp_path):
    owner, parent_id = job_version
    sweep_id = _start(migrated, owner, parent_id, _grid(budget_hours=None, budget_usd=0.25))
    with Session(migrated) as session:
        first, second = session.exec(
            select(TrainingPackageVersion)
            .where(TrainingPackageVersion.sweep_id == sweep_id)
            .order_by(TrainingPackageVersion.version_number)
        ).all()
        # the first trial ran and cost more than it was estimated at
        session.add(
            Deployment(version_id=first.id, target="hf_job", status="completed", actual_cost=0.2)
        )
        session.flush()
        refusal = sweep_caps.launch_refusal(session, second, second.estimated_cost)
        session.commit()
    assert "The sweep's budget of $0.25 would be passed" in refusal
    assert "have cost $0.20" in refusal
    view = _results(migrated, owner, sweep_id)  # the trial leaves the queue, for good
    assert [(t.status, t.reason) for t in view.trials] == [
        ("completed", ""),
        ("skipped", f"Not started: {refusal}"),
    ]
    assert view.status == "completed"
    with Session(migrated) as session:
        assert run_queue.drive(session, tmp_path / "runs") == []  # nothing left to start
        session.commit()
    assert _results(migrated, owner, sweep_id).trials[1].reason == f"Not started: {refusal}"


def test_a_cancelled_sweep_empties_its_queue(migrated, job_version, tmp_path):
    owner, parent_id = job_version
    sweep_id = _start(migrated, owner, parent_id, _grid(budget_hours=None, budget_usd=1.0))
    with Session(migrated) as session:
        sweeps.cancel(session, owner_id=owner, sweep_id=sweep_id)
        session.commit()
    view = _results(migrated, owner, sweep_id)
    assert view.status == "cancelled"
    assert {(t.status, t.reason) for t in view.trials} == {
        ("skipped", "Not started: the sweep was cancelled.")
    }
    with Session(migrated) as session:
        assert run_queue.drive(session, tmp_path / "runs") == []
        assert session.exec(select(Deployment)).all() == []


def test_halving_stops_a_trial_in_the_worse_half_at_the_checkpoint(migrated, job_version):
    owner, parent_id = job_version
    spec = _grid(budget_hours=None, budget_usd=1.0, halving_step=3, objective="train_loss")
    sweep_id = _start(migrated, owner, parent_id, spec)
    with Session(migrated) as session:
        trials = session.exec(
            select(TrainingPackageVersion)
            .where(TrainingPackageVersion.sweep_id == sweep_id)
            .order_by(TrainingPackageVersion.version_number)
        ).all()

        def run(version, losses, status="running"):
            metrics = [{"step": n + 1, "loss": loss} for n, loss in enumerate(losses)]
            deployment = Deployment(
                version_id=version.id, target="hf_job", status=status, metrics=metrics
            )
            session.add(deployment)
            session.flush()
            return deployment

        run(trials[0], [3.0, 2.0, 1.0, 0.5], status="completed")
        before = run(trials[1], [3.0, 2.5])  # not at the checkpoint yet
        assert sweep_caps.stop_reason(session, before) == ""
        better = run(trials[2], [3.0, 2.0, 0.8])
        assert sweep_caps.stop_reason(session, better) == ""
        worse = run(trials[3], [3.0, 2.9, 2.8])
        reason = sweep_caps.stop_reason(session, worse)
    assert reason.startswith("Stopped by the sweep's successive halving at step 3")
    assert "ranked 3 of 3" in reason


def test_halving_stops_a_real_trial_in_the_worse_half_while_it_trains(
    migrated, tmp_path, hf_cache, monkeypatch
):
    """The tiny model for real, trials one after another: the first (a learning rate that
    learns) goes on past the checkpoint; the second (one that barely moves) is stopped by the
    monitor at the checkpoint, long before its last step."""
    for key, value in training_env(hf_cache, tmp_path).items():
        monkeypatch.setenv(key, value)
    max_steps = 120
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), max_steps=max_steps)
    owner, parent_id = publish_for_new_user(migrated, snapshot)
    spec = SweepSpec(
        axes=[Axis(name="learning_rate", values=[0.01, 1e-7])],
        budget_hours=1.0,
        halving_step=3,
        objective="train_loss",
    )
    sweep_id = _start(migrated, owner, parent_id, spec)
    view = _monitor_until_done(migrated, owner, sweep_id, tmp_path / "runs")

    learner, idler = sorted(view.trials, key=lambda trial: trial.overrides["learning_rate"])[::-1]
    assert learner.status == "completed", learner.reason
    assert idler.status == "cancelled", idler.reason  # what a stopped run is called
    assert idler.reason.startswith("Stopped by the sweep's successive halving at step 3")
    assert "ranked 2 of 2" in idler.reason
    with Session(migrated) as session:
        run = session.exec(
            select(Deployment).where(Deployment.version_id == uuid.UUID(idler.version_id))
        ).one()
        last_step = max(point.get("step", 0) for point in run.metrics)
    assert 3 <= last_step < max_steps


def test_someone_elses_sweep_is_not_found(migrated, job_version, tmp_path):
    owner, parent_id = job_version
    sweep_id = _start(migrated, owner, parent_id, _grid(budget_hours=None, budget_usd=1.0))
    other = published_snapshot(write_rows(tmp_path / "other.jsonl"))
    stranger, _ = publish_for_new_user(migrated, other, name="other")
    with pytest.raises(NotFound):
        _results(migrated, stranger, sweep_id)
    with pytest.raises(NotFound):
        _start(migrated, stranger, parent_id, _grid())


def test_row_level_security_keeps_each_sweep_its_owners(seeded):
    """PostgreSQL as the app runs it (an ordinary role): a sweep started in its owner's scope
    (its trials published and queued) is invisible and unchangeable in another user's; the
    monitor's system scope sees it (the budget and halving checks run there)."""
    import sqlalchemy as sa

    from trainpkg_app.db.engine import scope_to_user, session_scope

    app, users = seeded
    (a_owner, a_version), (b_owner, _) = users["a"], users["b"]
    with session_scope(app) as session:
        scope_to_user(session, a_owner)
        sweep_id = sweeps.start(session, owner_id=a_owner, version_id=a_version, spec=_grid()).id
    with session_scope(app) as session:
        scope_to_user(session, b_owner)
        assert session.exec(sa.select(Sweep.id)).all() == []
        assert session.exec(sa.update(Sweep).values(status="cancelled")).rowcount == 0
        with pytest.raises(NotFound):
            sweeps.results(session, owner_id=b_owner, sweep_id=sweep_id)
    with session_scope(app, system=True) as session:
        (sweep,) = session.exec(select(Sweep)).all()
        assert (sweep.id, sweep.status) == (sweep_id, "running")
        assert (
            len(
                session.exec(
                    select(TrainingPackageVersion).where(
                        TrainingPackageVersion.sweep_id == sweep_id
                    )
                ).all()
            )
            == 4
        )
