"""The service's history as a history log (:mod:`routing.history`): one record per escalation
created in a period, from the rows the service stores, and the AI platform's conversation volume
of that period.

Where each column comes from:

* the escalation as received (``channel``, ``skills`` = required skills, ``preferred_skills``,
  ``tier`` = complexity tier, ``customer_tier``, ``language``, ``customer_timezone``, ``trigger``)
  and the review fields beside it (``conversation_started_at``, ``segment``, ``customer_ref``:
  hashed, never a raw id); ``queue`` is the channel and the required skills' names, as
  ``GET /v1/queues`` segments them (``chat:billing+refunds``; ``chat`` without skills);
* ``outcome`` from the state (``queued`` is ``waiting``); ``cancel_reason`` from the cancel;
* ``offers``, ``declines``, ``expiries``, ``first_offered_at``, ``accepted_at`` (the first accept)
  and ``handoff_s`` (created to that accept) from the escalation's events in the outbox;
* ``agent_id``: the agent holding it last (accepted, completed or handed back); ``agent_group``:
  that agent's group as ``handoff roster export`` names it (:mod:`routing.service.roster_export`);
* ``context_viewed_at`` from ``POST .../context-viewed``; ``completed_at`` and ``handle_time_s``
  (from the last accept to completion) only for completed ones; ``wrap_up_s`` once the wrap-up
  ended (0 when none was held); ``patience_s`` only for abandoned ones (created to leaving);
  ``transfers`` always (the service counts them: 0 is a count);
* ``csat``, ``first_contact_resolved``, ``ai_could_have_handled`` from the completion.

Nothing observed is invented: a value the service did not record is empty.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from routing.domain import CancelReason, Channel, CustomerTier, EscalationState, Trigger
from routing.history import HistoryRecord, Outcome, VolumeRecord
from routing.service.events import EventType
from routing.service.storage import volume as volume_store
from routing.service.storage.models import EscalationRow, OutboxEvent

__all__ = ["BATCH", "history_records", "one_kind", "queue_name", "volume_records"]

ESCALATIONS = cast(Table, EscalationRow.__table__)
OUTBOX = cast(Table, OutboxEvent.__table__)
BATCH = 500  # escalations read (and their events) per query

_OUTCOMES = {
    EscalationState.QUEUED: Outcome.WAITING,
    EscalationState.OFFERED: Outcome.OFFERED,
    EscalationState.ASSIGNED: Outcome.ASSIGNED,
    EscalationState.COMPLETED: Outcome.COMPLETED,
    EscalationState.ABANDONED: Outcome.ABANDONED,
    EscalationState.CANCELLED: Outcome.CANCELLED,
    EscalationState.HANDED_BACK: Outcome.HANDED_BACK,
    EscalationState.DEFERRED: Outcome.DEFERRED,
}
_COUNTED = (
    EventType.ESCALATION_OFFERED,
    EventType.OFFER_DECLINED,
    EventType.OFFER_EXPIRED,
    EventType.ESCALATION_ASSIGNED,
)
_HOLDING = (EscalationState.ASSIGNED, EscalationState.COMPLETED, EscalationState.HANDED_BACK)


def queue_name(channel: str, required_skills: Mapping[str, int]) -> str:
    """``chat:billing+refunds``: the channel and the required skills' names, sorted."""
    skills = "+".join(sorted(required_skills))
    return f"{channel}:{skills}" if skills else channel


@dataclass(slots=True)
class _Offers:
    """What the escalation's events say of its offers."""

    offers: int = 0
    declines: int = 0
    expiries: int = 0
    first_offered_s: float | None = None
    accepted_s: float | None = None


def _last_event_s(row: Any) -> float:
    """No counted event of the escalation comes after this: its end, or for an assigned one its
    (last) accept; an open one may have more to come."""
    if row.finished_s is not None:
        return float(row.finished_s)
    if row.state == EscalationState.ASSIGNED.value and row.assigned_s is not None:
        return float(row.assigned_s)
    return math.inf


def _offers_of(session: Session, tenant_id: str, rows: Sequence[Any]) -> dict[str, _Offers]:
    """What the outbox says of the offers of ``rows``, read over the span of time their events
    can lie in (the outbox is indexed by time, not by escalation)."""
    o = OUTBOX
    first_s = min(float(r.created_s) for r in rows)
    last_s = max(_last_event_s(r) for r in rows)
    query = select(o.c.escalation_id, o.c.type, o.c.occurred_s).where(
        o.c.tenant_id == tenant_id,
        o.c.occurred_s >= first_s,
        o.c.escalation_id.in_([r.id for r in rows]),
        o.c.type.in_([t.value for t in _COUNTED]),
    )
    if last_s < math.inf:
        query = query.where(o.c.occurred_s <= last_s)
    query = query.order_by(o.c.position)
    out: dict[str, _Offers] = defaultdict(_Offers)
    for esc_id, kind, occurred_s in session.connection().execute(query):
        seen = out[esc_id]
        if kind == EventType.ESCALATION_OFFERED:
            seen.offers += 1
            if seen.first_offered_s is None:
                seen.first_offered_s = occurred_s
        elif kind == EventType.OFFER_DECLINED:
            seen.declines += 1
        elif kind == EventType.OFFER_EXPIRED:
            seen.expiries += 1
        elif seen.accepted_s is None:
            seen.accepted_s = occurred_s
    return out


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _wrap_up_s(row: Any, state: EscalationState) -> float | None:
    """The wrap-up the agent held the slot for: none granted is 0 s; one still running is not
    known yet."""
    if state is not EscalationState.COMPLETED or row.wrap_up_until_s is not None:
        return None
    return 0.0 if row.wrap_up_s is None else _ms(row.wrap_up_s)


