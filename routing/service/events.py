"""The event catalogue: every event the service publishes, written once.

An event reports one decision of the dispatcher (or one change of a webhook subscription) to
receivers outside: the AI platform, agent desktops, supervisors. Each carries a stable ``id``
(``evt_`` + 32 hex digits; receivers deduplicate on it), its ``type``, the tenant, the escalation
and agent it is about where they apply, when it occurred (``occurred_at``, ISO 8601 UTC with
``Z``, and ``occurred_at_s``, epoch seconds: :mod:`routing.timestamps`), a per-escalation
``sequence`` (1, 2, 3, ... in the order the decisions were made; ``null`` for events about no
escalation) and ``data``, the payload its type defines below (instants as ``*_at`` and ``*_at_s``).

=========================  ==============================  =================================
type                       decision                        data
=========================  ==============================  =================================
``escalation.queued``      :class:`~routing.decisions.Queued`         position, ETA, reason
``escalation.offered``     :class:`~routing.decisions.Offer`          offer id, agent, expiry,
                                                                      context summary
``offer.declined``         OfferRevoked, declined by the agent        offer id, agent, reason
``offer.expired``          OfferRevoked, nobody answered in time      offer id, agent, reason
``offer.revoked``          OfferRevoked, withdrawn (agent offline, customer left, ...)
``escalation.assigned``    :class:`~routing.decisions.Assigned`       agent, offer id, handoff_s
``escalation.relaxed``     :class:`~routing.decisions.Relaxed`        level, step
``escalation.deferred``    :class:`~routing.decisions.Deferred`       mode, next opening, reason
``escalation.completed``   Finished(completed)                        state, agent, the
                                                                      feedback: resolved, csat,
                                                                      first_contact_resolved,
                                                                      ai_could_have_handled
``escalation.context_viewed``  the agent desktop showed the context   agent, viewed_at,
                           packet (POST .../context-viewed; once)     after_accept_s
``escalation.abandoned``   Finished(abandoned) without a reason       state (cancels say
                                                                      ``escalation.cancelled``)
``escalation.cancelled``   Finished(abandoned / cancelled): withdrawn  state, reason (customer_left:
                           before acceptance (POST .../cancel)        abandoned; else cancelled)
``escalation.handed_back`` Finished(handed_back): the AI owns it again agent, outcome
``escalation.transferred`` :class:`~routing.decisions.Transferred`    from agent, transfers, reason
                           (routed again: queued/offered/deferred follow)
``escalation.callback_requested``  :class:`~routing.decisions.CallbackRequested`  channel; its
                           offers then carry ``callback: true``
``agent.wrap_up_ended``    :class:`~routing.decisions.WrapUpEnded`    agent, wrap_up_s
``agent.status_changed``   :class:`~routing.decisions.AgentStatusChanged`  status, reason
``subscription.disabled``  a webhook kept failing and was disabled    subscription, reason
``escalation.position_changed``  a queued escalation moved in line     position, ETA, previous
                           (:mod:`routing.service.positions`)         ones, reason, cause
=========================  ==============================  =================================

Nothing here does I/O: :func:`events_for` turns decisions into events, given what storage knows
of the escalations (:class:`EscalationFacts`); :mod:`routing.service.outbox` stores them.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from routing import offer_ids
from routing.decisions import (
    Assigned,
    CallbackRequested,
    Decision,
    Deferred,
    Finished,
    Offer,
    OfferRevoked,
    Queued,
    Relaxed,
    Transferred,
    WrapUpEnded,
)
from routing.dispatcher import EXPIRED_UNSEEN
from routing.domain import AgentStatus, CancelReason, DeferralMode, EscalationState
from routing.schemas import Instant
from routing.service.schemas import ContextSummary, at, epoch_of
from routing.timestamps import epoch_s

__all__ = [
    "AgentStatusData",
    "AssignedData",
    "CallbackRequestedData",
    "CancelledData",
    "ContextSummary",
    "ContextViewedData",
    "DeferredData",
    "EscalationFacts",
    "Event",
    "EventType",
    "FinishedData",
    "HandedBackData",
    "OfferEndedData",
    "OfferedData",
    "PositionChangedData",
    "QueuedData",
    "RelaxedData",
    "SubscriptionDisabledData",
    "TransferredData",
    "WrapUpEndedData",
    "context_viewed",
    "events_for",
    "new_event_id",
    "position_changed",
    "subscription_disabled",
]


class EventType(StrEnum):
    """Every event type the service publishes."""

    ESCALATION_QUEUED = "escalation.queued"
    ESCALATION_OFFERED = "escalation.offered"
    OFFER_DECLINED = "offer.declined"
    OFFER_EXPIRED = "offer.expired"
    OFFER_REVOKED = "offer.revoked"
    ESCALATION_ASSIGNED = "escalation.assigned"
    ESCALATION_RELAXED = "escalation.relaxed"
    ESCALATION_DEFERRED = "escalation.deferred"
    ESCALATION_COMPLETED = "escalation.completed"
    ESCALATION_ABANDONED = "escalation.abandoned"
    AGENT_STATUS_CHANGED = "agent.status_changed"
    SUBSCRIPTION_DISABLED = "subscription.disabled"
    ESCALATION_POSITION_CHANGED = "escalation.position_changed"
    ESCALATION_CANCELLED = "escalation.cancelled"
    ESCALATION_HANDED_BACK = "escalation.handed_back"
    ESCALATION_TRANSFERRED = "escalation.transferred"
    ESCALATION_CALLBACK_REQUESTED = "escalation.callback_requested"
    AGENT_WRAP_UP_ENDED = "agent.wrap_up_ended"
    ESCALATION_CONTEXT_VIEWED = "escalation.context_viewed"


_DATA = ConfigDict(extra="forbid")


class OfferedData(BaseModel):
    """``escalation.offered``: the offer, its expiry and what the agent sees before accepting."""

    model_config = _DATA
    offer_id: str
    agent_id: str
    expires_at: Instant
    expires_at_s: float = epoch_of("expires_at")
    context: ContextSummary
    callback: bool = Field(False, description="The customer asked to be called back: call them.")


class QueuedData(BaseModel):
    """``escalation.queued``: where the escalation waits, for how long, and why."""

    model_config = _DATA
    position: int = Field(description="1-based among those competing for the same agents.")
    eta_s: float | None = Field(description="Estimated wait to an offer; null: nobody eligible staffed.")
    reason: str


class OfferEndedData(BaseModel):
    """An offer that ended without acceptance: declined, expired or withdrawn."""

    model_config = _DATA
    offer_id: str
    agent_id: str
    reason: str


class AssignedData(BaseModel):
    """``escalation.assigned``: the agent accepted."""

    model_config = _DATA
    agent_id: str
    offer_id: str
    handoff_s: float = Field(description="From the escalation's creation to the agent's accept.")


class RelaxedData(BaseModel):
    """``escalation.relaxed``: requirements loosened to ``level`` by ``step``."""

    model_config = _DATA
    level: int
    step: str


class DeferredData(BaseModel):
    """``escalation.deferred``: callback or ticket, the next opening, and why."""

    model_config = _DATA
    mode: DeferralMode
    next_open_at: Instant | None
    next_open_at_s: float | None = epoch_of("next_open_at")
    reason: str


class FinishedData(BaseModel):
    """``escalation.completed`` / ``.abandoned``: the terminal state, and who completed it; a
    completion carries the agent's feedback (null where not given, and on ``.abandoned``)."""

    model_config = _DATA
    state: EscalationState
    agent_id: str | None
    resolved: bool | None = None
    csat: int | None = Field(None, description="The customer's satisfaction score, 1-5.")
    first_contact_resolved: bool | None = None
    ai_could_have_handled: bool | None = Field(
        None, description="The agent's judgement: could the AI assistant have resolved it alone?"
    )


