"""The routing domain: escalations, agents, shifts and their states.

These are the fast, plain structures the decision core works on (frozen dataclasses with slots).
Validation of outside input happens once, at the boundary, in :mod:`routing.schemas`; everything
here is assumed valid. Time is float **seconds since the Unix epoch** (``*_s``); the core never
reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from routing._frozen import fast_init


class Channel(StrEnum):
    """The medium of a conversation. Each agent has a concurrency cap per channel."""

    CHAT = "chat"
    VOICE = "voice"
    EMAIL = "email"
    MESSAGING = "messaging"


#: Channels in a fixed order; a channel's position is its column in the agent capacity arrays.
CHANNELS: tuple[Channel, ...] = tuple(Channel)
CHANNEL_INDEX: Mapping[Channel, int] = {c: i for i, c in enumerate(CHANNELS)}


class CustomerTier(StrEnum):
    """The customer's service tier: it weighs priority and may restrict who serves them."""

    STANDARD = "standard"
    PRIORITY = "priority"
    VIP = "vip"


class Trigger(StrEnum):
    """Why the AI assistant escalated."""

    EXPLICIT_REQUEST = "explicit_request"
    LOW_CONFIDENCE = "low_confidence"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    LOOP = "loop"
    POLICY_TOPIC = "policy_topic"
    VIP = "vip"
    SECURITY = "security"
    LEGAL = "legal"
    OTHER = "other"


class AgentStatus(StrEnum):
    """An agent's presence. Only ``available`` agents receive offers.

    Capacity is separate from presence: an available agent at every channel cap is simply not
    offered more work. ``not_responding`` is set by the dispatcher when offers expire unanswered.
    """

    OFFLINE = "offline"
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    NOT_RESPONDING = "not_responding"


AGENT_STATUSES: tuple[AgentStatus, ...] = tuple(AgentStatus)
STATUS_CODE: Mapping[AgentStatus, int] = {s: i for i, s in enumerate(AGENT_STATUSES)}


class EscalationState(StrEnum):
    """Every escalation that arrived is in exactly one of these states at every moment."""

    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    DEFERRED = "deferred"
    CANCELLED = "cancelled"
    HANDED_BACK = "handed_back"


TERMINAL_STATES = frozenset(
    {
        EscalationState.COMPLETED,
        EscalationState.ABANDONED,
        EscalationState.DEFERRED,
        EscalationState.CANCELLED,
        EscalationState.HANDED_BACK,
    }
)


class CancelReason(StrEnum):
    """Why an escalation was withdrawn before an agent accepted it.

    ``customer_left`` ends in :attr:`EscalationState.ABANDONED` (the simulator's abandonment is
    this cancel); every other reason ends in :attr:`EscalationState.CANCELLED`, so abandonment
    rates count customers who left, not conversations the AI resolved or duplicates.
    """

    CUSTOMER_LEFT = "customer_left"
    RESOLVED_BY_AI = "resolved_by_ai"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @property
    def state(self) -> EscalationState:
        """The terminal state a cancel for this reason ends in."""
        return EscalationState.ABANDONED if self is CancelReason.CUSTOMER_LEFT else EscalationState.CANCELLED


class DeferralMode(StrEnum):
    """What the customer is told when nobody can take the escalation within the horizon."""

    CALLBACK = "callback"
    TICKET = "ticket"


MINUTES_PER_DAY = 24 * 60
MAX_TIER = 3  #: agent and complexity tiers run 1..MAX_TIER
MAX_PROFICIENCY = 5  #: skill proficiency runs 1..MAX_PROFICIENCY


@dataclass(frozen=True, slots=True)
class WeeklyShift:
    """A recurring shift in the agent's local time.

    ``days`` are the weekdays the shift *starts* on (0 = Monday). ``start_min`` and ``end_min`` are
    minutes after local midnight of the start day; ``end_min`` may exceed 1440 for a shift that
    crosses midnight. ``breaks`` are ``(start_min, end_min)`` pairs in the same coordinates, inside
    the shift. Wall-clock local times, so a shift keeps its local hours across DST changes.
    """

    days: frozenset[int]
    start_min: int
    end_min: int
    breaks: tuple[tuple[int, int], ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class Escalation:
    """One conversation handed from the AI assistant to a human: what routing needs of it.

    The context packet (transcript, summary, ...) travels beside it in the service; routing never
    looks at it. ``customer_region`` is a data-residency requirement: only agents who list that
    region (or one ``RoutingSettings.region_widening`` allows) may take it; ``None``: none.
    """

    id: str
    created_s: float
    channel: Channel
    required_skills: Mapping[str, int]
    preferred_skills: Mapping[str, int] = field(default_factory=dict)
    complexity_tier: int = 1
    customer_tier: CustomerTier = CustomerTier.STANDARD
    language: str = "en"
    customer_region: str | None = None
    customer_time_zone: str | None = None
    trigger: Trigger = Trigger.OTHER
    urgency: float = 0.0


@dataclass(frozen=True, slots=True)
class Agent:
    """A human's routing profile. Presence (status) and load are dispatcher state, not profile.

    ``shifts`` of ``None`` means always on shift. ``regions`` lists where the agent may serve
    customers with a data-residency requirement; empty, they serve only customers without one
    (unless ``RoutingSettings.regionless_agents_serve_any_region`` opts in). ``max_total`` caps
    concurrent work across channels (``None``: only the per-channel caps apply).
    """

    id: str
    skills: Mapping[str, int]
    tier: int = 1
    languages: frozenset[str] = frozenset({"en"})
    time_zone: str = "UTC"
    shifts: tuple[WeeklyShift, ...] | None = None
    channel_caps: Mapping[Channel, int] = field(default_factory=lambda: {Channel.CHAT: 1})
    max_total: int | None = None
    regions: frozenset[str] = frozenset()