def _record(row: Any, seen: _Offers, groups: Mapping[str, str]) -> HistoryRecord:
    spec: Mapping[str, Any] = row.spec
    state = EscalationState(row.state)
    outcome: Mapping[str, Any] = row.outcome or {}
    feedback = outcome if state is EscalationState.COMPLETED else {}
    cancelled = outcome.get("cancelled") or {}
    agent_id = row.agent_id if state in _HOLDING else None
    completed_s = row.finished_s if state is EscalationState.COMPLETED else None
    handle_s = None
    if completed_s is not None and row.assigned_s is not None:
        handle_s = completed_s - row.assigned_s
    time_zone = spec.get("customer_time_zone")
    return HistoryRecord(
        escalation_id=row.id,
        created_at_s=row.created_s,
        conversation_started_at_s=row.conversation_started_s,
        channel=Channel(spec["channel"]),
        skills=dict(spec.get("required_skills") or {}),
        preferred_skills=dict(spec.get("preferred_skills") or {}),
        tier=spec.get("complexity_tier"),
        customer_tier=CustomerTier(spec["customer_tier"]) if spec.get("customer_tier") else None,
        language=spec.get("language"),
        customer_timezone=time_zone,
        trigger=Trigger(spec["trigger"]) if spec.get("trigger") else None,
        segment=row.segment,
        queue=queue_name(spec["channel"], spec.get("required_skills") or {}),
        customer_ref=row.customer_ref,
        outcome=_OUTCOMES[state],
        cancel_reason=CancelReason(cancelled["reason"]) if cancelled.get("reason") else None,
        offers=seen.offers,
        declines=seen.declines,
        expiries=seen.expiries,
        first_offered_at_s=seen.first_offered_s,
        accepted_at_s=seen.accepted_s,
        handoff_s=_ms(None if seen.accepted_s is None else seen.accepted_s - row.created_s),
        agent_id=agent_id,
        agent_group=groups.get(agent_id) if agent_id is not None else None,
        context_viewed_at_s=row.context_viewed_s,
        completed_at_s=completed_s,
        handle_time_s=_ms(handle_s),
        wrap_up_s=_wrap_up_s(row, state),
        patience_s=_ms(row.finished_s - row.created_s)
        if state is EscalationState.ABANDONED and row.finished_s is not None
        else None,
        transfers=row.transfers,
        csat=feedback.get("csat"),
        first_contact_resolved=feedback.get("first_contact_resolved"),
        ai_could_have_handled=feedback.get("ai_could_have_handled"),
    )


def history_records(
    session: Session, tenant_id: str, from_s: float, to_s: float, groups: Mapping[str, str]
) -> Iterator[HistoryRecord]:
    """The tenant's escalations created in [``from_s``, ``to_s``), in creation order, as history
    records (``groups``: agent id -> group name). Reads :data:`BATCH` escalations at a time."""
    e = ESCALATIONS
    columns = (
        e.c.id,
        e.c.spec,
        e.c.state,
        e.c.outcome,
        e.c.agent_id,
        e.c.created_s,
        e.c.assigned_s,
        e.c.finished_s,
        e.c.transfers,
        e.c.wrap_up_s,
        e.c.wrap_up_until_s,
        e.c.conversation_started_s,
        e.c.customer_ref,
        e.c.segment,
        e.c.context_viewed_s,
    )
    after: tuple[float, str] | None = None
    while True:
        query = select(*columns).where(
            e.c.tenant_id == tenant_id, e.c.created_s >= from_s, e.c.created_s < to_s
        )
        if after is not None:  # keyset pagination on (created_s, id)
            query = query.where(
                (e.c.created_s > after[0]) | ((e.c.created_s == after[0]) & (e.c.id > after[1]))
            )
        rows = session.connection().execute(query.order_by(e.c.created_s, e.c.id).limit(BATCH)).all()
        if not rows:
            return
        offers = _offers_of(session, tenant_id, rows)
        for row in rows:
            yield _record(row, offers.get(row.id, _Offers()), groups)
        after = (rows[-1].created_s, rows[-1].id)


def volume_records(session: Session, tenant_id: str, from_s: float, to_s: float) -> list[VolumeRecord]:
    """The tenant's conversation volume of intervals starting in [``from_s``, ``to_s``)."""
    return [
        VolumeRecord(
            interval_start_s=start_s, interval_s=length_s, segment=segment or None, conversations=count
        )
        for start_s, length_s, segment, count, _ in volume_store.read(session, tenant_id, from_s, to_s)
    ]


def one_kind(volume: Sequence[VolumeRecord]) -> tuple[list[VolumeRecord], int]:
    """The per-segment counts if there are any, else the all-segment ones, and how many were
    left out: both kinds together would count conversations twice (the volume file holds one
    kind, :func:`routing.history.read_volume`)."""
    per_segment = [v for v in volume if v.segment is not None]
    kept = per_segment or list(volume)
    return kept, len(volume) - len(kept)