class ContextViewedData(BaseModel):
    """``escalation.context_viewed``: the agent holding the escalation opened its context packet."""

    model_config = _DATA
    agent_id: str
    viewed_at: Instant
    viewed_at_s: float = epoch_of("viewed_at")
    after_accept_s: float = Field(description="From the agent's accept to the view, seconds.")


class AgentStatusData(BaseModel):
    """``agent.status_changed``: the dispatcher changed the agent's status (e.g. not responding)."""

    model_config = _DATA
    status: AgentStatus
    reason: str


class SubscriptionDisabledData(BaseModel):
    """``subscription.disabled``: a webhook subscription kept failing and was disabled."""

    model_config = _DATA
    subscription_id: str
    url: str
    reason: str
    consecutive_failures: int


class PositionChangedData(BaseModel):
    """``escalation.position_changed``: a queued escalation's position (or ETA) moved since it was
    last told, by at least the configured step (:mod:`routing.service.positions`)."""

    model_config = _DATA
    position: int = Field(description="1-based among those competing for the same agents, now.")
    previous_position: int = Field(description="The position it was last told.")
    eta_s: float | None = Field(description="Estimated wait to an offer, now; null: nobody eligible staffed.")
    previous_eta_s: float | None = Field(description="The ETA it was last told.")
    reason: str = Field(description="Why it waits now (as escalation.queued says it).")
    cause: str = Field(description="The command that moved it: escalation_created, offer_accepted, tick, ...")


