"""Queries of the event outbox, the webhook subscriptions and their deliveries.

Like :mod:`.repository`, every function takes the session; those acting for a tenant take the
tenant and never touch another's rows. The delivery worker's queries (:func:`claim_due`,
:func:`finish_attempt`) act for every tenant at once, by design.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from routing.service.storage.models import (
    EscalationRow,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from routing.service.storage.raw import RawWrite

OUTBOX = cast(Table, OutboxEvent.__table__)
SUBSCRIPTIONS = cast(Table, WebhookSubscription.__table__)
DELIVERIES = cast(Table, WebhookDelivery.__table__)
ESCALATIONS = cast(Table, EscalationRow.__table__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


# ------------------------------------------------------------------------------------ outbox
Facts = tuple[int, str | None, dict[str, Any] | None, dict[str, Any] | None]


def escalation_facts(
    session: Session,
    tenant_id: str,
    ids: Iterable[str],
    with_context: Iterable[str] = (),
    with_outcome: Iterable[str] = (),
) -> dict[str, Facts]:
    """(last event sequence, agent, context or None, outcome or None) of each stored escalation
    in ``ids``; the context (a larger column) only for those in ``with_context``, the outcome
    only for those in ``with_outcome``."""
    wanted, contexts, outcomes = sorted(set(ids)), set(with_context), set(with_outcome)
    if not wanted:
        return {}
    conn = session.connection()
    out: dict[str, Facts] = {
        r[0]: (r[1], r[2], None, None) for r in conn.execute(_FACTS, {"t": tenant_id, "ids": wanted})
    }
    if contexts & out.keys():
        for esc_id, context in conn.execute(_CONTEXTS, {"t": tenant_id, "ids": sorted(contexts)}):
            out[esc_id] = (*out[esc_id][:2], context, None)
    if outcomes & out.keys():
        for esc_id, outcome in conn.execute(_OUTCOMES, {"t": tenant_id, "ids": sorted(outcomes)}):
            out[esc_id] = (*out[esc_id][:3], outcome)
    return out


def _of_escalations(*columns: Any) -> Any:
    """A select of ``columns`` of the escalations in ``:ids`` of tenant ``:t``, built once."""
    e = ESCALATIONS
    return select(e.c.id, *columns).where(
        e.c.tenant_id == bindparam("t"), e.c.id.in_(bindparam("ids", expanding=True))
    )


_FACTS = _of_escalations(ESCALATIONS.c.event_seq, ESCALATIONS.c.agent_id)
_CONTEXTS = _of_escalations(ESCALATIONS.c.context)
_OUTCOMES = _of_escalations(ESCALATIONS.c.outcome)


# built once (bind parameters only): each event's statements, their cache keys computed once
_RAW_INSERT_EVENTS = RawWrite(OUTBOX, OUTBOX.insert())
#: a delivery per (event, subscription); the event's position read from its outbox row, inserted
#: before it in the same transaction (held writes keep their order), so no insert has to return it
_DELIVERY_COLUMNS = [
    "tenant_id",
    "subscription_id",
    "event_id",
    "stream",
    "status",
    "attempts",
    "next_attempt_s",
    "created_s",
]
_RAW_INSERT_DELIVERIES = RawWrite(
    DELIVERIES,
    DELIVERIES.insert().from_select(
        [*_DELIVERY_COLUMNS, "position"],
        select(
            *(bindparam(c, type_=DELIVERIES.c[c].type) for c in _DELIVERY_COLUMNS), OUTBOX.c.position
        ).where(OUTBOX.c.id == bindparam("event_id")),
    ),
)
_SUBSCRIBERS = (
    select(SUBSCRIPTIONS.c.id, SUBSCRIPTIONS.c.event_types)
    .where(SUBSCRIPTIONS.c.tenant_id == bindparam("t"), SUBSCRIPTIONS.c.enabled.is_(True))
    .order_by(SUBSCRIPTIONS.c.created_s, SUBSCRIPTIONS.c.id)
)


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append outbox rows, in order (a write held back with the transaction's others: nothing is
    returned; a delivery reads its event's position in its own insert)."""
    _RAW_INSERT_EVENTS.execute(session, rows)


#: ``Session.info`` key of the subscriptions read in the session's transaction, per tenant
_SUBSCRIBERS_READ = "handoff_subscribers"


