"""Agent-scoped API keys (``api_keys.agent_id``), idempotent responses kept as the exact text sent
(``idempotency_keys.response``: JSONB reorders keys, so a replay on PostgreSQL differed from the
first answer), and when an escalation's personal data was redacted (``escalations.redacted_s``;
the retention finds an escalation's events by ``ix_outbox_tenant_escalation``).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("agent_id", sa.String(128), nullable=True))
    op.add_column("escalations", sa.Column("redacted_s", sa.Float, nullable=True))
    op.create_index("ix_escalations_unredacted", "escalations", ["redacted_s", "finished_s"])
    op.create_index("ix_outbox_tenant_escalation", "outbox_events", ["tenant_id", "escalation_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("idempotency_keys", "response", type_=sa.Text, postgresql_using="response::text")
    else:  # SQLite keeps JSON as text already: same bytes, only the declared type changes
        with op.batch_alter_table("idempotency_keys") as batch:
            batch.alter_column("response", type_=sa.Text)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("idempotency_keys", "response", type_=JSONB, postgresql_using="response::jsonb")
    else:
        with op.batch_alter_table("idempotency_keys") as batch:
            batch.alter_column("response", type_=sa.JSON)
    op.drop_index("ix_outbox_tenant_escalation", table_name="outbox_events")
    op.drop_index("ix_escalations_unredacted", table_name="escalations")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("redacted_s")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("agent_id")
