"""The run queue in the database: published versions wait for their turn on a target, and one
app worker at a time (the lease ``run_queue``) starts what may start through the same path as
Deploy (service.start), writing on the others why they wait. The state is the table only, so
the queue survives restarts and works with several workers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, func, select

from trainpkg_app.core import run_queue as rules
from trainpkg_app.core.vocabulary import QueueStatus
from trainpkg_app.core.workers import worker_alive
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.errors import NotFound
from trainpkg_app.db.models import (
    Deployment,
    RunQueueEntry,
    TrainingPackage,
    TrainingPackageVersion,
    WorkerLease,
    as_utc,
    utc_now,
)
from trainpkg_app.db.versions import get_version
from trainpkg_app.deploy import service
from trainpkg_app.deploy.backends import UnknownTarget
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.settings import get_settings

DRIVER = "run_queue"
DRIVER_TTL_S = 60.0
QUEUED = QueueStatus.QUEUED.value
BEING_TRAINED = "Waiting: this version is being trained; it starts when that run ends."


class QueueRefused(ValueError):
    """The version cannot be queued on that target; says why."""


@dataclass(frozen=True)
class QueueRow:
    """A queued entry as the Runs tab lists it."""

    id: str
    position: int  # 1: next
    version_id: str
    version: str
    package: str
    target: str
    status: str
    reason: str
    sweep_id: str

    def fields(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.__dict__.items()}


def enqueue(
    session: Session,
    owner_id: uuid.UUID,
    version_id: uuid.UUID,
    target: str | None = None,
    *,
    sweep_id: uuid.UUID | None = None,
) -> RunQueueEntry:
    """Put the owner's version at the end of their queue, on its own deploy target (a version
    carries that target's settings, so another target is refused)."""
    version = get_version(session, owner_id=owner_id, version_id=version_id)
    target = target or version.deployment_target
    if target != version.deployment_target:
        raise QueueRefused(
            f"{version.name} was published for {rules.target_label(version.deployment_target)}"
            f"; to run it on {rules.target_label(target)}, choose that target in Deploy and "
            "publish again."
        )
    last = session.exec(
        select(func.max(RunQueueEntry.position)).where(
            RunQueueEntry.owner_id == owner_id, RunQueueEntry.status == QUEUED
        )
    ).one()
    entry = RunQueueEntry(
        owner_id=owner_id,
        version_id=version.id,
        target=target,
        position=(last or 0) + 1,
        sweep_id=sweep_id,
        reason="Queued: it starts at the monitor's next pass when its turn comes.",
    )
    session.add(entry)
    session.flush()
    return entry


def _queued(session: Session, owner_id: uuid.UUID) -> list[RunQueueEntry]:
    return list(
        session.exec(
            select(RunQueueEntry)
            .where(RunQueueEntry.owner_id == owner_id, RunQueueEntry.status == QUEUED)
            .order_by(RunQueueEntry.position, RunQueueEntry.created_at, RunQueueEntry.id)
        ).all()
    )


def _owned_queued(session: Session, owner_id: uuid.UUID, entry_id: uuid.UUID) -> RunQueueEntry:
    entry = session.exec(
        select(RunQueueEntry).where(
            RunQueueEntry.id == entry_id,
            RunQueueEntry.owner_id == owner_id,
            RunQueueEntry.status == QUEUED,
        )
    ).first()
    if entry is None:  # not there, not theirs, or started already: the same answer
        raise NotFound("This run is no longer in the queue.")
    return entry


def cancel(session: Session, owner_id: uuid.UUID, entry_id: uuid.UUID) -> RunQueueEntry:
    """Take a waiting entry out of the queue (a started one is a run: cancel the run)."""
    entry = _owned_queued(session, owner_id, entry_id)
    entry.status, entry.reason = QueueStatus.CANCELLED.value, "Cancelled by the user."
    session.flush()
    return entry


def move(session: Session, owner_id: uuid.UUID, entry_id: uuid.UUID, delta: int) -> None:
    """Move a waiting entry ``delta`` places (negative: sooner); positions become 1..n."""
    _owned_queued(session, owner_id, entry_id)
    queued = _queued(session, owner_id)
    order = rules.moved([str(e.id) for e in queued], str(entry_id), delta)
    by_id = {str(e.id): e for e in queued}
    for position, key in enumerate(order, start=1):
        by_id[key].position = position
    session.flush()


