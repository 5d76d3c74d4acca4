"""Real-time statistics and position announcements: each queued escalation remembers the position
and ETA it was last told (``escalation.queued`` / ``escalation.position_changed``), and the
"today" queries of ``GET /v1/stats`` read escalations by arrival time and events by when they
occurred, each through an index bounded to the day.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("escalations", sa.Column("announced_position", sa.Integer, nullable=True))
    op.add_column("escalations", sa.Column("announced_eta_s", sa.Float, nullable=True))
    op.create_index("ix_escalations_tenant_arrived", "escalations", ["tenant_id", "arrived_s"])
    op.create_index("ix_outbox_tenant_occurred", "outbox_events", ["tenant_id", "occurred_s"])


def downgrade() -> None:
    op.drop_index("ix_outbox_tenant_occurred", table_name="outbox_events")
    op.drop_index("ix_escalations_tenant_arrived", table_name="escalations")
    with op.batch_alter_table("escalations") as batch:  # SQLite rebuilds the table to drop a column
        batch.drop_column("announced_eta_s")
        batch.drop_column("announced_position")
