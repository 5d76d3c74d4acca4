"""Initial schema: tenants, API keys, agents, escalations, append-only audit, idempotency keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("next_wakeup_s", sa.Float, nullable=True),
        sa.Column("created_s", sa.Float, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("created_s", sa.Float, nullable=False),
    )
    op.create_table(
        "agents",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("profile", Json, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("missed_offers", sa.Integer, nullable=False),
        sa.Column("idle_since_s", sa.Float, nullable=False),
        sa.Column("done_ewma", sa.Float, nullable=False),
        sa.Column("done_at_s", sa.Float, nullable=False),
        sa.Column("updated_s", sa.Float, nullable=False),
    )
    op.create_table(
        "escalations",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("spec", Json, nullable=False),
        sa.Column("context", Json, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("offered_to", Json, nullable=False),
        sa.Column("agent_id", sa.String(128), nullable=True),
        sa.Column("offer_id", sa.String(160), nullable=True),
        sa.Column("offer_expires_at_s", sa.Float, nullable=True),
        sa.Column("created_s", sa.Float, nullable=False),
        sa.Column("arrived_s", sa.Float, nullable=False),
        sa.Column("assigned_s", sa.Float, nullable=True),
        sa.Column("handoff_s", sa.Float, nullable=True),
        sa.Column("finished_s", sa.Float, nullable=True),
        sa.Column("outcome", Json, nullable=True),
    )
    op.create_index("ix_escalations_tenant_state", "escalations", ["tenant_id", "state"])
    op.create_table(
        "audit_events",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("at_s", sa.Float, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("escalation_id", sa.String(128), nullable=True),
        sa.Column("agent_id", sa.String(128), nullable=True),
        sa.Column("offer_id", sa.String(160), nullable=True),
        sa.Column("detail", Json, nullable=False),
    )
    op.create_index("ix_audit_tenant_escalation", "audit_events", ["tenant_id", "escalation_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", Json, nullable=False),
        sa.Column("created_s", sa.Float, nullable=False),
    )
    _audit_append_only()


def _audit_append_only() -> None:
    """The audit trail only grows: the database itself rejects UPDATE and DELETE on it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{action.lower()} BEFORE {action} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )


def downgrade() -> None:
    for table in ("idempotency_keys", "audit_events", "escalations", "agents", "api_keys", "tenants"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
