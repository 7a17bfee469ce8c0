"""runs that resume another run, and the run-end webhook

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("webhook_url_encrypted", sa.Text(), nullable=True))
    with op.batch_alter_table("deployments") as batch_op:
        batch_op.add_column(sa.Column("resumed_from_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("resumed_from_step", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "webhook_log",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("webhook_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deployments_resumed_from_id"), ["resumed_from_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_deployments_resumed_from_id"),
            "deployments",
            ["resumed_from_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("deployments") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_deployments_resumed_from_id"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_deployments_resumed_from_id"))
        for column in ("webhook_due_at", "webhook_log", "resumed_from_step", "resumed_from_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("webhook_url_encrypted")
