"""The "today" queries of ``GET /v1/stats``: two aggregates, each an index range bounded to the day
(``ix_escalations_tenant_arrived``, ``ix_outbox_tenant_occurred``), counted in the database and
grouped by queue there, so what comes back is a few rows per queue, not one per escalation. Like
:mod:`.repository`, every function takes the session and the tenant it acts for."""

from __future__ import annotations

from typing import Any, NamedTuple, cast

from sqlalchemy import Table, and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from routing.service.storage.models import AuditEvent, EscalationRow, OutboxEvent

ESCALATIONS = cast(Table, EscalationRow.__table__)
OUTBOX = cast(Table, OutboxEvent.__table__)
AUDIT = cast(Table, AuditEvent.__table__)

#: The event types the offer counters read.
OFFER_TYPES = (
    "escalation.offered",
    "escalation.assigned",
    "offer.declined",
    "offer.expired",
    "offer.revoked",
)
_ASSIGNED = "escalation.assigned"
# GROUP BY the select's first columns by ordinal: the JSON paths are bound parameters, and
# PostgreSQL would not match ``spec -> $1`` in the select list with ``spec -> $4`` in GROUP BY.
_BY_QUEUE_AND: tuple[Any, ...] = (literal_column("1"), literal_column("2"), literal_column("3"))


class ArrivalCounts(NamedTuple):
    """Escalations of one queue, in one state, that arrived today."""

    channel: str
    required_skills: tuple[str, ...]
    state: str
    arrived: int
    within: int  # accepted within the threshold
    basis: int  # outcome against the threshold known


class OfferCounts(NamedTuple):
    """Offer events of one type, of one queue, today."""

    channel: str
    required_skills: tuple[str, ...]
    type: str
    n: int
    handoff_sum_s: float  # accepts: created -> accepted
    accept_sum_s: float  # accepts: offered -> accepted, over accept_n of them
    accept_n: int


def _queue(e: Any) -> list[Any]:
    return [e.spec["channel"].as_string(), e.spec["required_skills"]]


def _skills(value: Any) -> tuple[str, ...]:
    return tuple(sorted(value)) if isinstance(value, dict) else ()


def arrivals(
    session: Session, tenant_id: str, since_s: float, now_s: float, threshold_s: float
) -> list[ArrivalCounts]:
    """The tenant's escalations that arrived at or after ``since_s``, counted per queue and state
    (definitions: :class:`~routing.service.stats_schemas.TodayCounts`)."""
    e = ESCALATIONS.c
    accepted = e.assigned_s.is_not(None)
    within = and_(accepted, func.coalesce(e.handoff_s, e.assigned_s - e.created_s) <= threshold_s)
    waited_past = func.coalesce(e.finished_s, now_s) - e.created_s > threshold_s
    basis = or_(accepted, e.state == "deferred", waited_past)
    query = (
        select(
            *_queue(e),
            e.state,
            func.count(),
            func.sum(case((within, 1), else_=0)),
            func.sum(case((basis, 1), else_=0)),
        )
        .where(e.tenant_id == tenant_id, e.arrived_s >= since_s)
        .group_by(*_BY_QUEUE_AND)
    )
    rows = session.connection().execute(query)
    return [ArrivalCounts(str(r[0]), _skills(r[1]), r[2], int(r[3]), int(r[4]), int(r[5])) for r in rows]


def offers(session: Session, tenant_id: str, since_s: float) -> list[OfferCounts]:
    """The tenant's offer events since ``since_s``, counted per queue (of their escalation) and
    type; an accept's offer time is its escalation's last ``offer`` audit entry before it."""
    o, e, a = OUTBOX.c, ESCALATIONS.c, AUDIT.c
    offered_s = (
        select(func.max(a.at_s))
        .where(
            a.tenant_id == o.tenant_id,
            a.escalation_id == o.escalation_id,
            a.kind == "offer",
            a.at_s <= o.occurred_s,
        )
        .scalar_subquery()
    )
    accept = o.type == _ASSIGNED
    accept_s = case((accept, o.occurred_s - offered_s), else_=None)
    query = (
        select(
            *_queue(e),
            o.type,
            func.count(),
            func.sum(case((accept, o.occurred_s - e.created_s), else_=0.0)),
            func.sum(accept_s),
            func.count(accept_s),
        )
        .select_from(OUTBOX.join(ESCALATIONS, and_(e.tenant_id == o.tenant_id, e.id == o.escalation_id)))
        .where(o.tenant_id == tenant_id, o.occurred_s >= since_s, o.type.in_(OFFER_TYPES))
        .group_by(*_BY_QUEUE_AND)
    )
    rows = session.connection().execute(query)
    return [
        OfferCounts(str(r[0]), _skills(r[1]), r[2], int(r[3]), float(r[4] or 0), float(r[5] or 0), int(r[6]))
        for r in rows
    ]