def subscribers(session: Session, tenant_id: str) -> list[tuple[str, list[str]]]:
    """(id, event types) of every enabled subscription of the tenant, oldest first. Read once
    per transaction (a group of events asks once per event). A new subscription is created under
    the tenant's lock, so none appears while the transaction runs; one deleted or disabled
    meanwhile is seen by the next transaction, as it would be by an event read just before."""
    read: dict[str, list[tuple[str, list[str]]]] = session.info.setdefault(_SUBSCRIBERS_READ, {})
    found = read.get(tenant_id)
    if found is None:
        found = read[tenant_id] = [
            (r[0], r[1]) for r in session.connection().execute(_SUBSCRIBERS, {"t": tenant_id})
        ]
    return found


def insert_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert deliveries (every column but ``position``, which is their event's, read from the
    outbox: the events must be inserted first, in the same transaction)."""
    _RAW_INSERT_DELIVERIES.execute(session, rows)


def events_after(session: Session, tenant_id: str, after_position: int, limit: int) -> Sequence[OutboxEvent]:
    """The tenant's events after ``after_position``, oldest first."""
    query = select(OutboxEvent).where(
        OutboxEvent.tenant_id == tenant_id, OutboxEvent.position > after_position
    )
    return session.scalars(query.order_by(OutboxEvent.position).limit(limit)).all()


def last_position(session: Session, tenant_id: str | None = None) -> int:
    """The position of the newest event (of the tenant, or of any); 0 before any."""
    query = select(func.max(OUTBOX.c.position))
    if tenant_id is not None:
        query = query.where(OUTBOX.c.tenant_id == tenant_id)
    return int(session.connection().execute(query).scalar() or 0)


def position_of(session: Session, tenant_id: str, event_id: str) -> int | None:
    """The position of the tenant's event ``event_id``; None if the tenant has no such event."""
    o = OUTBOX
    query = select(o.c.position).where(o.c.tenant_id == tenant_id, o.c.id == event_id)
    found = session.connection().execute(query).scalar()
    return None if found is None else int(found)


