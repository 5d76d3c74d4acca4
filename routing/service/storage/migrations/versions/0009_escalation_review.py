"""What the escalation review measures: when the AI conversation began, a hashed customer
reference, the platform's segment and when the context packet was first viewed (escalations);
the tenant's salt for hashing customer ids; the AI platform's conversation volume per interval.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ESCALATION_COLUMNS = (  # all nullable: unknown for escalations stored before
    ("conversation_started_s", sa.Float),
    ("customer_ref", sa.String(128)),
    ("segment", sa.String(64)),
    ("context_viewed_s", sa.Float),
)


def upgrade() -> None:
    for name, kind in _ESCALATION_COLUMNS:
        op.add_column("escalations", sa.Column(name, kind, nullable=True))
    op.create_index("ix_escalations_tenant_created", "escalations", ["tenant_id", "created_s"])
    op.add_column("tenants", sa.Column("customer_salt", sa.String(64), nullable=True))
    op.create_table(
        "conversation_volume",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("segment", sa.String(64), primary_key=True),
        sa.Column("interval_start_s", sa.Float, primary_key=True),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("conversations", sa.BigInteger, nullable=False),
        sa.Column("reported_s", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("conversation_volume")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild of tenants would drop the table
    # every other one references, which its foreign keys forbid
    op.execute("ALTER TABLE tenants DROP COLUMN customer_salt")
    op.drop_index("ix_escalations_tenant_created", table_name="escalations")
    with op.batch_alter_table("escalations") as batch:
        for name, _ in reversed(_ESCALATION_COLUMNS):
            batch.drop_column(name)
