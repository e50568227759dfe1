"""workflow: fired-rule records, review items, cost-sharing and bounced-address columns

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applicant") as batch_op:
        batch_op.add_column(sa.Column("cost_sharing", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("address_bad", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "rule_firing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), sa.ForeignKey("applicant.id"), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("occasion", sa.String(length=300), nullable=False),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("applicant_id", "rule", "occasion", name="uq_rule_firing_occasion"),
    )
    op.create_index("ix_rule_firing_applicant_id", "rule_firing", ["applicant_id"])
    op.create_table(
        "review_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), sa.ForeignKey("applicant.id"), nullable=True),
        sa.Column("raw_mail_id", sa.Integer(), sa.ForeignKey("raw_mail.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_item_applicant_id", "review_item", ["applicant_id"])
    op.create_index("ix_review_item_status", "review_item", ["status"])


def downgrade() -> None:
    op.drop_table("review_item")
    op.drop_table("rule_firing")
    with op.batch_alter_table("applicant") as batch_op:
        batch_op.drop_column("address_bad")
        batch_op.drop_column("cost_sharing")
