"""the run queue: versions waiting for their turn on a target, and the lease of its driver

Row-level security on PostgreSQL as in 0006: an owner sees only their own entries (the monitor,
in its system scope, all of them). The lease table holds no user data.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MINE = (
    "current_setting('app.system', true) = 'on' OR owner_id::text = "
    "current_setting('app.user_id', true)"
)


def upgrade() -> None:
    op.create_table(
        "run_queue",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "reason",
            sqlmodel.sql.sqltypes.AutoString(),
            server_default=sa.text("''"),
            nullable=False,
        ),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deployment_id", sa.Uuid(), nullable=True),
        sa.Column("sweep_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'started', 'cancelled')", name=op.f("ck_run_queue_status")
        ),
        sa.CheckConstraint(
            "target IN ('local', 'hf_space', 'hf_job')", name=op.f("ck_run_queue_target")
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_run_queue_deployment_id"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_run_queue_owner_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["training_package_versions.id"],
            name=op.f("fk_run_queue_version_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_queue")),
    )
    with op.batch_alter_table("run_queue") as batch_op:
        batch_op.create_index(
            "ix_run_queue_owner_status_position", ["owner_id", "status", "position"]
        )
        batch_op.create_index("ix_run_queue_status", ["status"])
        batch_op.create_index(batch_op.f("ix_run_queue_version_id"), ["version_id"])
        batch_op.create_index(batch_op.f("ix_run_queue_sweep_id"), ["sweep_id"])
    op.create_table(
        "worker_leases",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "expires_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_leases")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE run_queue ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE run_queue FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY owner_only ON run_queue USING ({MINE}) WITH CHECK ({MINE})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS owner_only ON run_queue")
        op.execute("ALTER TABLE run_queue NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE run_queue DISABLE ROW LEVEL SECURITY")
    op.drop_table("worker_leases")
    with op.batch_alter_table("run_queue") as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_queue_sweep_id"))
        batch_op.drop_index(batch_op.f("ix_run_queue_version_id"))
        batch_op.drop_index("ix_run_queue_status")
        batch_op.drop_index("ix_run_queue_owner_status_position")
    op.drop_table("run_queue")