class CancelledData(BaseModel):
    """``escalation.cancelled``: withdrawn before an agent accepted it, and why."""

    model_config = _DATA
    state: EscalationState = Field(description="abandoned (customer_left) or cancelled (any other reason).")
    reason: CancelReason


class HandedBackData(BaseModel):
    """``escalation.handed_back``: the agent returned the conversation; the AI platform owns it again."""

    model_config = _DATA
    agent_id: str | None
    outcome: str | None
    owner: Literal["ai"] = "ai"


class TransferredData(BaseModel):
    """``escalation.transferred``: the agent sent it elsewhere; it is routed again (its next
    decision's events follow) and never offered back to ``from_agent_id``."""

    model_config = _DATA
    from_agent_id: str
    transfers: int = Field(description="Times it has been transferred, this one included.")
    reason: str


class CallbackRequestedData(BaseModel):
    """``escalation.callback_requested``: the customer will be called back; the escalation keeps
    its place and priority, and its offers say ``callback: true``."""

    model_config = _DATA
    callback: Literal[True] = True
    keeps_position: Literal[True] = True


class WrapUpEndedData(BaseModel):
    """``agent.wrap_up_ended``: the agent's after-contact work on the escalation ended; the slot is free."""

    model_config = _DATA
    agent_id: str
    wrap_up_s: float | None = Field(description="How long it lasted (null: not known after a restart).")


Payload = (
    OfferedData
    | QueuedData
    | OfferEndedData
    | AssignedData
    | RelaxedData
    | DeferredData
    | FinishedData
    | AgentStatusData
    | SubscriptionDisabledData
    | PositionChangedData
    | CancelledData
    | HandedBackData
    | TransferredData
    | CallbackRequestedData
    | WrapUpEndedData
    | ContextViewedData
)


class Event(BaseModel):
    """One event as every receiver gets it (the webhook body, the stream's ``data``)."""

    model_config = _DATA
    id: str
    type: EventType
    occurred_at: Instant = Field(description="When the decision was made.")
    occurred_at_s: float = epoch_of("occurred_at")
    tenant_id: str
    escalation_id: str | None = None
    agent_id: str | None = None
    sequence: int | None = Field(None, description="Per escalation: 1, 2, ...; null for other events.")
    data: Payload

    @property
    def stream(self) -> str:
        """What deliveries are ordered within: the escalation, else the agent, else the tenant."""
        if self.escalation_id is not None:
            return f"escalation:{self.escalation_id}"
        if self.agent_id is not None:
            return f"agent:{self.agent_id}"
        if isinstance(self.data, SubscriptionDisabledData):
            return f"subscription:{self.data.subscription_id}"
        return "tenant"


