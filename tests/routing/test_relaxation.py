"""Relaxation on its own: the level a wait reaches, ladders shared by look-alikes, and the next
step that actually loosens a requirement."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.cost import base_priority
from routing.domain import MAX_TIER, Channel, Escalation, Trigger
from routing.eligibility import Requirement, requirement_at, requirements_by_level
from routing.relaxation import Ladder, Relaxation
from routing.settings import RelaxationStep, RoutingSettings

from .strategies import escalations

T0 = 1_700_000_000.0
STEPS = (
    RelaxationStep(after_s=30, drop_preferred_skills=True),
    RelaxationStep(after_s=60, lower_min_proficiency_by=1),
    RelaxationStep(after_s=90, widen_regions=True),
)


def relaxation() -> Relaxation:
    return Relaxation(RoutingSettings(relaxation=STEPS, region_widening={"eu": ("us",)}))


def test_level_after_counts_the_steps_due() -> None:
    r = relaxation()
    assert [r.level_after(s) for s in (0, 29.9, 30, 59, 60, 90, 1e9)] == [0, 0, 1, 1, 2, 3, 3]
    assert Relaxation(RoutingSettings(relaxation=())).level_after(1e9) == 0


def test_steps_that_change_nothing_are_skipped() -> None:
    r = relaxation()
    # no preferred skills, no region: only lowering the proficiency changes anything
    plain = Escalation("e1", T0, Channel.CHAT, {"billing": 3})
    ladder = r.ladder(plain)
    assert r.next_step(plain, ladder, 0) == (T0 + 60, 2)
    assert r.next_step(plain, ladder, 2) is None
    regional = Escalation("e2", T0, Channel.CHAT, {"billing": 3}, {"tech": 2}, customer_region="eu")
    ladder = r.ladder(regional)
    assert [r.next_step(regional, ladder, level) for level in range(4)] == [
        (T0 + 30, 1),
        (T0 + 60, 2),
        (T0 + 90, 3),
        None,
    ]


def test_look_alikes_share_a_ladder() -> None:
    r = relaxation()
    a = Escalation("a", T0, Channel.CHAT, {"billing": 3})
    b = Escalation("b", T0 + 5, Channel.CHAT, {"billing": 3})
    c = Escalation("c", T0, Channel.CHAT, {"billing": 4})
    assert r.ladder(a) is r.ladder(b)
    assert r.ladder(a) is not r.ladder(c)
    assert r.ladder(a).top == len(STEPS)


@given(escalations("e1", T0), st.floats(0, 1), st.sampled_from(list(Trigger)))
def test_urgency_and_trigger_keep_the_requirements_and_change_only_the_priority(
    esc: Escalation, urgency: float, trigger: Trigger
) -> None:
    r = relaxation()
    first = r.ladder(esc)
    other = replace(esc, id="other", urgency=urgency, trigger=trigger)
    ladder = r.ladder(other)
    assert ladder.reqs is first.reqs
    assert ladder.next_change is first.next_change
    assert ladder.base_priority == base_priority(other, r.settings)
    assert ladder == Ladder.of(other, r.settings)
    assert r.ladder(esc) == Ladder.of(esc, r.settings)


def test_describe_names_the_step_and_rejects_level_zero() -> None:
    r = relaxation()
    assert r.describe(1) == STEPS[0].describe()
    with pytest.raises(ValueError, match="level"):
        r.describe(0)


def _requirement_one_level(escalation: Escalation, level: int, settings: RoutingSettings) -> Requirement:
    """The requirement at ``level`` computed on its own, step effects summed from scratch: the
    reference :func:`requirements_by_level` must equal level by level."""
    steps = settings.relaxation[:level]
    lower = sum(s.lower_min_proficiency_by for s in steps)
    regions = None
    if escalation.customer_region is not None:
        allowed = {escalation.customer_region}
        if any(s.widen_regions for s in steps):
            allowed.update(settings.region_widening.get(escalation.customer_region, ()))
        regions = frozenset(allowed)
    preferred = tuple(sorted(escalation.preferred_skills.items()))
    return Requirement(
        channel=escalation.channel,
        skills=tuple(sorted((n, max(1, m - lower)) for n, m in escalation.required_skills.items())),
        preferred=preferred,
        preferred_required=bool(preferred) and not any(s.drop_preferred_skills for s in steps),
        language=escalation.language,
        complexity_tier=escalation.complexity_tier,
        max_agent_tier=min(
            MAX_TIER,
            escalation.complexity_tier + settings.tier_headroom + sum(s.extra_tiers_above for s in steps),
        ),
        policy_min_tier=settings.min_agent_tier.get(escalation.customer_tier, 1),
        regions=regions,
        regionless_agents=settings.regionless_agents_serve_any_region,
    )


LADDER_STEPS = (
    *STEPS,
    RelaxationStep(after_s=120, extra_tiers_above=1),
    RelaxationStep(after_s=150, lower_min_proficiency_by=2),
    RelaxationStep(after_s=180),
)


@settings(max_examples=200, deadline=None)
@given(escalations("e1", T0), st.integers(0, len(LADDER_STEPS) + 2))
def test_levels_built_together_equal_each_level_on_its_own(escalation: Escalation, level: int) -> None:
    config = RoutingSettings(relaxation=LADDER_STEPS, region_widening={"eu": ("us",), "us": ("ca",)})
    together = requirements_by_level(escalation, config)
    assert len(together) == len(LADDER_STEPS) + 1
    for k, req in enumerate(together):
        assert req == _requirement_one_level(escalation, k, config)
    assert requirement_at(escalation, level, config) == _requirement_one_level(escalation, level, config)
