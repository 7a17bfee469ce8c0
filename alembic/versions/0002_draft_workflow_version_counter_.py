"""draft workflow, version counter, immutable versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TRIGGER = "training_package_versions_immutable"
# Frozen once published; created_by and parent_version_id may only be cleared (ON DELETE SET NULL).
FROZEN = [
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
]
NULLABLE_REFERENCES = ["created_by", "parent_version_id"]


def _violation(distinct: str) -> str:
    frozen = [f"NEW.{c} {distinct} OLD.{c}" for c in FROZEN]
    references = [
        f"(NEW.{c} IS NOT NULL AND NEW.{c} {distinct} OLD.{c})" for c in NULLABLE_REFERENCES
    ]
    return " OR ".join([*frozen, *references, "NEW.status = 'draft'"])


def _create_immutability_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF OLD.status <> 'draft' AND ({_violation("IS DISTINCT FROM")}) THEN
                RAISE EXCEPTION 'published version % is immutable', OLD.id
                  USING ERRCODE = 'check_violation';
              END IF;
              RETURN NEW;
            END $$""")
        op.execute(f"""
            CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON training_package_versions
            FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()""")
    else:
        op.execute(f"""
            CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON training_package_versions
            FOR EACH ROW WHEN OLD.status <> 'draft' AND ({_violation("IS NOT")})
            BEGIN SELECT RAISE(ABORT, 'published versions are immutable'); END""")


def _drop_immutability_guard() -> None:
    op.execute(
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON training_package_versions"
        if op.get_bind().dialect.name == "postgresql"
        else f"DROP TRIGGER IF EXISTS {TRIGGER}"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")


def upgrade() -> None:
    with op.batch_alter_table("training_packages") as batch_op:
        batch_op.add_column(sa.Column("draft_workflow", JSON, nullable=True))
        batch_op.add_column(
            sa.Column(
                "draft_started_at",
                sa.DateTime(timezone=True),
                server_default=sa.func.now(),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("draft_parent_version_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("last_version_number", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute("UPDATE training_packages SET draft_workflow = '{}'")
    op.execute(
        "UPDATE training_packages SET last_version_number = COALESCE((SELECT MAX(version_number) "
        "FROM training_package_versions v WHERE v.package_id = training_packages.id), 0)"
    )
    with op.batch_alter_table("training_packages") as batch_op:
        batch_op.alter_column("draft_workflow", existing_type=JSON, nullable=False)
        batch_op.create_foreign_key(
            "fk_training_packages_draft_parent_version_id",
            "training_package_versions",
            ["draft_parent_version_id"],
            ["id"],
            ondelete="SET NULL",
            use_alter=True,
        )
        batch_op.create_check_constraint(
            "ck_training_packages_last_version_number_non_negative", "last_version_number >= 0"
        )
    _create_immutability_guard()


def downgrade() -> None:
    _drop_immutability_guard()
    with op.batch_alter_table("training_packages") as batch_op:
        batch_op.drop_constraint(
            "ck_training_packages_last_version_number_non_negative", type_="check"
        )
        batch_op.drop_constraint("fk_training_packages_draft_parent_version_id", type_="foreignkey")
        batch_op.drop_column("last_version_number")
        batch_op.drop_column("draft_parent_version_id")
        batch_op.drop_column("draft_started_at")
        batch_op.drop_column("draft_workflow")
