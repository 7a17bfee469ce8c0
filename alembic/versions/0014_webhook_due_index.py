"""an index on deployments.webhook_due_at: the monitor looks for due webhooks every tick

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_deployments_webhook_due_at", "deployments", ["webhook_due_at"])


def downgrade() -> None:
    op.drop_index("ix_deployments_webhook_due_at", table_name="deployments")
