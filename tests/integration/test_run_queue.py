"""The run queue: versions queued on this machine run one after another with one driver across
two app workers, the queue survives an app restart, cancel removes a queued run, and a capped
budget leaves its entry waiting with the reason."""

from __future__ import annotations

import itertools
import socket
import subprocess
import time
import uuid
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from tests.integration import test_row_level_security as rls
from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    training_env,
    write_rows,
)
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import Deployment, RunQueueEntry, TrainingPackageVersion, User, as_utc
from trainpkg_app.db.versions import publish_version
from trainpkg_app.deploy import run_queue, service

postgres_url, seeded = rls.postgres_url, rls.seeded  # the RLS tests' role, for one test here


def _publish_versions(engine, snapshot: dict, count: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A new owner and ``count`` published versions of one package from ``snapshot``."""
    owner, first = publish_for_new_user(engine, snapshot)
    ids = [first]
    with Session(engine) as session:
        package_id = session.get(TrainingPackageVersion, first).package_id
        for _ in range(count - 1):
            version = publish_version(
                session,
                owner_id=owner,
                package_id=package_id,
                snapshot=snapshot,
                change_summary="",
                parent_version_id=first,
            )
            ids.append(version.id)
        session.commit()
    return owner, ids


@pytest.fixture
def versions(migrated, tmp_path):
    """An owner and ``count`` published versions of one package that train the tiny model."""

    def publish(count: int, max_steps: int = 4) -> tuple[uuid.UUID, list[uuid.UUID]]:
        snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), max_steps)
        return _publish_versions(migrated, snapshot, count)

    return publish


def _enqueue(engine, owner, version_ids) -> list[uuid.UUID]:
    with Session(engine) as session:
        ids = [run_queue.enqueue(session, owner, version_id).id for version_id in version_ids]
        session.commit()
        return ids


def _drive_once(engine, runs_dir) -> list[uuid.UUID]:
    """One pass of the queue's driver, in its own transaction: the runs it started."""
    with Session(engine) as session:
        started = run_queue.drive(session, runs_dir)
        session.commit()
        return started


def _rows(engine, owner) -> list[run_queue.QueueRow]:
    with Session(engine) as session:
        return run_queue.entries(session, owner)


def test_cancel_and_reorder_are_the_owners_only(migrated, versions, tmp_path):
    owner, ids = versions(3)
    first, second, third = _enqueue(migrated, owner, ids)
    stranger, _ = publish_for_new_user(
        migrated, published_snapshot(write_rows(tmp_path / "theirs.jsonl"))
    )
    with Session(migrated) as session:
        with pytest.raises(NotFound):
            run_queue.cancel(session, stranger, first)
        with pytest.raises(NotFound):
            run_queue.move(session, stranger, third, -2)
        with pytest.raises(NotFound):
            run_queue.enqueue(session, stranger, ids[0])
        run_queue.move(session, owner, third, -1)
        run_queue.cancel(session, owner, first)
        session.commit()
    rows = _rows(migrated, owner)
    assert [(row.id, row.position) for row in rows] == [(str(third), 1), (str(second), 2)]
    with Session(migrated) as session:
        assert session.get(RunQueueEntry, first).status == "cancelled"
        with pytest.raises(NotFound):  # a cancelled entry is no longer in the queue
            run_queue.move(session, owner, first, 1)


def test_another_target_than_the_versions_is_refused(migrated, versions):
    owner, (version_id,) = versions(1)
    with Session(migrated) as session, pytest.raises(run_queue.QueueRefused, match="published for"):
        run_queue.enqueue(session, owner, version_id, "hf_job")


def test_a_capped_budget_leaves_the_entry_waiting_with_its_reason(migrated, versions, tmp_path):
    owner, (version_id,) = versions(1)
    with Session(migrated) as session:
        session.get(User, owner).monthly_budget_usd = Decimal("0")
        session.commit()
    (entry_id,) = _enqueue(migrated, owner, [version_id])
    assert _drive_once(migrated, tmp_path / "runs") == []
    with Session(migrated) as session:
        entry = session.get(RunQueueEntry, entry_id)
        assert entry.status == "queued"
        assert "monthly cap" in entry.reason and "ask the admin" in entry.reason
        assert session.exec(select(Deployment)).all() == []  # nothing started, nothing billed
    (row,) = _rows(migrated, owner)
    assert row.reason == entry.reason


def _monitor_pass(engine, worker: str, runs_dir) -> None:
    """What one app worker's monitor does each second: follow its runs, drive the queue."""
    with Session(engine, expire_on_commit=False) as session:
        for deployment in session.exec(
            select(Deployment).where(Deployment.status.in_(service.ACTIVE))
        ).all():
            if service.claim(session, deployment.id, worker):
                service.sync(session, deployment)
        session.commit()
    run_queue.drive_as(worker, runs_dir, engine)


class _AppWorkers:
    """Two app worker processes of this host (stand-ins that only live), named as the monitor
    names its worker; a restart ends them and starts two new ones."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        self.start()

    def start(self) -> None:
        self.processes = [subprocess.Popen(["sleep", "600"]) for _ in range(2)]

    @property
    def names(self) -> list[str]:
        return [f"{socket.gethostname()}:{process.pid}" for process in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


def test_three_queued_versions_run_one_after_another_across_two_workers_and_a_restart(
    migrated, versions, tmp_path, hf_cache, monkeypatch
):
    for key, value in training_env(hf_cache, tmp_path).items():
        monkeypatch.setenv(key, value)
    owner, ids = versions(3)
    entry_ids = _enqueue(migrated, owner, ids)
    runs_dir, workers = tmp_path / "runs", _AppWorkers()
    drivers: list[set[str]] = [set(), set()]  # who started runs before and after the restart
    most_active, phase, deadline = 0, 0, time.monotonic() + 600
    try:
        while True:
            for worker in workers.names:  # each worker's monitor, one pass
                before = _started(migrated)
                _monitor_pass(migrated, worker, runs_dir)
                if _started(migrated) > before:
                    drivers[phase].add(worker)
            with Session(migrated) as session:
                active = session.exec(
                    select(Deployment).where(Deployment.status.in_(service.ACTIVE))
                ).all()
                most_active = max(most_active, len(active))
                entries = [session.get(RunQueueEntry, entry_id) for entry_id in entry_ids]
            if phase == 0 and entries[0].status == "started":
                rows = _rows(migrated, owner)
                assert [row.position for row in rows] == [1, 2]
                assert "busy" in rows[0].reason
                first_driver = workers.names[0]
                workers.restart()  # the app restarts: only the table remembers the queue
                phase = 1
                assert first_driver not in workers.names
            if all(e.status == "started" for e in entries) and not active:
                break
            assert time.monotonic() < deadline, [e.reason for e in entries]
            time.sleep(0.3)
    finally:
        workers.stop()
    assert most_active == 1  # one local run at a time
    assert drivers[0] == {first_driver}  # the first to take the lease drove; the other did not
    assert drivers[1] == {workers.names[0]}  # after the restart, one new worker took it over
    with Session(migrated) as session:
        runs = [session.get(Deployment, e.deployment_id) for e in entries]
    assert [run.version_id for run in runs] == ids
    assert all(run.status == "completed" for run in runs), [run.log_tail for run in runs]
    for earlier, later in itertools.pairwise(runs):
        assert as_utc(earlier.finished_at) <= as_utc(later.started_at)
    assert _rows(migrated, owner) == []


def _started(engine) -> int:
    with Session(engine) as session:
        return len(
            session.exec(select(RunQueueEntry).where(RunQueueEntry.status == "started")).all()
        )


def test_a_hub_target_takes_the_set_number_of_runs_at_a_time(
    migrated, fake_hub, tmp_path, monkeypatch
):
    from tests.trainkit.runs import give_own_token, use_fake_hub_token
    from trainpkg_app.settings import get_settings

    use_fake_hub_token(monkeypatch, fake_hub)
    monkeypatch.setattr(get_settings(), "queue_hub_runs", 1)
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), job_flavor="a10g-small")
    owner, (first, second) = _publish_versions(migrated, snapshot, 2)
    give_own_token(migrated, owner)
    entry_ids = _enqueue(migrated, owner, [first, second])
    assert len(_drive_once(migrated, tmp_path / "runs")) == 1
    assert len(fake_hub.jobs) == 1  # one Job launched, the other waits for its slot
    with Session(migrated) as session:
        started, waiting = (session.get(RunQueueEntry, entry_id) for entry_id in entry_ids)
        assert started.status == "started" and started.deployment_id
        assert waiting.status == "queued"
        assert waiting.reason == (
            "Waiting: your run on Hugging Face Job must end first (one at a time)."
        )


def test_row_level_security_keeps_each_queue_its_owners(seeded):
    """PostgreSQL as the app runs it (an ordinary role): another user's scope sees and changes
    no entry, the monitor's system scope sees them all."""
    import sqlalchemy as sa

    from trainpkg_app.db.engine import scope_to_user, session_scope

    app, users = seeded
    (a_owner, a_version), (b_owner, _) = users["a"], users["b"]
    with session_scope(app) as session:
        scope_to_user(session, a_owner)
        entry_id = run_queue.enqueue(session, a_owner, a_version).id
    with session_scope(app) as session:
        scope_to_user(session, b_owner)
        assert session.exec(sa.select(RunQueueEntry.id)).all() == []
        moved = session.exec(sa.update(RunQueueEntry).values(position=99))
        assert moved.rowcount == 0
    with session_scope(app, system=True) as session:
        (entry,) = session.exec(select(RunQueueEntry)).all()
        assert (entry.id, entry.position) == (entry_id, 1)


def test_a_version_that_fails_validation_waits_and_leaves_no_half_made_run(migrated, tmp_path):
    """Its upload is gone: the start is refused after the run's record was made, and that
    record goes with the refusal (a savepoint), the version's status untouched."""
    missing = published_snapshot(write_rows(tmp_path / "gone.jsonl"))
    owner, broken = publish_for_new_user(migrated, missing, store=False)
    (entry_id,) = _enqueue(migrated, owner, [broken])
    assert _drive_once(migrated, tmp_path / "runs") == []
    with Session(migrated) as session:
        entry = session.get(RunQueueEntry, entry_id)
        assert entry.status == "queued" and entry.refused_at is not None
        assert "Upload the file again and publish a new version" in entry.reason
        assert session.exec(select(Deployment)).all() == []
        assert session.get(TrainingPackageVersion, broken).training_status is None