@dataclass(frozen=True, slots=True)
class EscalationFacts:
    """What storage knows of an escalation that events need: its last event's ``sequence``
    (0 before any), the agent holding it, its context packet and its outcome (as stored JSON)."""

    last_sequence: int = 0
    agent_id: str | None = None
    context: Mapping[str, Any] | None = None
    outcome: Mapping[str, Any] | None = None  # the completion feedback, once completed


def new_event_id() -> str:
    """A fresh, unique event id: ``evt_`` + 128 random bits in hex."""
    return "evt_" + uuid.uuid4().hex


_REVOKED_TYPES = {  # the reasons the dispatcher gives (routing/dispatcher.py) -> the event type
    "declined by agent": EventType.OFFER_DECLINED,
    "offer expired unanswered": EventType.OFFER_EXPIRED,
    EXPIRED_UNSEEN: EventType.OFFER_EXPIRED,  # after an outage: expired all the same, nobody blamed
}


_CANCELLED = (EscalationState.ABANDONED, EscalationState.CANCELLED)


_FEEDBACK = ("resolved", "csat", "first_contact_resolved", "ai_could_have_handled")


def _typed(d: Decision, facts: EscalationFacts) -> tuple[EventType, Payload]:
    """The type and payload of the event reporting ``d``."""
    if isinstance(d, Offer):
        context = ContextSummary.of(dict(facts.context) if facts.context is not None else None)
        offered = OfferedData(
            offer_id=offer_ids.to_api(d.offer_id),
            agent_id=d.agent_id,
            expires_at=at(d.expires_at_s),
            expires_at_s=epoch_s(d.expires_at_s),
            context=context,
            callback=d.callback,
        )
        return EventType.ESCALATION_OFFERED, offered
    if isinstance(d, Queued):
        return EventType.ESCALATION_QUEUED, QueuedData(position=d.position, eta_s=d.eta_s, reason=d.reason)
    if isinstance(d, OfferRevoked):
        ended = OfferEndedData(offer_id=offer_ids.to_api(d.offer_id), agent_id=d.agent_id, reason=d.reason)
        return _REVOKED_TYPES.get(d.reason, EventType.OFFER_REVOKED), ended
    if isinstance(d, Assigned):
        assigned = AssignedData(
            agent_id=d.agent_id, offer_id=offer_ids.to_api(d.offer_id), handoff_s=d.handoff_s
        )
        return EventType.ESCALATION_ASSIGNED, assigned
    if isinstance(d, Relaxed):
        return EventType.ESCALATION_RELAXED, RelaxedData(level=d.level, step=d.step)
    if isinstance(d, Deferred):
        next_open_s = None if d.next_open_at_s is None else epoch_s(d.next_open_at_s)
        deferred = DeferredData(
            mode=d.mode, next_open_at=at(d.next_open_at_s), next_open_at_s=next_open_s, reason=d.reason
        )
        return EventType.ESCALATION_DEFERRED, deferred
    if isinstance(d, Finished) and d.state is EscalationState.HANDED_BACK:
        return EventType.ESCALATION_HANDED_BACK, HandedBackData(agent_id=facts.agent_id, outcome=d.reason)
    if isinstance(d, Finished) and d.reason is not None and d.state in _CANCELLED:
        return EventType.ESCALATION_CANCELLED, CancelledData(state=d.state, reason=CancelReason(d.reason))
    if isinstance(d, Transferred):
        moved = TransferredData(from_agent_id=d.agent_id, transfers=d.transfers, reason=d.reason)
        return EventType.ESCALATION_TRANSFERRED, moved
    if isinstance(d, CallbackRequested):
        return EventType.ESCALATION_CALLBACK_REQUESTED, CallbackRequestedData()
    if isinstance(d, WrapUpEnded):
        lasted = None if math.isnan(d.wrap_up_s) else round(d.wrap_up_s, 3)
        return EventType.AGENT_WRAP_UP_ENDED, WrapUpEndedData(agent_id=d.agent_id, wrap_up_s=lasted)
    if isinstance(d, Finished) and d.state is EscalationState.COMPLETED:
        feedback = {k: v for k, v in (facts.outcome or {}).items() if k in _FEEDBACK}
        return EventType.ESCALATION_COMPLETED, FinishedData(
            state=d.state, agent_id=facts.agent_id, **feedback
        )
    if isinstance(d, Finished):
        return EventType.ESCALATION_ABANDONED, FinishedData(state=d.state, agent_id=None)
    return EventType.AGENT_STATUS_CHANGED, AgentStatusData(status=d.status, reason=d.reason)


