"""The tables. The database is the source of truth; dispatchers in memory are caches of it.

* ``tenants``: one row per customer of the service; ``version`` counts committed events and is the
  row every event of the tenant locks (so events of one tenant are serialised across instances).
* ``api_keys``: SHA-256 of each key (keys are 256-bit random tokens, so a fast hash is enough),
  its public id (``key_`` + the hash's first 16 hex digits), scopes, optional expiry and, once
  revoked, when; revoked rows stay, so the list of keys says who could call when.
* ``agents`` and ``escalations``: profiles, context packets and the routing state the dispatcher
  needs to be rebuilt (:class:`~routing.snapshots.AgentSnapshot`,
  :class:`~routing.snapshots.EscalationSnapshot`); a deactivated agent keeps its row, with
  ``deactivated_s``.
* ``audit_events``: append-only (database triggers reject UPDATE and DELETE); every decision
  with its explanation, and every request that changed something.
* ``idempotency_keys``: the stored response of each ``Idempotency-Key`` per tenant, as the JSON
  text first sent (not JSONB, which reorders keys).
* ``outbox_events``: every event (:mod:`routing.service.events`), written in the transaction of
  the decision it reports; ``position`` orders them per tenant.
* ``conversation_volume``: the AI platform's conversations per interval and segment (the
  escalation rate's denominator), one row per (tenant, segment, interval start).
* ``webhook_subscriptions`` and ``webhook_deliveries``: who wants which events, and one row per
  (subscription, event) saying how its delivery goes.
* ``commands``: the command log, one row per committed event of a tenant (its ``version``), with
  the dispatcher calls it made, written in the event's transaction (:mod:`routing.service.commands`).
* ``learned_means``: what each tenant's dispatcher has learned of handle and wrap-up times
  (:class:`~routing.eta.LearnedMean`), one row per mean, written in the transaction of the event
  that changed it, so that a rebuilt dispatcher expects the same ends of work and ETAs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Json = JSON().with_variant(JSONB(), "postgresql")
#: INTEGER PRIMARY KEY is SQLite's rowid (auto-increment); BIGINT on PostgreSQL
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """The declarative base of every table here (its metadata is what migrations compare)."""


class Tenant(Base):
    """A customer of the service; its row is the lock every event of the tenant takes."""

    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    next_wakeup_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_s: Mapped[float] = mapped_column(Float)
    # the secret of the keyed hash turning a raw customer id into a customer_ref; made when first needed
    customer_salt: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ApiKey(Base):
    """An API key of a tenant, stored as its SHA-256, with the scopes it grants. It authenticates
    until ``expires_s`` (if set) or until revoked (``revoked_s``), whichever comes first."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("id", name="uq_api_keys_id"),)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(40))  # public: "key_" + key_hash[:16]
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    created_s: Mapped[float] = mapped_column(Float)
    expires_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # set: an agent's desktop key, acting for this agent only (scope "agent")
    agent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class AgentRow(Base):
    """An agent: the profile as received and the live routing state the dispatcher restores."""

    __tablename__ = "agents"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)  # order of creation: the dispatcher's row order
    profile: Mapped[dict[str, Any]] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(32))
    missed_offers: Mapped[int] = mapped_column(Integer, default=0)
    idle_since_s: Mapped[float] = mapped_column(Float)
    done_ewma: Mapped[float] = mapped_column(Float, default=0.0)
    done_at_s: Mapped[float] = mapped_column(Float, default=0.0)
    updated_s: Mapped[float] = mapped_column(Float)
    deactivated_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: active


