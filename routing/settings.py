"""Routing settings: every weight, timeout and policy of the decision core, in one object.

The service and the simulator pass the same :class:`RoutingSettings`, so a scenario simulated with
settings S routes exactly as the service configured with S. Every field has a documented default
that suits a chat-first AI support desk aiming at a 30 s handoff.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from routing.domain import Channel, CustomerTier, DeferralMode, Trigger

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class CostWeights(BaseModel):
    """Weights of the agent cost terms; each term is scaled to [0, 1] before weighting.

    The winner of an escalation is the eligible agent of least weighted cost.
    """

    model_config = _FROZEN

    proficiency_surplus: float = Field(1.0, ge=0, description="Do not burn experts on easy work.")
    preferred_skill_miss: float = Field(1.0, ge=0, description="Share of preferred skills not met.")
    load: float = Field(1.0, ge=0, description="Current concurrency over the agent's total cap.")
    idle: float = Field(1.0, ge=0, description="Recently idle agents cost more: longest idle first.")
    tier_distance: float = Field(0.5, ge=0, description="Agent tier above the complexity tier.")
    skill_breadth: float = Field(
        2.0,
        ge=0,
        description="How much of the agent lies in skills this escalation does not use (each skill "
        "by the agent's share of the roster's proficiency in it): keep cross-trained agents for the "
        "work only they can do. At 2 a cross-trained agent with half its stake elsewhere (+1, as much "
        "as the idle term can differ) loses to an idle specialist however long it has been idle; "
        "0: longest idle first, whatever else the agent can do (measured: "
        "tests/benchmarks/bench_skill_breadth.py).",
    )


class PriorityWeights(BaseModel):
    """Escalation priority = customer tier + urgency + trigger + aging per minute waited."""

    model_config = _FROZEN

    customer_tier: dict[CustomerTier, float] = Field(
        default_factory=lambda: {
            CustomerTier.STANDARD: 1.0,
            CustomerTier.PRIORITY: 2.0,
            CustomerTier.VIP: 4.0,
        }
    )
    urgency: float = Field(2.0, ge=0, description="Multiplies urgency (0-1).")
    trigger: dict[Trigger, float] = Field(
        default_factory=lambda: {
            Trigger.NEGATIVE_SENTIMENT: 1.0,
            Trigger.EXPLICIT_REQUEST: 0.5,
            Trigger.SECURITY: 1.5,
            Trigger.LEGAL: 1.0,
            Trigger.LOOP: 0.5,
        }
    )
    aging_per_min: float = Field(
        1.0, ge=0, description="Priority gained per minute waited, so nobody starves behind VIPs."
    )


class RelaxationStep(BaseModel):
    """After ``after_s`` of waiting, loosen the requirements (effects accumulate over steps)."""

    model_config = _FROZEN

    after_s: float = Field(gt=0)
    drop_preferred_skills: bool = False
    lower_min_proficiency_by: int = Field(0, ge=0, le=4)
    extra_tiers_above: int = Field(0, ge=0, le=2)
    widen_regions: bool = False

    def describe(self) -> str:
        parts = []
        if self.drop_preferred_skills:
            parts.append("preferred skills no longer required")
        if self.lower_min_proficiency_by:
            parts.append(f"minimum proficiency lowered by {self.lower_min_proficiency_by}")
        if self.extra_tiers_above:
            parts.append(f"agents up to {self.extra_tiers_above} more tier(s) above allowed")
        if self.widen_regions:
            parts.append("regions widened where residency allows")
        return f"after {self.after_s:g}s: " + (", ".join(parts) or "no change")


def _default_relaxation() -> tuple[RelaxationStep, ...]:
    return (
        RelaxationStep(after_s=10, drop_preferred_skills=True),
        RelaxationStep(after_s=30, lower_min_proficiency_by=1),
        RelaxationStep(after_s=60, extra_tiers_above=1),
        RelaxationStep(after_s=90, widen_regions=True),
    )


class DeferralPolicy(BaseModel):
    """When nobody eligible is (or will soon be) on shift, tell the customer what happens next."""

    model_config = _FROZEN

    horizon_s: float = Field(
        900.0, ge=0, description="Queue rather than defer if an eligible agent starts within this."
    )
    mode: dict[Channel, DeferralMode] = Field(
        default_factory=lambda: {
            Channel.VOICE: DeferralMode.CALLBACK,
            Channel.CHAT: DeferralMode.TICKET,
            Channel.MESSAGING: DeferralMode.TICKET,
            Channel.EMAIL: DeferralMode.TICKET,
        }
    )


class ReofferPolicy(BaseModel):
    """When an agent may be offered again an escalation whose offer to them failed.

    A failed offer -- declined, expired unanswered, or withdrawn because the agent went offline or
    left the roster -- keeps the escalation from that agent for a cool-down: ``after_decline_s``
    after a decline, ``after_expiry_s`` after the others. Then the agent is eligible for it again
    like anyone else. An escalation only waits while no agent who may take it has a free slot, so a
    re-offer goes to an agent who had it only when nobody else can take it then. An agent who let
    an offer expire is usually not-responding (``missed_offers_before_not_responding``), so they
    get it again once they are available again. One agent is offered one escalation at most
    ``max_offers_per_agent`` times (``None``: no limit); when every agent who could take it has
    used them up and nobody else eligible is on shift or due within the deferral horizon, it is
    deferred, and the deferral says so.
    """

    model_config = _FROZEN

    after_decline_s: float = Field(
        60.0, ge=0, description="Cool-down before an agent who declined may be offered it again."
    )
    after_expiry_s: float = Field(
        0.0,
        ge=0,
        description="Cool-down after an offer expired or was withdrawn (0: as soon as the agent is "
        "available again).",
    )
    max_offers_per_agent: int | None = Field(
        2, ge=1, description="Offers of one escalation to one agent, at most (None: no limit)."
    )

    def cool_down_s(self, *, declined: bool) -> float:
        """The cool-down after a failed offer: a decline's, or an expiry's (and withdrawal's)."""
        return self.after_decline_s if declined else self.after_expiry_s


class SolverSettings(BaseModel):
    """Limits of the batch assignment solve."""

    model_config = _FROZEN

    time_limit_s: float = Field(0.2, gt=0)
    candidates_per_escalation: int = Field(
        64,
        ge=1,
        description="Cheapest agents kept per escalation; the solve is exact when a batch "
        "has no more escalations than this.",
    )
    max_arcs: int = Field(400_000, ge=1)


class RoutingSettings(BaseModel):
    """Everything the dispatcher decides by. Defaults are documented per field."""

    model_config = _FROZEN

    weights: CostWeights = Field(default_factory=CostWeights)
    priority: PriorityWeights = Field(default_factory=PriorityWeights)
    relaxation: tuple[RelaxationStep, ...] = Field(default_factory=_default_relaxation)
    offer_timeout_s: dict[Channel, float] = Field(
        default_factory=lambda: {c: 20.0 for c in Channel},
        description="Accept timeout of an offer; 20 s leaves room for one re-offer inside 30 s.",
    )
    missed_offers_before_not_responding: int = Field(1, ge=1)
    tier_headroom: int = Field(
        1,
        ge=0,
        le=2,
        description="Agents may be at most this many tiers above the complexity tier "
        "(before relaxation), keeping experts for hard work.",
    )
    min_agent_tier: dict[CustomerTier, int] = Field(
        default_factory=lambda: {CustomerTier.VIP: 2},
        description="Customer-tier policy: e.g. VIP customers only to agents of tier >= 2.",
    )
    region_widening: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Customer region -> extra agent regions allowed once regions are widened; a "
        "region absent here is never widened (strict data residency).",
    )
    regionless_agents_serve_any_region: bool = Field(
        False,
        description="Data residency: a customer with a region is offered only to agents who list "
        "that region (or a region_widening one). An agent who lists no region serves only "
        "customers without one, unless this opt-in is true.",
    )
    deferral: DeferralPolicy = Field(default_factory=DeferralPolicy)
    reoffer: ReofferPolicy = Field(default_factory=ReofferPolicy)
    idle_scale_s: float = Field(300.0, gt=0, description="Idle time at which the idle term is 1/e.")
    completion_window_s: float = Field(
        900.0, gt=0, description="Time constant of the recent completion rate used for ETAs."
    )
    default_handle_time_s: dict[Channel, float] = Field(
        default_factory=lambda: {
            Channel.CHAT: 600.0,
            Channel.VOICE: 420.0,
            Channel.EMAIL: 900.0,
            Channel.MESSAGING: 900.0,
        },
        description="Handle time assumed for ETAs until completions have been observed.",
    )
    arrival_batch_window_s: float = Field(
        0.0,
        ge=0,
        le=30,
        description="Hold arrivals that could be offered now this long and route them together in "
        "one batch solve, so one taking its cheapest agent does not strand the next (0: route each "
        "at once). Each waits at most this long.",
    )
    solver: SolverSettings = Field(default_factory=SolverSettings)
    wrap_up_s: dict[Channel, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict,
        description="After-contact work: how long, at most, an agent keeps the slot after completing "
        "an escalation of the channel (absent or 0: the slot frees at completion). A completion may "
        "ask for less; one that does not say gets all of it.",
    )
    callback_channels: frozenset[Channel] = Field(
        frozenset({Channel.VOICE}),
        description="Channels whose waiting customers may ask to be called back instead of holding.",
    )

    @model_validator(mode="after")
    def _relaxation_in_order(self) -> RoutingSettings:
        times = [s.after_s for s in self.relaxation]
        if times != sorted(times) or len(set(times)) != len(times):
            raise ValueError(f"relaxation steps must have strictly increasing after_s, got {times}")
        return self

    def wrap_up_for(self, channel: Channel) -> float:
        """The most wrap-up time of ``channel`` (0: none)."""
        return self.wrap_up_s.get(channel, 0.0)

    def offer_timeout_for(self, channel: Channel) -> float:
        return self.offer_timeout_s.get(channel, 20.0)
