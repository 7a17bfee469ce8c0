"""hyperparameter sweeps: the sweeps table, and a version's sweep (its trials)

Revision ID: 0012
Revises: 0011 (0008 before the queue branch was merged in)
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Like the other owner tables (0006): the signed-in user's rows, or the monitor's.
MINE = (
    "current_setting('app.system', true) = 'on' OR owner_id::text = "
    "current_setting('app.user_id', true)"
)


def _sqlite_triggers(table: str) -> list[str]:
    """SQLite's batch mode rebuilds the table and its triggers go with it (0002's immutability
    guard): their SQL, to create them again on the new table."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return []
    rows = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
        {"table": table},
    )
    return [row[0] for row in rows]


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("parent_version_id", sa.Uuid(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("budget_usd", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("budget_hours", sa.Float(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("best_version_id", sa.Uuid(), nullable=True),
        sa.Column(
            "message",
            sqlmodel.sql.sqltypes.AutoString(),
            server_default=sa.text("''"),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'cancelled')", name=op.f("ck_sweeps_status")
        ),
        sa.CheckConstraint("budget_usd >= 0", name=op.f("ck_sweeps_budget_usd_non_negative")),
        sa.CheckConstraint("budget_hours >= 0", name=op.f("ck_sweeps_budget_hours_non_negative")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_sweeps_owner_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["training_packages.id"],
            name=op.f("fk_sweeps_package_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_version_id"],
            ["training_package_versions.id"],
            name=op.f("fk_sweeps_parent_version_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["best_version_id"],
            ["training_package_versions.id"],
            name=op.f("fk_sweeps_best_version_id"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweeps")),
    )
    with op.batch_alter_table("sweeps") as batch_op:
        batch_op.create_index(batch_op.f("ix_sweeps_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sweeps_parent_version_id"), ["parent_version_id"], unique=False
        )
    triggers = _sqlite_triggers("training_package_versions")
    with op.batch_alter_table("training_package_versions") as batch_op:
        batch_op.add_column(sa.Column("sweep_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_training_package_versions_sweep_id"), ["sweep_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_training_package_versions_sweep_id",
            "sweeps",
            ["sweep_id"],
            ["id"],
            ondelete="SET NULL",
        )
    for trigger in triggers:
        op.execute(trigger)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE sweeps ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE sweeps FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY owner_only ON sweeps USING ({MINE}) WITH CHECK ({MINE})")


def downgrade() -> None:
    triggers = _sqlite_triggers("training_package_versions")
    with op.batch_alter_table("training_package_versions") as batch_op:
        batch_op.drop_constraint("fk_training_package_versions_sweep_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_training_package_versions_sweep_id"))
        batch_op.drop_column("sweep_id")
    for trigger in triggers:
        op.execute(trigger)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS owner_only ON sweeps")
    with op.batch_alter_table("sweeps") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sweeps_parent_version_id"))
        batch_op.drop_index(batch_op.f("ix_sweeps_owner_id"))
    op.drop_table("sweeps")