def events_for(
    tenant_id: str, now_s: float, decisions: Sequence[Decision], facts: Mapping[str, EscalationFacts]
) -> tuple[list[Event], dict[str, int]]:
    """The events reporting ``decisions`` (one each, in order), and each escalation's last sequence.

    ``facts`` holds what storage knows of the escalations the decisions name (a missing one counts
    as new: sequence from 1, no context).
    """
    events: list[Event] = []
    sequences: dict[str, int] = {}
    for d in decisions:
        esc_id: str | None = getattr(d, "escalation_id", None)
        known = facts.get(esc_id, EscalationFacts()) if esc_id is not None else EscalationFacts()
        sequence = None
        if esc_id is not None:
            sequence = sequences[esc_id] = sequences.get(esc_id, known.last_sequence) + 1
        kind, data = _typed(d, known)
        agent_id = getattr(d, "agent_id", None) or getattr(data, "agent_id", None)
        events.append(_event(tenant_id, now_s, kind, data, esc_id, agent_id, sequence))
    return events, sequences


def subscription_disabled(
    tenant_id: str, now_s: float, subscription_id: str, url: str, reason: str, failures: int
) -> Event:
    """The event saying a webhook subscription was disabled, and why."""
    data = SubscriptionDisabledData(
        subscription_id=subscription_id, url=url, reason=reason, consecutive_failures=failures
    )
    return _event(tenant_id, now_s, EventType.SUBSCRIPTION_DISABLED, data)


def context_viewed(
    tenant_id: str,
    now_s: float,
    escalation_id: str,
    sequence: int,
    agent_id: str,
    accepted_s: float,
) -> Event:
    """The event saying the agent holding the escalation viewed its context packet now
    (``sequence``: the escalation's next one; ``accepted_s``: when the agent accepted)."""
    data = ContextViewedData(
        agent_id=agent_id,
        viewed_at=at(now_s),
        viewed_at_s=epoch_s(now_s),
        after_accept_s=round(max(now_s - accepted_s, 0.0), 3),
    )
    return _event(
        tenant_id, now_s, EventType.ESCALATION_CONTEXT_VIEWED, data, escalation_id, agent_id, sequence
    )


def position_changed(
    tenant_id: str, now_s: float, escalation_id: str, sequence: int, data: PositionChangedData
) -> Event:
    """The event saying a queued escalation moved in line (``sequence``: its next one)."""
    kind = EventType.ESCALATION_POSITION_CHANGED
    return _event(tenant_id, now_s, kind, data, escalation_id, None, sequence)


def _event(
    tenant_id: str,
    now_s: float,
    kind: EventType,
    data: Payload,
    escalation_id: str | None = None,
    agent_id: str | None = None,
    sequence: int | None = None,
) -> Event:
    return Event(
        id=new_event_id(),
        type=kind,
        occurred_at=at(now_s),
        occurred_at_s=epoch_s(now_s),
        tenant_id=tenant_id,
        escalation_id=escalation_id,
        agent_id=agent_id,
        sequence=sequence,
        data=data,
    )
