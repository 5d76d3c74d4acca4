"""Learned means: what each tenant's dispatcher has learned of handle and wrap-up times, and when
each assigned escalation's work was expected to end as of its acceptance, so that a rebuilt
dispatcher expects the same ends of work and ETAs as the one that learned them.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("escalations", sa.Column("expected_end_s", sa.Float, nullable=True))
    op.create_table(
        "learned_means",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("wrap_up", sa.Boolean, nullable=False),
        sa.Column("requirement", Json, nullable=True),
        sa.Column("mean_s", sa.Float, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("learned_means")
    op.drop_column("escalations", "expected_end_s")
