"""handoff's routing core: who takes each escalation from the AI assistant, now, and why.

Pure and clock-free: the HTTP service and the capacity simulator both drive :class:`Dispatcher`.
"""

from routing.decisions import (
    AgentStatusChanged,
    Assigned,
    Decision,
    Deferred,
    Explanation,
    Finished,
    Offer,
    OfferRevoked,
    Queued,
    Relaxed,
)
from routing.dispatcher import Dispatcher
from routing.domain import (
    Agent,
    AgentStatus,
    Channel,
    CustomerTier,
    DeferralMode,
    Escalation,
    EscalationState,
    Trigger,
    WeeklyShift,
)
from routing.errors import (
    Conflict,
    DuplicateEscalation,
    FieldProblem,
    InvalidInput,
    InvalidTransition,
    OfferNotActive,
    RoutingError,
    UnknownAgent,
    UnknownEntity,
    UnknownEscalation,
    UnknownOffer,
)
from routing.settings import RoutingSettings

__all__ = [
    "Agent",
    "AgentStatus",
    "AgentStatusChanged",
    "Assigned",
    "Channel",
    "Conflict",
    "CustomerTier",
    "Decision",
    "DeferralMode",
    "Deferred",
    "Dispatcher",
    "DuplicateEscalation",
    "Escalation",
    "EscalationState",
    "Explanation",
    "FieldProblem",
    "Finished",
    "InvalidInput",
    "InvalidTransition",
    "Offer",
    "OfferNotActive",
    "OfferRevoked",
    "Queued",
    "Relaxed",
    "RoutingError",
    "RoutingSettings",
    "Trigger",
    "UnknownAgent",
    "UnknownEntity",
    "UnknownEscalation",
    "UnknownOffer",
    "WeeklyShift",
]
