"""hub tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_encrypted", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column(
            "hub_username",
            sqlmodel.sql.sqltypes.AutoString(),
            server_default=sa.text("''"),
            nullable=False,
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hub_tokens_user_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_hub_tokens")),
    )


def downgrade() -> None:
    op.drop_table("hub_tokens")
