"""The transactional outbox: events are stored in the same transaction as what they report.

The unit of work (:mod:`routing.service.unit_of_work`) calls :func:`record_decisions` with the
decisions of an event before it commits, so a decision is never stored without its events nor an
event without its decision. Each stored event is fanned out at once into one pending delivery per
enabled webhook subscription of the tenant that wants its type (a subscription receives the
events committed after it was created); the delivery worker (:mod:`routing.service.webhooks.delivery`)
sends them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from routing.decisions import Decision, Finished, Offer
from routing.domain import EscalationState
from routing.service.events import EscalationFacts, Event, events_for
from routing.service.storage import outbox as store

__all__ = ["append", "record_decisions"]


def record_decisions(
    session: Session,
    tenant_id: str,
    now_s: float,
    decisions: Sequence[Decision],
    new_escalations: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, int], int]:
    """Store the events of ``decisions`` and their deliveries; return (each escalation's new last
    sequence, deliveries created). Call it before the escalation rows are updated: it reads
    their last sequence and agent. ``new_escalations``: rows not inserted yet (id -> values)."""
    if not decisions:
        return {}, 0
    named = {e for d in decisions if (e := getattr(d, "escalation_id", None)) is not None}
    offered = {d.escalation_id for d in decisions if isinstance(d, Offer)}
    completed = {
        d.escalation_id for d in decisions if isinstance(d, Finished) and d.state is EscalationState.COMPLETED
    }
    stored = named - new_escalations.keys()
    facts = {
        esc_id: EscalationFacts(*values)
        for esc_id, values in store.escalation_facts(
            session, tenant_id, stored, offered & stored, completed & stored
        ).items()
    }
    for esc_id in named & new_escalations.keys():
        facts[esc_id] = EscalationFacts(context=new_escalations[esc_id].get("context"))
    events, sequences = events_for(tenant_id, now_s, decisions, facts)
    return sequences, append(session, tenant_id, now_s, events)


def append(session: Session, tenant_id: str, now_s: float, events: Sequence[Event]) -> int:
    """Store ``events`` of the tenant in the outbox and fan them out to the subscriptions that
    want them; returns how many deliveries were created."""
    rows = [
        {
            "id": e.id,
            "tenant_id": tenant_id,
            "type": e.type.value,
            "escalation_id": e.escalation_id,
            "agent_id": e.agent_id,
            "sequence": e.sequence,
            "stream": e.stream,
            "occurred_s": e.occurred_at_s,
            "body": e.model_dump_json(),
        }
        for e in events
    ]
    store.insert_events(session, rows)
    subscribers = store.subscribers(session, tenant_id) if rows else []
    deliveries = [
        {
            "tenant_id": tenant_id,
            "subscription_id": sub_id,
            "event_id": row["id"],
            "stream": row["stream"],
            "status": store.PENDING,
            "attempts": 0,
            "next_attempt_s": now_s,
            "created_s": now_s,
        }
        for row in rows
        for sub_id, types in subscribers
        if "*" in types or row["type"] in types
    ]
    store.insert_deliveries(session, deliveries)
    return len(deliveries)
