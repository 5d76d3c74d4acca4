"""The escalation lifecycle: transfers (how many, and from which agents), wrap-up after completion
(how long, and until when while it lasts) and customer-chosen callbacks.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("escalations", sa.Column("transfers", sa.Integer, nullable=False, server_default="0"))
    op.add_column(
        "escalations", sa.Column("transferred_from", Json, nullable=False, server_default=sa.text("'[]'"))
    )
    op.add_column("escalations", sa.Column("wrap_up_s", sa.Float, nullable=True))
    op.add_column("escalations", sa.Column("wrap_up_until_s", sa.Float, nullable=True))
    op.add_column("escalations", sa.Column("callback", Json, nullable=True))
    op.create_index("ix_escalations_tenant_wrap_up", "escalations", ["tenant_id", "wrap_up_until_s"])


def downgrade() -> None:
    op.drop_index("ix_escalations_tenant_wrap_up", table_name="escalations")
    with op.batch_alter_table("escalations") as batch:  # SQLite rebuilds the table to drop a column
        for column in ("callback", "wrap_up_until_s", "wrap_up_s", "transferred_from", "transfers"):
            batch.drop_column(column)
