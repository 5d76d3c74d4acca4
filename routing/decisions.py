"""What the dispatcher decides.

Every event handed to the :class:`~routing.dispatcher.Dispatcher` returns a list of these
decisions. Each routing decision (offer, queued, deferred) carries an
:class:`~routing.explanation.Explanation` of why it came out as it did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from routing._frozen import fast_init
from routing.domain import AgentStatus, DeferralMode, EscalationState
from routing.explanation import Explanation
from routing.timestamps import with_iso


@fast_init
@dataclass(frozen=True, slots=True)
class Offer:
    """Reserve a slot of ``agent_id`` for the escalation; the agent accepts before ``expires_at_s``."""

    offer_id: str
    escalation_id: str
    agent_id: str
    expires_at_s: float
    explanation: Explanation | None = field(default=None, compare=False)
    callback: bool = False  #: the customer asked to be called back (:meth:`Dispatcher.callback_requested`)
    kind: str = "offer"


@fast_init
@dataclass(frozen=True, slots=True)
class Queued:
    """Nobody fits now. ``position`` is 1-based among those competing for the same agents.

    ``eta_s`` estimates the wait to an offer (:mod:`routing.eta`: when the agents who may take
    it -- now, after a relaxation step, at a shift or break start within the deferral horizon,
    back from a cool-down -- free as many slots as there are escalations ahead of it, plus one);
    ``None`` when none of them will. A dispatcher built with ``queue_estimates=False``
    (simulation) gives position 0 and ETA ``None``; the simulator asks for the ETA itself.
    """

    escalation_id: str
    position: int
    eta_s: float | None
    reason: str
    explanation: Explanation | None = field(default=None, compare=False)
    kind: str = "queued"


@fast_init
@dataclass(frozen=True, slots=True)
class Relaxed:
    """Waiting crossed a threshold; requirements loosened to ``level`` (1-based step)."""

    escalation_id: str
    level: int
    step: str
    kind: str = "relaxed"


@fast_init
@dataclass(frozen=True, slots=True)
class Deferred:
    """No eligible agent is on shift now or within the horizon: callback or ticket instead."""

    escalation_id: str
    mode: DeferralMode
    next_open_at_s: float | None
    reason: str
    explanation: Explanation | None = field(default=None, compare=False)
    kind: str = "deferred"


@fast_init
@dataclass(frozen=True, slots=True)
class Assigned:
    """The agent accepted: the escalation is theirs. ``handoff_s`` = created -> accepted."""

    escalation_id: str
    agent_id: str
    offer_id: str
    handoff_s: float
    kind: str = "assigned"


@fast_init
@dataclass(frozen=True, slots=True)
class OfferRevoked:
    """An offer withdrawn before acceptance (customer left, agent logged out, ...)."""

    offer_id: str
    escalation_id: str
    agent_id: str
    reason: str
    kind: str = "offer_revoked"


@fast_init
@dataclass(frozen=True, slots=True)
class AgentStatusChanged:
    """The dispatcher changed an agent's status (e.g. to not-responding after missed offers)."""

    agent_id: str
    status: AgentStatus
    reason: str
    kind: str = "agent_status_changed"


@fast_init
@dataclass(frozen=True, slots=True)
class Finished:
    """The escalation reached a terminal state (completed, abandoned, cancelled, handed back).

    ``reason``: the cancel reason (:class:`~routing.domain.CancelReason`) of an abandoned or
    cancelled one, the outcome of a hand-back; ``None`` otherwise.
    """

    escalation_id: str
    state: EscalationState
    reason: str | None = field(default=None, compare=False)
    kind: str = "finished"


@fast_init
@dataclass(frozen=True, slots=True)
class Transferred:
    """The agent holding an assigned escalation sent it to other requirements; it is routed again
    (its next decision follows) and never offered back to ``agent_id``. ``transfers``: how many
    times it has been transferred now."""

    escalation_id: str
    agent_id: str
    transfers: int
    reason: str
    kind: str = "transferred"


@fast_init
@dataclass(frozen=True, slots=True)
class WrapUpEnded:
    """The agent's after-contact work on a completed escalation ended (its time ran out, or the
    agent ended it); the slot is free. ``wrap_up_s``: how long it lasted."""

    escalation_id: str
    agent_id: str
    wrap_up_s: float
    kind: str = "wrap_up_ended"


@fast_init
@dataclass(frozen=True, slots=True)
class CallbackRequested:
    """The waiting customer asked to be called back: the escalation keeps its place and priority,
    and its offers say it is a callback."""

    escalation_id: str
    kind: str = "callback_requested"


#: Anything the dispatcher decides.
Decision = (
    Offer
    | Queued
    | Relaxed
    | Deferred
    | Assigned
    | OfferRevoked
    | AgentStatusChanged
    | Finished
    | Transferred
    | WrapUpEnded
    | CallbackRequested
)


def decision_as_dict(decision: Decision) -> dict[str, Any]:
    """A decision as plain JSON-ready data, explanation expanded, times in the JSON convention
    (:mod:`routing.timestamps`): each instant ``<name>_at_s`` (epoch seconds) comes with its
    ``<name>_at`` (ISO 8601 UTC, ``Z``) before it; seconds are rounded to the millisecond."""
    out: dict[str, Any] = {}
    for name in decision.__dataclass_fields__:
        value = getattr(decision, name)
        if isinstance(value, Explanation):
            value = value.as_dict()
        elif isinstance(value, float) and name.endswith("_s"):
            value = round(value, 3)
        out[name] = value.value if hasattr(value, "value") and not isinstance(value, float | int) else value
    return with_iso(out)
