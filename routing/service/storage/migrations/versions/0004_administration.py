"""Administration: API keys get a public id, a name, an optional expiry and a revocation time;
agents can be deactivated; idempotency records are indexed by age, so expired ones are purged
cheaply.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("id", sa.String(40), nullable=True))
    op.add_column("api_keys", sa.Column("name", sa.String(200), nullable=False, server_default=sa.text("''")))
    op.add_column("api_keys", sa.Column("expires_s", sa.Float, nullable=True))
    op.add_column("api_keys", sa.Column("revoked_s", sa.Float, nullable=True))
    # the id of a key stored before: derived from its hash, as for new keys (repository.key_id)
    op.execute("UPDATE api_keys SET id = 'key_' || substr(key_hash, 1, 16)")
    with op.batch_alter_table("api_keys") as batch:  # SQLite rebuilds the table to add NOT NULL
        batch.alter_column("id", existing_type=sa.String(40), nullable=False)
        batch.create_unique_constraint("uq_api_keys_id", ["id"])
    op.add_column("agents", sa.Column("deactivated_s", sa.Float, nullable=True))
    op.create_index("ix_idempotency_created", "idempotency_keys", ["created_s"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_created", table_name="idempotency_keys")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("deactivated_s")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint("uq_api_keys_id", type_="unique")
        for column in ("revoked_s", "expires_s", "name", "id"):
            batch.drop_column(column)