class EscalationRow(Base):
    """An escalation: as received, its context packet, routing state, times and outcome."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_tenant_state", "tenant_id", "state"),
        Index("ix_escalations_tenant_arrived", "tenant_id", "arrived_s"),  # today's, for /v1/stats
        Index("ix_escalations_tenant_wrap_up", "tenant_id", "wrap_up_until_s"),  # rebuilds restore them
        Index("ix_escalations_unredacted", "redacted_s", "finished_s"),  # retention: oldest first
        Index("ix_escalations_tenant_created", "tenant_id", "created_s"),  # history export by period
    )
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)  # arrival order within the tenant
    spec: Mapped[dict[str, Any]] = mapped_column(Json)  # EscalationIn without the context packet
    context: Mapped[dict[str, Any]] = mapped_column(Json)
    state: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    offered_to: Mapped[list[str]] = mapped_column(Json)  # once per offer made: repeats count
    reoffer_at: Mapped[list[list[Any]]] = mapped_column(Json, default=list)  # [[agent_id, when_s], ...]
    agent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    offer_id: Mapped[str | None] = mapped_column(String(160), nullable=True)
    offer_expires_at_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_s: Mapped[float] = mapped_column(Float)
    arrived_s: Mapped[float] = mapped_column(Float)
    assigned_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_end_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # as of acceptance
    handoff_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    event_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # last event's sequence
    transfers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    transferred_from: Mapped[list[str]] = mapped_column(Json, default=list)  # never offered it again
    wrap_up_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # after-contact work, seconds
    wrap_up_until_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # set while it lasts
    callback: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)  # phone, notes
    # the position and ETA a queued escalation was last told (escalation.queued / .position_changed)
    announced_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    announced_eta_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # when the context packet and callback were redacted (routing.service.retention); None: kept
    redacted_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # what the escalation review measures, beside routing (routing.service.schemas.REVIEW_FIELDS)
    conversation_started_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    customer_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)  # hashed, never raw
    segment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    context_viewed_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # first view, desktop


class AuditEvent(Base):
    """One entry of the append-only audit trail: a decision or a request that changed something."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_tenant_escalation", "tenant_id", "escalation_id"),)
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    at_s: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(64))
    escalation_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    offer_id: Mapped[str | None] = mapped_column(String(160), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(Json)


class IdempotencyKey(Base):
    """The stored response to the first request with an ``Idempotency-Key``, per tenant."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_created", "created_s"),)  # the purge of expired ones
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)  # the JSON text as first sent: replays are byte-identical
    created_s: Mapped[float] = mapped_column(Float)


class OutboxEvent(Base):
    """One event, as delivered: ``body`` is the exact JSON every attempt sends and signs."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_tenant_position", "tenant_id", "position"),
        Index("ix_outbox_tenant_occurred", "tenant_id", "occurred_s"),  # today's, for /v1/stats
        Index("ix_outbox_tenant_escalation", "tenant_id", "escalation_id"),  # retention
    )
    position: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    escalation_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sequence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stream: Mapped[str] = mapped_column(String(200))  # deliveries are ordered within a stream
    occurred_s: Mapped[float] = mapped_column(Float)
    body: Mapped[str] = mapped_column(Text)


class WebhookSubscription(Base):
    """A tenant's webhook: where to POST which event types, signed with ``secret``."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(Json)  # ["*"]: every type
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(120))  # needed in clear to sign; never shown again
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_s: Mapped[float] = mapped_column(Float)
    disabled_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)


class WebhookDelivery(Base):
    """The delivery of one event to one subscription: ``pending`` until ``delivered`` or
    ``failed`` (attempts exhausted). ``claimed_until_s`` is a worker's lease on it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_delivery_subscription_event"),
        Index("ix_deliveries_due", "status", "next_attempt_s"),
        Index("ix_deliveries_stream", "subscription_id", "stream", "position"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    subscription_id: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(BigInteger)  # the event's outbox position
    stream: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_s: Mapped[float] = mapped_column(Float)
    claimed_until_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_attempt_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    delivered_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_s: Mapped[float] = mapped_column(Float)


class CommandRow(Base):
    """One committed event of a tenant as the dispatcher saw it: at ``now_s``, time passed, then
    ``calls`` (``[[operation, arguments], ...]``); ``digest`` fingerprints the decisions made, so
    that an instance applying it can tell it reached the same ones."""

    __tablename__ = "commands"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the tenant's version it made
    now_s: Mapped[float] = mapped_column(Float)
    calls: Mapped[list[Any]] = mapped_column(Json)
    digest: Mapped[str] = mapped_column(String(32))


class LearnedMeanRow(Base):
    """One learned mean of a tenant's dispatcher: ``key`` names it (a digest of what it is the mean
    of); ``requirement`` is the kind of work as JSON (None: the channel's handle time, or with
    ``wrap_up`` its wrap-up)."""

    __tablename__ = "learned_means"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    wrap_up: Mapped[bool] = mapped_column(Boolean)
    requirement: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    mean_s: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(BigInteger)


class ConversationVolume(Base):
    """The AI platform's conversations of one interval and segment (``""``: the platform gave
    none), the escalation rate's denominator. A report of the same interval start and segment
    replaces the row."""

    __tablename__ = "conversation_volume"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    segment: Mapped[str] = mapped_column(String(64), primary_key=True)
    interval_start_s: Mapped[float] = mapped_column(Float, primary_key=True)
    interval_s: Mapped[int] = mapped_column(Integer)
    conversations: Mapped[int] = mapped_column(BigInteger)
    reported_s: Mapped[float] = mapped_column(Float)


__all__ = [
    "AgentRow",
    "ApiKey",
    "AuditEvent",
    "Base",
    "CommandRow",
    "ConversationVolume",
    "EscalationRow",
    "IdempotencyKey",
    "OutboxEvent",
    "Tenant",
    "WebhookDelivery",
    "WebhookSubscription",
]
