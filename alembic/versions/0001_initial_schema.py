"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "training_packages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "description",
            sqlmodel.sql.sqltypes.AutoString(),
            server_default=sa.text("''"),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "draft_model",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "draft_config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "draft_dataset",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "draft_deploy",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "revision >= 0", name=op.f("ck_training_packages_revision_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_training_packages_owner_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_packages")),
        sa.UniqueConstraint("owner_id", "name", name="uq_training_packages_owner_id_name"),
    )
    with op.batch_alter_table("training_packages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_packages_owner_id_updated_at", ["owner_id", "updated_at"], unique=False
        )

    op.create_table(
        "training_package_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "config_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "model_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "dataset_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("deployment_target", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("deployment_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("training_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column(
            "training_metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("estimated_cost", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("actual_cost", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("change_summary", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("parent_version_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "deployment_target IN ('local', 'hf_space', 'hf_job')",
            name=op.f("ck_training_package_versions_deployment_target"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'archived')",
            name=op.f("ck_training_package_versions_status"),
        ),
        sa.CheckConstraint(
            "training_status IN ('pending', 'running', 'completed', 'failed', 'cancelled')",
            name=op.f("ck_training_package_versions_training_status"),
        ),
        sa.CheckConstraint(
            "actual_cost >= 0", name=op.f("ck_training_package_versions_actual_cost_non_negative")
        ),
        sa.CheckConstraint(
            "estimated_cost >= 0",
            name=op.f("ck_training_package_versions_estimated_cost_non_negative"),
        ),
        sa.CheckConstraint(
            "version_number >= 1", name=op.f("ck_training_package_versions_version_number_positive")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_training_package_versions_created_by"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["training_packages.id"],
            name=op.f("fk_training_package_versions_package_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_version_id"],
            ["training_package_versions.id"],
            name=op.f("fk_training_package_versions_parent_version_id"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_package_versions")),
        sa.UniqueConstraint(
            "package_id", "version_number", name="uq_training_package_versions_package_number"
        ),
    )
    with op.batch_alter_table("training_package_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_package_versions_package_status", ["package_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_training_package_versions_package_training_status",
            ["package_id", "training_status"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("training_package_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_training_package_versions_package_training_status")
        batch_op.drop_index("ix_training_package_versions_package_status")

    op.drop_table("training_package_versions")
    with op.batch_alter_table("training_packages", schema=None) as batch_op:
        batch_op.drop_index("ix_training_packages_owner_id_updated_at")

    op.drop_table("training_packages")
    op.drop_table("users")
