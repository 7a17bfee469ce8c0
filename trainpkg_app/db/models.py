"""The schema, defined here only; Alembic migrations are generated from it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from trainpkg_app.core.vocabulary import (
    DeploymentTarget,
    QueueStatus,
    TrainingStatus,
    VersionStatus,
    sql_in_list,
)

# Stable constraint names, so that migrations (and SQLite batch mode) can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDocument = sa.JSON().with_variant(JSONB(), "postgresql")
Money = sa.Numeric(12, 4)


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _timestamp(*, nullable: bool = False, default: bool = True, index: bool = False) -> Any:
    return Field(
        default_factory=utc_now if default else None,
        index=index,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now()} if default else {},
        nullable=nullable,
    )


def _json(*, nullable: bool) -> Any:
    if nullable:
        return Field(default=None, sa_type=JsonDocument, nullable=True)
    return Field(default_factory=dict, sa_type=JsonDocument, nullable=False)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    password_hash: str = Field(max_length=255)
    is_admin: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = _timestamp()
    # What all of the user's runs may cost in a calendar month (set by the admin; none: no cap).
    monthly_budget_usd: Decimal | None = Field(default=None, sa_type=Money)
    # Where the user's run-end notices are POSTed (Fernet-encrypted, like the Hub token).
    webhook_url_encrypted: str | None = Field(default=None, sa_type=sa.Text)


class UserSession(SQLModel, table=True):
    """A signed-in browser: it holds a random token, the database only its SHA-256."""

    __tablename__ = "user_sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    revoked_at: datetime | None = _timestamp(nullable=True, default=False)


class LoginAttempt(SQLModel, table=True):
    """A failed sign-in, kept for the throttle (per account and per client)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_account_at", "account", "at"),
        sa.Index("ix_login_attempts_client_at", "client", "at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account: str = Field(max_length=320)
    client: str = Field(max_length=128)
    at: datetime = _timestamp()


class TrainingPackage(SQLModel, table=True):
    """A package and its live draft (4 step snapshots, guarded by ``revision``)."""

    __tablename__ = "training_packages"
    __table_args__ = (
        sa.UniqueConstraint("owner_id", "name", name="uq_training_packages_owner_id_name"),
        sa.CheckConstraint("revision >= 0", name="revision_non_negative"),
        sa.CheckConstraint("last_version_number >= 0", name="last_version_number_non_negative"),
        sa.Index("ix_training_packages_owner_id_updated_at", "owner_id", "updated_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column_kwargs={"server_default": sa.text("''")})
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    draft_model: dict[str, Any] = _json(nullable=False)
    draft_config: dict[str, Any] = _json(nullable=False)
    draft_dataset: dict[str, Any] = _json(nullable=False)
    draft_deploy: dict[str, Any] = _json(nullable=False)
    draft_workflow: dict[str, Any] = _json(nullable=False)
    draft_started_at: datetime = _timestamp()
    # The version the draft was restored from or last published as.
    draft_parent_version_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey(
                "training_package_versions.id",
                ondelete="SET NULL",
                use_alter=True,
                name="fk_training_packages_draft_parent_version_id",
            ),
            nullable=True,
        ),
    )
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_version_number: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


# Columns of a version that never change once it is published (see migration 0002's trigger).
VERSION_FROZEN_FIELDS = (
    "package_id",
    "version_number",
    "name",
    "config_snapshot",
    "model_snapshot",
    "dataset_snapshot",
    "deployment_target",
    "created_at",
    "published_at",
    "change_summary",
    "created_by",
    "parent_version_id",
)


class TrainingPackageVersion(SQLModel, table=True):
    """An immutable, numbered snapshot of a package (the original plan's table)."""

    __tablename__ = "training_package_versions"
    __table_args__ = (
        sa.UniqueConstraint(
            "package_id", "version_number", name="uq_training_package_versions_package_number"
        ),
        sa.CheckConstraint(f"status IN ({sql_in_list(VersionStatus)})", name="status"),
        sa.CheckConstraint(
            f"deployment_target IN ({sql_in_list(DeploymentTarget)})", name="deployment_target"
        ),
        sa.CheckConstraint(
            f"training_status IN ({sql_in_list(TrainingStatus)})", name="training_status"
        ),
        sa.CheckConstraint("version_number >= 1", name="version_number_positive"),
        sa.CheckConstraint("estimated_cost >= 0", name="estimated_cost_non_negative"),
        sa.CheckConstraint("actual_cost >= 0", name="actual_cost_non_negative"),
        sa.Index("ix_training_package_versions_package_status", "package_id", "status"),
        sa.Index(
            "ix_training_package_versions_package_training_status",
            "package_id",
            "training_status",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    package_id: uuid.UUID = Field(foreign_key="training_packages.id", ondelete="CASCADE")
    version_number: int
    name: str
    status: str = Field(default=VersionStatus.DRAFT.value, max_length=16)
    config_snapshot: dict[str, Any] = _json(nullable=False)
    model_snapshot: dict[str, Any] = _json(nullable=False)
    dataset_snapshot: dict[str, Any] = _json(nullable=False)
    deployment_target: str | None = Field(default=None, max_length=16)
    deployment_url: str | None = None
    training_status: str | None = Field(default=None, max_length=16)
    training_metrics: dict[str, Any] | None = _json(nullable=True)
    estimated_cost: Decimal | None = Field(default=None, sa_type=Money)
    actual_cost: Decimal | None = Field(default=None, sa_type=Money)
    created_at: datetime = _timestamp()
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    published_at: datetime | None = _timestamp(nullable=True, default=False)
    change_summary: str | None = None
    parent_version_id: uuid.UUID | None = Field(
        default=None, foreign_key="training_package_versions.id", ondelete="SET NULL"
    )
    # A sweep's trial: the sweep that published it (its parent is the sweep's version).
    sweep_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey(
                "sweeps.id",
                ondelete="SET NULL",
                use_alter=True,
                name="fk_training_package_versions_sweep_id",
            ),
            nullable=True,
            index=True,
        ),
    )


class Sweep(SQLModel, table=True):
    """A hyperparameter sweep of a version: its plan (core/sweeps.SweepSpec as JSON), total
    budget, status and best trial; its trials are child versions with this ``sweep_id``."""

    __tablename__ = "sweeps"
    __table_args__ = (
        sa.CheckConstraint("status IN ('running', 'completed', 'cancelled')", name="status"),
        sa.CheckConstraint("budget_usd >= 0", name="budget_usd_non_negative"),
        sa.CheckConstraint("budget_hours >= 0", name="budget_hours_non_negative"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    package_id: uuid.UUID = Field(foreign_key="training_packages.id", ondelete="CASCADE")
    parent_version_id: uuid.UUID = Field(
        foreign_key="training_package_versions.id", ondelete="CASCADE", index=True
    )
    spec: dict[str, Any] = _json(nullable=False)
    budget_usd: Decimal | None = Field(default=None, sa_type=Money)
    budget_hours: float | None = None
    status: str = Field(default="running", max_length=16)
    best_version_id: uuid.UUID | None = Field(
        default=None, foreign_key="training_package_versions.id", ondelete="SET NULL"
    )
    message: str = Field(default="", sa_column_kwargs={"server_default": sa.text("''")})
    created_at: datetime = _timestamp()
    finished_at: datetime | None = _timestamp(nullable=True, default=False)


class HubToken(SQLModel, table=True):
    """A user's Hugging Face token, encrypted at rest (Fernet); never sent to the browser."""

    __tablename__ = "hub_tokens"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    token_encrypted: str
    hub_username: str = Field(default="", sa_column_kwargs={"server_default": sa.text("''")})
    updated_at: datetime = _timestamp()


class Deployment(SQLModel, table=True):
    """One run of a published version on a target; at most one active per version."""

    __tablename__ = "deployments"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({sql_in_list(TrainingStatus)})", name="status"),
        sa.CheckConstraint(f"target IN ({sql_in_list(DeploymentTarget)})", name="target"),
        sa.Index(
            "uq_deployments_one_active_per_version",
            "version_id",
            unique=True,
            sqlite_where=sa.text("status IN ('pending', 'running')"),
            postgresql_where=sa.text("status IN ('pending', 'running')"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    version_id: uuid.UUID = Field(
        foreign_key="training_package_versions.id", ondelete="CASCADE", index=True
    )
    target: str = Field(max_length=16)
    status: str = Field(default=TrainingStatus.PENDING.value, max_length=16)
    created_at: datetime = _timestamp()
    started_at: datetime | None = _timestamp(nullable=True, default=False)
    finished_at: datetime | None = _timestamp(nullable=True, default=False)
    run_dir: str = ""
    pid: int | None = None
    metrics: list[dict[str, Any]] | None = _json(nullable=True)
    metrics_offset: int = 0  # bytes of metrics.jsonl already read
    log_tail: str = ""
    error: str = ""
    estimated_cost: Decimal | None = Field(default=None, sa_type=Money)
    actual_cost: Decimal | None = Field(default=None, sa_type=Money)
    deployment_url: str | None = None
    remote_id: str | None = Field(default=None, max_length=200)  # a Job: namespace/job id
    # Which app process follows this run (several workers: exactly one), and until when.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = _timestamp(nullable=True, default=False)
    # A run that goes on from another one's checkpoint (Resume, Extend): that run and its step.
    resumed_from_id: uuid.UUID | None = Field(
        default=None, foreign_key="deployments.id", ondelete="SET NULL", index=True
    )
    resumed_from_step: int | None = None
    # The run-end webhook: each delivery attempt, and when the next one is due (none: nothing
    # left to deliver).
    webhook_log: list[dict[str, Any]] | None = _json(nullable=True)
    webhook_due_at: datetime | None = _timestamp(nullable=True, default=False, index=True)
    # The evaluation card train.py wrote into summary.json (core/evaluation.py checks it).
    evaluation: dict[str, Any] | None = _json(nullable=True)
    # Calibrated estimates (core/calibration.py): what the run was estimated to take when it
    # was registered, and what it measured when it ended (tokens/s, memory, time, cost).
    estimate: dict[str, Any] | None = _json(nullable=True)
    measured: dict[str, Any] | None = _json(nullable=True)


class RunQueueEntry(SQLModel, table=True):
    """A published version waiting for its turn on a target; the monitor starts it
    (deploy/run_queue.py) and then links the run it became."""

    __tablename__ = "run_queue"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({sql_in_list(QueueStatus)})", name="status"),
        sa.CheckConstraint(f"target IN ({sql_in_list(DeploymentTarget)})", name="target"),
        sa.Index("ix_run_queue_owner_status_position", "owner_id", "status", "position"),
        sa.Index("ix_run_queue_status", "status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    version_id: uuid.UUID = Field(
        foreign_key="training_package_versions.id", ondelete="CASCADE", index=True
    )
    target: str = Field(max_length=16)
    position: int  # the order among the owner's entries (smaller: sooner)
    status: str = Field(default=QueueStatus.QUEUED.value, max_length=16)
    reason: str = Field(default="", sa_column_kwargs={"server_default": sa.text("''")})
    refused_at: datetime | None = _timestamp(nullable=True, default=False)
    deployment_id: uuid.UUID | None = Field(
        default=None, foreign_key="deployments.id", ondelete="SET NULL"
    )
    sweep_id: uuid.UUID | None = Field(default=None, index=True)  # a sweep's trial (no FK)
    created_at: datetime = _timestamp()


class WorkerLease(SQLModel, table=True):
    """A named job that one app worker does at a time (the run queue's driver), and until
    when its lease holds."""

    __tablename__ = "worker_leases"

    name: str = Field(primary_key=True, max_length=64)
    worker: str = Field(default="", max_length=64)
    expires_at: datetime = _timestamp()
