"""Response bodies of ``GET /v1/stats``: real-time statistics per tenant and per queue.

A *queue* is a segment of ``GET /v1/queues``: the channel and the required skills (names, sorted).
Every definition is stated once, in the field descriptions below (they are the OpenAPI document's),
and computed in :mod:`routing.service.stats`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from routing.schemas import Instant
from routing.service.schemas import epoch_of

__all__ = ["AgentCounts", "QueueStats", "StatsView", "TodayCounts"]

_OUT = ConfigDict(extra="forbid")


class AgentCounts(BaseModel):
    """Agents on the roster (per queue: those eligible for it), by status now."""

    model_config = _OUT
    eligible: int = Field(
        description="Tenant: agents on the roster (active ones, and deactivated ones still finishing "
        "accepted work). Queue: those of them who work the queue's channel (a cap above 0) and hold "
        "every one of its required skills, whatever their status."
    )
    available: int = Field(description="Status available (offers go to them when they have a free slot).")
    busy: int = Field(description="Status busy.")
    wrap_up: int = Field(
        description="In after-contact work now (a wrap-up after a completion holds their slot), "
        "whatever their status; also counted under it."
    )
    not_responding: int = Field(description="Set by the router after offers expired unanswered.")
    away: int = Field(description="Status away.")
    offline: int = Field(description="Status offline.")


class TodayCounts(BaseModel):
    """Counters since midnight of the tenant's time zone, up to now."""

    model_config = _OUT
    escalations_arrived: int = Field(description="Escalations received today (by the service's clock).")
    escalations_abandoned: int = Field(description="Of those, how many the customer left before acceptance.")
    escalations_cancelled: int = Field(
        description="Of those, how many were withdrawn before acceptance for another reason than the "
        "customer leaving (resolved by the AI, duplicate, ...)."
    )
    escalations_deferred: int = Field(description="Of those, how many went to callback or ticket.")
    accepted_within_threshold: int = Field(
        description="Of those, how many an agent accepted within the threshold (handoff time <= threshold)."
    )
    service_level_basis: int = Field(
        description="Of those, the ones whose outcome against the threshold is known: accepted (at any "
        "time), deferred, or waited longer than the threshold without acceptance (still waiting, or "
        "left or ended after it). Ones still waiting within it, or that left within it, are not counted."
    )
    service_level: float | None = Field(
        description="accepted_within_threshold / service_level_basis (0..1); null while the basis is 0."
    )
    offers_made: int = Field(description="Offers made today (escalation.offered events).")
    offers_accepted: int = Field(description="Offers accepted today (escalation.assigned events).")
    offers_declined: int = Field(description="Offers the agent declined today (offer.declined).")
    offers_expired: int = Field(description="Offers that expired unanswered today (offer.expired).")
    offers_revoked: int = Field(
        description="Offers withdrawn today: agent offline or removed, customer left, ... (offer.revoked)."
    )
    avg_accept_s: float | None = Field(
        description="Mean seconds from the offer to its acceptance, over the offers accepted today; "
        "null: none."
    )
    avg_handoff_s: float | None = Field(
        description="Mean handoff time (escalation created -> accepted), over the offers accepted today; "
        "null: none."
    )


class QueueStats(BaseModel):
    """One queue: a segment of ``GET /v1/queues`` (channel + required skills)."""

    model_config = _OUT
    channel: str
    required_skills: list[str]
    waiting: int = Field(description="Escalations queued now.")
    longest_wait_s: float | None = Field(
        description="Longest wait of those queued now, from creation; null: none waits."
    )
    eta_s: float | None = Field(
        description="Estimated wait of the last in line (as GET /v1/queues); null: none waits, or nobody "
        "is staffed."
    )
    agents: AgentCounts
    today: TodayCounts


class StatsView(BaseModel):
    """Real-time statistics of the tenant, and per queue: the queues with escalations waiting now
    or with escalations or offers today, sorted by channel and skills."""

    model_config = _OUT
    as_of: Instant = Field(description="When the statistics were taken.")
    as_of_s: float = epoch_of("as_of")
    time_zone: str = Field(description="IANA time zone whose midnight starts 'today'.")
    day_started_at: Instant = Field(description="Midnight of today, in that time zone.")
    day_started_at_s: float = epoch_of("day_started_at")
    service_level_threshold_s: float = Field(description="The service level's threshold (30 s by default).")
    service_level_goal: float = Field(
        description="The share within the threshold a queue should reach (0.8 by default)."
    )
    agents: AgentCounts
    waiting: int = Field(description="Escalations queued now.")
    longest_wait_s: float | None = Field(description="Longest wait of those queued now; null: none waits.")
    today: TodayCounts
    queues: list[QueueStats]
