"""Hypothesis strategies for rosters and escalations, and a reference eligibility model.

The reference model re-states the eligibility rules directly from the issue's wording, per agent
and per escalation, without numpy or the dispatcher's caches, so tests can check the dispatcher
against something written independently.
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import strategies as st

from routing.domain import Agent, AgentStatus, Channel, CustomerTier, Escalation, Trigger
from routing.settings import RoutingSettings

SKILLS = ("billing", "tech", "legal")
LANGUAGES = ("en", "es")
REGIONS = ("eu", "us")
CHANNELS_USED = (Channel.CHAT, Channel.VOICE)


@st.composite
def agents(draw: st.DrawFn, agent_id: str) -> Agent:
    skills = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1))
    caps = {Channel.CHAT: draw(st.integers(0, 2)), Channel.VOICE: draw(st.integers(0, 1))}
    if not any(caps.values()):
        caps[Channel.CHAT] = 1
    return Agent(
        id=agent_id,
        skills=skills,
        tier=draw(st.integers(1, 3)),
        languages=frozenset(draw(st.sets(st.sampled_from(LANGUAGES), min_size=1))),
        channel_caps=caps,
        max_total=draw(st.none() | st.integers(1, 2)),
        regions=frozenset(draw(st.sets(st.sampled_from(REGIONS)))),
    )


@st.composite
def escalations(draw: st.DrawFn, esc_id: str, created_s: float) -> Escalation:
    return Escalation(
        id=esc_id,
        created_s=created_s,
        channel=draw(st.sampled_from(CHANNELS_USED)),
        required_skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 4), max_size=2)),
        preferred_skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=1)),
        complexity_tier=draw(st.integers(1, 3)),
        customer_tier=draw(st.sampled_from(list(CustomerTier))),
        language=draw(st.sampled_from(LANGUAGES)),
        customer_region=draw(st.none() | st.sampled_from(REGIONS)),
        trigger=draw(st.sampled_from(list(Trigger))),
        urgency=draw(st.sampled_from([0.0, 0.3, 1.0])),
    )


def reference_eligible(
    agent: Agent,
    esc: Escalation,
    level: int,
    settings: RoutingSettings,
    *,
    status: AgentStatus,
    on_shift: bool,
    load: Mapping[Channel, int],
    offered_before: bool,
) -> bool:
    """May ``agent`` take ``esc`` now, at relaxation ``level``? Written from the rules' wording."""
    steps = settings.relaxation[:level]
    lower = sum(s.lower_min_proficiency_by for s in steps)
    drop_preferred = any(s.drop_preferred_skills for s in steps)
    extra_tiers = sum(s.extra_tiers_above for s in steps)
    widen = any(s.widen_regions for s in steps)
    if status is not AgentStatus.AVAILABLE or not on_shift or offered_before:
        return False
    for skill, minimum in esc.required_skills.items():
        if agent.skills.get(skill, 0) < max(1, minimum - lower):
            return False
    if not drop_preferred:  # preferred skills are required at their level until relaxed
        for skill, level_ in esc.preferred_skills.items():
            if agent.skills.get(skill, 0) < level_:
                return False
    if esc.language not in agent.languages:
        return False
    if not esc.complexity_tier <= agent.tier <= esc.complexity_tier + settings.tier_headroom + extra_tiers:
        return False
    if agent.tier < settings.min_agent_tier.get(esc.customer_tier, 1):
        return False
    # data residency: a customer's region is served only by agents who list it (or a widened
    # one); an agent who lists no region only when the settings opt in
    if esc.customer_region is not None and (agent.regions or not settings.regionless_agents_serve_any_region):
        allowed = {esc.customer_region}
        if widen:
            allowed |= set(settings.region_widening.get(esc.customer_region, ()))
        if not (agent.regions & allowed):
            return False
    cap = agent.channel_caps.get(esc.channel, 0)
    total_cap = agent.max_total if agent.max_total is not None else sum(agent.channel_caps.values())
    return load.get(esc.channel, 0) < cap and sum(load.values()) < total_cap