def entries(session: Session, owner_id: uuid.UUID) -> list[QueueRow]:
    """The owner's waiting entries, next first."""
    rows = session.exec(
        select(RunQueueEntry, TrainingPackageVersion, TrainingPackage)
        .join(TrainingPackageVersion, TrainingPackageVersion.id == RunQueueEntry.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(
            RunQueueEntry.owner_id == owner_id,
            RunQueueEntry.status == QUEUED,
            TrainingPackage.owner_id == owner_id,
        )
        .order_by(RunQueueEntry.position, RunQueueEntry.created_at, RunQueueEntry.id)
    ).all()
    return [
        QueueRow(
            id=str(entry.id),
            position=number,
            version_id=str(version.id),
            version=version.name,
            package=package.name,
            target=rules.target_label(entry.target),
            status=entry.status,
            reason=entry.reason,
            sweep_id=str(entry.sweep_id or ""),
        )
        for number, (entry, version, package) in enumerate(rows, start=1)
    ]


def claim_driver(session: Session, worker: str, ttl_s: float = DRIVER_TTL_S) -> bool:
    """Take (or keep) the lease of the queue's driver: with several workers, one drives. A
    lease lapses after ``ttl_s``, or at once when its worker is known dead."""
    now = utc_now()
    lease = session.get(WorkerLease, DRIVER)
    if lease is None:
        try:
            with session.begin_nested():
                session.add(WorkerLease(name=DRIVER, worker=worker, expires_at=now))
        except sa.exc.IntegrityError:  # another worker made it first
            pass
        lease = session.get(WorkerLease, DRIVER)
    holder = lease.worker
    free = holder == worker or as_utc(lease.expires_at) < now or not worker_alive(holder)
    if not free:
        return False
    result = session.exec(
        sa.update(WorkerLease)
        .where(WorkerLease.name == DRIVER, WorkerLease.worker == holder)
        .values(worker=worker, expires_at=now + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)
    )
    session.expire(lease)
    return result.rowcount == 1


def _active_slots(session: Session) -> dict[tuple[str, str], int]:
    """Runs in progress per slot key: (local, '') for this machine, (target, owner) on the Hub."""
    rows = session.exec(
        select(Deployment.target, TrainingPackage.owner_id, func.count())
        .join(TrainingPackageVersion, TrainingPackageVersion.id == Deployment.version_id)
        .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
        .where(Deployment.status.in_(service.ACTIVE))
        .group_by(Deployment.target, TrainingPackage.owner_id)
    ).all()
    slots: dict[tuple[str, str], int] = {}
    for target, owner, count in rows:
        key = (target, "" if target == rules.LOCAL else str(owner))
        slots[key] = slots.get(key, 0) + count
    return slots


def _limits() -> dict[str, int]:
    settings = get_settings()
    hub = {target: settings.queue_hub_runs for target in ("hf_space", "hf_job")}
    return {rules.LOCAL: settings.queue_local_runs, **hub}


def _say(entry: RunQueueEntry, reason: str) -> None:
    if entry.reason != reason:  # the monitor passes every second: write only what changed
        entry.reason = reason


def drive(
    session: Session,
    runs_dir: Path,
    *,
    now: datetime | None = None,
    retry_s: float = rules.RETRY_S,
) -> list[uuid.UUID]:
    """One pass: start the queued entries that may start now (the ids of their new runs), and
    write on the others why they wait."""
    now = now or utc_now()
    queued = list(session.exec(select(RunQueueEntry).where(RunQueueEntry.status == QUEUED)))
    if not queued:
        return []
    training = set(
        session.exec(
            select(Deployment.version_id).where(Deployment.status.in_(service.ACTIVE))
        ).all()
    )
    for entry in queued:
        if entry.version_id in training:
            _say(entry, BEING_TRAINED)
    waiting = [
        rules.Waiting(
            entry_id=str(e.id),
            owner_id=str(e.owner_id),
            target=e.target,
            position=e.position,
            created_at=as_utc(e.created_at),
            refused_at=as_utc(e.refused_at) if e.refused_at else None,
        )
        for e in queued
        if e.version_id not in training
    ]
    plan = rules.plan(waiting, _active_slots(session), _limits(), now, retry_s)
    by_id = {str(e.id): e for e in queued}
    for key, reason in plan.wait.items():
        _say(by_id[key], reason)
    started = []
    for key in plan.start:
        deployment = _start(session, by_id[key], runs_dir, now)
        if deployment is not None:
            started.append(deployment.id)
    session.flush()
    return started


def _start(
    session: Session, entry: RunQueueEntry, runs_dir: Path, now: datetime
) -> Deployment | None:
    """Start the entry's run as Deploy does; a refusal (budget, monthly cap, a missing file,
    the Hub) stays on the entry as its reason, and it is tried again later."""
    try:
        with session.begin_nested():  # a refused start leaves no half-made run behind
            deployment = service.start(
                session, owner_id=entry.owner_id, version_id=entry.version_id, runs_dir=runs_dir
            )
    except (service.AlreadyRunning, NotFound, HubProblem, UnknownTarget) as refused:
        entry.reason, entry.refused_at = f"Not started yet: {refused}", now
        return None
    except sa.exc.SQLAlchemyError:
        raise  # the database itself: the pass ends, the next one starts over
    except Exception as error:  # a bug or a broken package must not block the queue
        entry.reason = f"Not started yet: {type(error).__name__}: {error}"
        entry.refused_at = now
        return None
    entry.status, entry.deployment_id = QueueStatus.STARTED.value, deployment.id
    entry.reason, entry.refused_at = "", None
    return deployment


def drive_as(worker: str, runs_dir: Path, engine: sa.Engine | None = None) -> list[uuid.UUID]:
    """The monitor's pass: drive the queue if this worker holds (or takes) the lease."""
    with session_scope(engine, system=True) as session:
        waiting = session.exec(select(RunQueueEntry.id).where(RunQueueEntry.status == QUEUED))
        if waiting.first() is None or not claim_driver(session, worker):
            return []  # an empty queue costs one read a pass, and no write
    with session_scope(engine, system=True) as session:
        return drive(session, runs_dir)
