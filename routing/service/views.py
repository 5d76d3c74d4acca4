"""The service's read side: API views built from storage, or from the dispatcher inside an event.

Nothing here writes. Views of stored rows take a read session; views of live routing state (an
agent's load just after an event, the queues after time has passed) take the tenant's dispatcher
from the unit of work (:mod:`routing.service.unit_of_work`). Offer ids appear in the API's form
(:func:`routing.offer_ids.to_api`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing import offer_ids, timestamps
from routing.decisions import Decision, Deferred, Offer, Queued
from routing.dispatcher import Dispatcher
from routing.domain import EscalationState
from routing.errors import UnknownAgent, UnknownEscalation
from routing.schemas import ContextPacket
from routing.service.schemas import (
    AgentView,
    AuditEntry,
    AuditPage,
    ContextSummary,
    DecisionOut,
    EscalationPosition,
    EscalationView,
    HistoryEntry,
    PendingOffer,
    QueueSegment,
    QueuesView,
    at,
)
from routing.service.storage import repository as repo
from routing.service.storage.models import AgentRow, AuditEvent, EscalationRow

__all__ = [
    "agent_view",
    "audit_page",
    "decision_out",
    "escalation_as_received",
    "escalation_position",
    "escalation_view",
    "first_routing",
    "pending_offers",
    "queue_depths",
    "queues_view",
]

#: The whole history of one escalation is shown at most this long.
HISTORY_LIMIT = 10_000


def first_routing(decisions: list[Decision], escalation_id: str) -> Offer | Queued | Deferred | None:
    """The first routing decision (offer, queued or deferred) about ``escalation_id``, if any."""
    for d in decisions:
        if isinstance(d, Offer | Queued | Deferred) and d.escalation_id == escalation_id:
            return d
    return None


def decision_out(d: Decision, explained: dict[str, Any] | None = None) -> DecisionOut:
    """The first decision about a new (or re-routed) escalation, for API responses.

    ``explained``: the explanation as a dict when already computed. Raise a TypeError if ``d`` is
    not a routing decision (offer, queued or deferred).
    """
    explanation = getattr(d, "explanation", None)
    expl = explained if explained is not None else explanation.as_dict() if explanation is not None else None
    if isinstance(d, Offer):
        return DecisionOut(
            outcome="offered",
            offer_id=offer_ids.to_api(d.offer_id),
            agent_id=d.agent_id,
            expires_at=at(d.expires_at_s),
            expires_at_s=timestamps.epoch_s(d.expires_at_s),
            explanation=expl,
        )
    if isinstance(d, Queued):
        return DecisionOut(
            outcome="queued", position=d.position, eta_s=d.eta_s, reason=d.reason, explanation=expl
        )
    if isinstance(d, Deferred):
        return DecisionOut(
            outcome="deferred",
            mode=d.mode,
            next_open_at=at(d.next_open_at_s),
            next_open_at_s=None if d.next_open_at_s is None else timestamps.epoch_s(d.next_open_at_s),
            reason=d.reason,
            explanation=expl,
        )
    raise TypeError(f"not a routing decision: {d.kind}")


def _event_fields(e: AuditEvent) -> dict[str, Any]:
    """What a history entry and an audit entry show of one audit event (the instants of a
    detail stored before they came as ``*_at`` too get theirs: :func:`routing.timestamps.with_iso`)."""
    return {
        "seq": e.seq,
        "occurred_at": at(e.at_s),
        "occurred_at_s": timestamps.epoch_s(e.at_s),
        "kind": e.kind,
        "agent_id": e.agent_id,
        "offer_id": offer_ids.to_api(e.offer_id),
        "detail": timestamps.with_iso(e.detail),
    }


def escalation_as_received(spec: dict[str, Any]) -> dict[str, Any]:
    """A stored escalation (without its context) as the API shows it: as received, with
    ``created_at`` in the JSON convention (rows stored before it kept the sender's offset)."""
    created = spec.get("created_at")
    if not isinstance(created, str):
        return spec
    return {**spec, "created_at": timestamps.iso(datetime.fromisoformat(created))}


def escalation_view(s: Session, tenant_id: str, escalation_id: str) -> EscalationView:
    """The stored escalation with its context and history. Raise :class:`UnknownEscalation` if
    the tenant has none with this id."""
    row = repo.escalation(s, tenant_id, escalation_id)
    if row is None:
        raise UnknownEscalation(escalation_id)
    events = repo.audit_trail(s, tenant_id, escalation_id, after_seq=0, limit=HISTORY_LIMIT)
    return EscalationView(
        id=row.id,
        state=EscalationState(row.state),
        created_at=at(row.created_s),
        agent_id=row.agent_id,
        offer_id=offer_ids.to_api(row.offer_id),
        offer_expires_at=at(row.offer_expires_at_s),
        relaxation_level=row.level,
        offers_made=row.attempts,
        handoff_s=row.handoff_s,
        outcome=row.outcome,
        escalation=escalation_as_received(row.spec),
        context=ContextPacket.model_validate(row.context),
        history=[HistoryEntry(**_event_fields(e)) for e in events],
        conversation_started_at=at(row.conversation_started_s),
        customer_ref=row.customer_ref,
        segment=row.segment,
        context_viewed_at=at(row.context_viewed_s),
    )


def agent_view(s: Session, tenant_id: str, row: AgentRow, d: Dispatcher | None) -> AgentView:
    """An agent, live from the dispatcher ``d`` inside an event, else from its stored rows."""
    if d is not None:
        snap = d.agent_snapshot(row.id)
        return AgentView(
            id=row.id,
            profile=repo.stored_profile(row),
            status=snap.status,
            load=d.agent_load(row.id),
            missed_offers=snap.missed_offers,
            active=row.deactivated_s is None,
            deactivated_at=at(row.deactivated_s),
            wrap_up_until=at(d.wrap_up_until_s(row.id)),
        )
    load: dict[str, int] = defaultdict(int)
    held = s.execute(
        select(EscalationRow.spec).where(
            EscalationRow.tenant_id == tenant_id,
            EscalationRow.agent_id == row.id,
            EscalationRow.state.in_((EscalationState.OFFERED.value, EscalationState.ASSIGNED.value)),
        )
    )
    for (spec,) in held:
        load[str(spec["channel"])] += 1
    wrapping = s.execute(  # completed, the slot still held for the wrap-up
        select(EscalationRow.spec, EscalationRow.wrap_up_until_s).where(
            EscalationRow.tenant_id == tenant_id,
            EscalationRow.agent_id == row.id,
            EscalationRow.wrap_up_until_s.is_not(None),
        )
    ).all()
    for spec, _ in wrapping:
        load[str(spec["channel"])] += 1
    return AgentView(
        id=row.id,
        profile=repo.stored_profile(row),
        status=row.status,
        load=dict(load),
        missed_offers=row.missed_offers,
        active=row.deactivated_s is None,
        deactivated_at=at(row.deactivated_s),
        wrap_up_until=at(max((until for _, until in wrapping), default=None)),
    )


def pending_offers(s: Session, tenant_id: str, agent_id: str, now_s: float) -> list[PendingOffer]:
    """The agent's offers still open at ``now_s``, soonest expiry first. Raise
    :class:`UnknownAgent` if the tenant has no such agent."""
    if repo.agent(s, tenant_id, agent_id) is None:
        raise UnknownAgent(agent_id)
    e = EscalationRow
    rows = s.execute(
        select(e.id, e.offer_id, e.offer_expires_at_s, e.spec, e.context)
        .where(
            e.tenant_id == tenant_id,
            e.agent_id == agent_id,
            e.state == EscalationState.OFFERED.value,
            e.offer_expires_at_s > now_s,  # expired, not yet ticked: no longer acceptable
        )
        .order_by(e.offer_expires_at_s, e.id)
    )
    return [
        PendingOffer(
            offer_id=offer_ids.to_api(offer_id),
            escalation_id=esc_id,
            channel=str(spec["channel"]),
            expires_at=at(expires_s),
            expires_in_s=round(max(0.0, expires_s - now_s), 3),
            context=ContextSummary.of(context),
        )
        for esc_id, offer_id, expires_s, spec, context in rows
        if offer_id is not None
    ]


def escalation_position(d: Dispatcher, escalation_id: str, now_s: float) -> EscalationPosition:
    """Position, ETA and reason of a queued escalation of ``d`` at ``now_s``; only the state of
    one that is not queued. Raise :class:`UnknownEscalation` if ``d`` does not hold it (never
    arrived, or finished)."""
    state = d.state_of(escalation_id)
    if state is not EscalationState.QUEUED:
        return EscalationPosition(
            escalation_id=escalation_id, state=state, position=None, eta_s=None, reason=None
        )
    position, eta_s = d.queue_estimate(escalation_id, now_s)
    return EscalationPosition(
        escalation_id=escalation_id,
        state=state,
        position=position,
        eta_s=None if eta_s is None else round(eta_s, 3),
        reason=d.waiting_reason(escalation_id, now_s),
    )


def queues_view(d: Dispatcher, now_s: float) -> QueuesView:
    """Depth, oldest wait and ETA per segment (channel + required skills) of ``d``'s queue now."""
    segments: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for esc_id in d.waiting_ids():
        spec = d.escalation(esc_id)
        segments.setdefault((spec.channel.value, tuple(sorted(spec.required_skills))), []).append(esc_id)
    out = []
    for (channel, skills), ids in sorted(segments.items()):
        oldest_s = max(now_s - d.escalation(i).created_s for i in ids)
        _, eta_s = d.queue_estimate(ids[-1], now_s)
        out.append(
            QueueSegment(
                channel=channel,
                required_skills=list(skills),
                depth=len(ids),
                oldest_wait_s=round(oldest_s, 3),
                eta_s=None if eta_s is None else round(eta_s, 3),
            )
        )
    depth = sum(seg.depth for seg in out)
    oldest_all = max((seg.oldest_wait_s for seg in out), default=None)
    return QueuesView(depth=depth, oldest_wait_s=oldest_all, segments=out)


def audit_page(
    s: Session, tenant_id: str, escalation_id: str | None, after_seq: int, limit: int
) -> AuditPage:
    """Up to ``limit`` audit events after ``after_seq`` (of one escalation, or all), oldest first."""
    events = repo.audit_trail(s, tenant_id, escalation_id, after_seq, limit)
    entries = [AuditEntry(**_event_fields(e), escalation_id=e.escalation_id) for e in events]
    return AuditPage(events=entries, next_after_seq=entries[-1].seq if len(entries) == limit else None)


def queue_depths(s: Session) -> dict[str, int]:
    """Waiting escalations per tenant, from storage (for /metrics)."""
    rows = s.execute(
        select(EscalationRow.tenant_id, func.count())
        .where(EscalationRow.state == EscalationState.QUEUED.value)
        .group_by(EscalationRow.tenant_id)
    )
    return {tenant: int(n) for tenant, n in rows}