def stream_page(
    session: Session | Connection,
    tenant_id: str,
    after_position: int,
    limit: int,
    *,
    agent_id: str | None = None,
    escalation_id: str | None = None,
    types: Sequence[str] = (),
) -> list[tuple[int, str, str, str, str | None, str | None]]:
    """(position, id, type, body, agent id, escalation id) of up to ``limit`` of the tenant's
    events after ``after_position`` that match every filter given, oldest first. On a session or
    a connection (:meth:`~.database.Database.lookup`: the hub's read after every commit)."""
    o, query = OUTBOX, _PAGE
    if agent_id is not None:
        query = query.where(o.c.agent_id == agent_id)
    if escalation_id is not None:
        query = query.where(o.c.escalation_id == escalation_id)
    if types:
        query = query.where(o.c.type.in_(sorted(set(types))))
    conn = session.connection() if isinstance(session, Session) else session
    rows = conn.execute(query, {"t": tenant_id, "after": after_position, "limit": limit})
    return [(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


#: a page of a tenant's events, built once: the hub reads one after every commit (a stream's
#: filters are added to it)
_PAGE = (
    select(
        OUTBOX.c.position,
        OUTBOX.c.id,
        OUTBOX.c.type,
        OUTBOX.c.body,
        OUTBOX.c.agent_id,
        OUTBOX.c.escalation_id,
    )
    .where(OUTBOX.c.tenant_id == bindparam("t"), OUTBOX.c.position > bindparam("after"))
    .order_by(OUTBOX.c.position)
    .limit(bindparam("limit"))
)


# ------------------------------------------------------------------------------------ subscriptions
def add_subscription(session: Session, values: dict[str, Any]) -> None:
    session.connection().execute(SUBSCRIPTIONS.insert(), [values])


def subscriptions(session: Session, tenant_id: str) -> Sequence[WebhookSubscription]:
    query = select(WebhookSubscription).where(WebhookSubscription.tenant_id == tenant_id)
    return session.scalars(query.order_by(WebhookSubscription.created_s, WebhookSubscription.id)).all()


def subscription(session: Session, tenant_id: str, subscription_id: str) -> WebhookSubscription | None:
    row = session.get(WebhookSubscription, subscription_id)
    return row if row is not None and row.tenant_id == tenant_id else None


def delete_subscription(session: Session, tenant_id: str, subscription_id: str) -> bool:
    """Delete the subscription and its delivery log; False if the tenant has no such subscription."""
    s, d = SUBSCRIPTIONS, DELIVERIES
    conn = session.connection()
    gone = conn.execute(delete(s).where(s.c.tenant_id == tenant_id, s.c.id == subscription_id)).rowcount
    conn.execute(delete(d).where(d.c.tenant_id == tenant_id, d.c.subscription_id == subscription_id))
    return bool(gone)


# ------------------------------------------------------------------------------------ deliveries
def deliveries(
    session: Session, tenant_id: str, subscription_id: str, after_id: int, limit: int
) -> list[Row[Any]]:
    """A page of a subscription's delivery log, oldest first, with each event's type."""
    d, o = DELIVERIES, OUTBOX
    query = (
        select(d, o.c.type)
        .join(o, o.c.id == d.c.event_id)
        .where(d.c.tenant_id == tenant_id, d.c.subscription_id == subscription_id, d.c.id > after_id)
        .order_by(d.c.id)
        .limit(limit)
    )
    return list(session.connection().execute(query))


def delivery(session: Session, tenant_id: str, subscription_id: str, event_id: str) -> Row[Any] | None:
    d, o = DELIVERIES, OUTBOX
    query = (
        select(d, o.c.type)
        .join(o, o.c.id == d.c.event_id)
        .where(d.c.tenant_id == tenant_id, d.c.subscription_id == subscription_id, d.c.event_id == event_id)
    )
    return session.connection().execute(query).first()


def reschedule(session: Session, delivery_id: int, now_s: float) -> None:
    """Make a delivery due now for a fresh round of attempts (redelivery)."""
    d = DELIVERIES
    values = {"status": PENDING, "attempts": 0, "next_attempt_s": now_s, "claimed_until_s": None}
    session.connection().execute(update(d).where(d.c.id == delivery_id).values(**values))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery leased to one worker until ``lease_until_s``, with what sending it needs."""

    delivery_id: int
    tenant_id: str
    subscription_id: str
    event_id: str
    attempts: int  # made before this one
    url: str
    secret: str
    body: str
    lease_until_s: float


#: the statements of the delivery worker's every round, built once (building a select with its
#: aliases and subqueries took about as long as SQLite took to run it)
_d, _s, _o = DELIVERIES, SUBSCRIPTIONS, OUTBOX
_UNLEASED = or_(_d.c.claimed_until_s.is_(None), _d.c.claimed_until_s < bindparam("now"))
_ANY_DUE = select(exists().where(_d.c.status == PENDING, _d.c.next_attempt_s <= bindparam("now"), _UNLEASED))
_earlier = DELIVERIES.alias("earlier")
_BLOCKED = exists().where(
    _earlier.c.subscription_id == _d.c.subscription_id,
    _earlier.c.stream == _d.c.stream,
    _earlier.c.position < _d.c.position,
    _earlier.c.status == PENDING,
)
_DUE = (
    select(_d.c.id)
    .where(
        _d.c.status == PENDING,
        _d.c.next_attempt_s <= bindparam("now"),
        _UNLEASED,
        _d.c.subscription_id.in_(select(_s.c.id).where(_s.c.enabled.is_(True))),
        ~_BLOCKED,
    )
    .order_by(_d.c.position, _d.c.id)
    .limit(bindparam("limit"))
)
_DUE_SKIP_LOCKED = _DUE.with_for_update(of=_d, skip_locked=True)
_LEASE = (
    update(_d).where(_d.c.id.in_(bindparam("ids", expanding=True))).values(claimed_until_s=bindparam("lease"))
)
_CLAIMED = (
    select(
        _d.c.id,
        _d.c.tenant_id,
        _d.c.subscription_id,
        _d.c.event_id,
        _d.c.attempts,
        _s.c.url,
        _s.c.secret,
        _o.c.body,
    )
    .join(_s, _s.c.id == _d.c.subscription_id)
    .join(_o, _o.c.id == _d.c.event_id)
    .where(_d.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_d.c.position)
)
_DELIVERED = (
    update(_d)
    .where(_d.c.id == bindparam("b_id"), _d.c.claimed_until_s == bindparam("b_lease"))
    .values(
        attempts=bindparam("b_attempts"),
        last_attempt_s=bindparam("b_at"),
        last_status_code=bindparam("b_code"),
        last_error=None,
        status=DELIVERED,
        delivered_s=bindparam("b_at"),
        claimed_until_s=None,
    )
)
#: (a subscription not failing is left as it is: no row written, and a smaller commit)
_SUCCEEDED = (
    update(_s)
    .where(
        _s.c.id == bindparam("sub"),
        or_(_s.c.consecutive_failures != 0, _s.c.failing_since_s.is_not(None)),
    )
    .values(consecutive_failures=0, failing_since_s=None)
)


def any_due(session: Session, now_s: float) -> bool:
    """Whether some pending delivery's next attempt time has come and it is not leased: a cheap
    read that spares the write transaction of :func:`claim_due` when nothing is due (on SQLite
    every write waits for the one writer, the creates included). It may say True for a delivery
    that :func:`claim_due` then finds blocked (an earlier event of its stream pending)."""
    return bool(session.connection().execute(_ANY_DUE, {"now": now_s}).scalar())


def claim_due(
    session: Session, now_s: float, lease_until_s: float, limit: int, *, skip_locked: bool
) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries, oldest event first, and return them.

    Due: pending, its next attempt time reached, not leased (or the lease ran out), its
    subscription enabled, and no earlier event of the same stream (escalation) still pending for
    the same subscription -- so events of one escalation reach a subscriber in order. With
    ``skip_locked`` (PostgreSQL) rows another transaction is claiming are skipped, not waited for;
    on SQLite the write transaction (``BEGIN IMMEDIATE``) already makes the claim exclusive.
    """
    conn = session.connection()
    due = _DUE_SKIP_LOCKED if skip_locked else _DUE
    ids = [r[0] for r in conn.execute(due, {"now": now_s, "limit": limit})]
    if not ids:
        return []
    conn.execute(_LEASE, {"ids": ids, "lease": lease_until_s})
    return [Claimed(*row, lease_until_s=lease_until_s) for row in conn.execute(_CLAIMED, {"ids": ids})]


def finish_attempt(session: Session, claim: Claimed, values: dict[str, Any]) -> bool:
    """Store the outcome of an attempt (``values``: columns to set) and release the lease.

    Returns False, storing nothing, if the lease was lost meanwhile (ran out and another worker
    claimed the delivery) or the delivery was deleted with its subscription.
    """
    d = DELIVERIES
    statement = (
        update(d)
        .where(d.c.id == claim.delivery_id, d.c.claimed_until_s == claim.lease_until_s)
        .values(**values, claimed_until_s=None)
    )
    return bool(session.connection().execute(statement).rowcount)


def finish_delivered(session: Session, delivered: Sequence[tuple[Claimed, float, int]]) -> None:
    """Store attempts that succeeded (each claim with its attempt's time and the receiver's
    status code) and release their leases, in one statement run for every row (an attempt whose
    lease was lost meanwhile changes nothing, as in :func:`finish_attempt`)."""
    if not delivered:
        return
    rows = [
        {
            "b_id": claim.delivery_id,
            "b_lease": claim.lease_until_s,
            "b_attempts": claim.attempts + 1,
            "b_at": at_s,
            "b_code": code,
        }
        for claim, at_s, code in delivered
    ]
    session.connection().execute(_DELIVERED, rows)


def subscription_succeeded(session: Session, subscription_id: str) -> None:
    session.connection().execute(_SUCCEEDED, {"sub": subscription_id})


def subscription_failed(session: Session, subscription_id: str, now_s: float) -> tuple[int, float] | None:
    """Count one more consecutive failure; returns (failures, failing since) of an enabled
    subscription, None if it is gone or already disabled."""
    s = SUBSCRIPTIONS
    conn = session.connection()
    conn.execute(
        update(s)
        .where(s.c.id == subscription_id)
        .values(
            consecutive_failures=s.c.consecutive_failures + 1,
            failing_since_s=func.coalesce(s.c.failing_since_s, now_s),
        )
    )
    query = select(s.c.consecutive_failures, s.c.failing_since_s).where(
        s.c.id == subscription_id, s.c.enabled.is_(True)
    )
    row = conn.execute(query).first()
    return None if row is None else (row[0], row[1])


def disable_subscription(session: Session, subscription_id: str, now_s: float, reason: str) -> None:
    s = SUBSCRIPTIONS
    statement = (
        update(s)
        .where(s.c.id == subscription_id)
        .values(enabled=False, disabled_s=now_s, disabled_reason=reason)
    )
    session.connection().execute(statement)
