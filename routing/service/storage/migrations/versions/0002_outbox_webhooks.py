"""Events and webhooks: the transactional outbox, subscriptions, deliveries, and each escalation's
event sequence.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "escalations", sa.Column("event_seq", sa.Integer, nullable=False, server_default=sa.text("0"))
    )
    op.create_table(
        "outbox_events",
        sa.Column("position", BigId, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("escalation_id", sa.String(128), nullable=True),
        sa.Column("agent_id", sa.String(128), nullable=True),
        sa.Column("sequence", sa.Integer, nullable=True),
        sa.Column("stream", sa.String(200), nullable=False),
        sa.Column("occurred_s", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_outbox_tenant_position", "outbox_events", ["tenant_id", "position"])
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("event_types", Json, nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("secret", sa.String(120), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("failing_since_s", sa.Float, nullable=True),
        sa.Column("created_s", sa.Float, nullable=False),
        sa.Column("disabled_s", sa.Float, nullable=True),
        sa.Column("disabled_reason", sa.String(300), nullable=True),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("subscription_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("stream", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_s", sa.Float, nullable=False),
        sa.Column("claimed_until_s", sa.Float, nullable=True),
        sa.Column("last_attempt_s", sa.Float, nullable=True),
        sa.Column("last_status_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("delivered_s", sa.Float, nullable=True),
        sa.Column("created_s", sa.Float, nullable=False),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_delivery_subscription_event"),
    )
    op.create_index("ix_deliveries_due", "webhook_deliveries", ["status", "next_attempt_s"])
    op.create_index("ix_deliveries_stream", "webhook_deliveries", ["subscription_id", "stream", "position"])


def downgrade() -> None:
    for table in ("webhook_deliveries", "webhook_subscriptions", "outbox_events"):
        op.drop_table(table)
    with op.batch_alter_table("escalations") as batch:  # SQLite rebuilds the table to drop a column
        batch.drop_column("event_seq")
