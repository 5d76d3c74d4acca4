"""The command log: every committed event of a tenant with the dispatcher calls it made, so that an
instance behind applies the commands it has not seen instead of rebuilding.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "commands",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True),
        sa.Column("now_s", sa.Float, nullable=False),
        sa.Column("calls", Json, nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("commands")
