"""Re-offer cool-downs: when each agent who declined (or let expire) an escalation may be offered
it again, so a rebuilt dispatcher keeps the void policy (``EscalationSnapshot.reoffer_at_s``).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "escalations", sa.Column("reoffer_at", Json, nullable=False, server_default=sa.text("'[]'"))
    )


def downgrade() -> None:
    with op.batch_alter_table("escalations") as batch:  # SQLite rebuilds the table to drop a column
        batch.drop_column("reoffer_at")
