"""The cost terms of routing.cost, here the skill-breadth term: keep the flexible agents for the work
only they can do."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.cost import (
    other_skills,
    preferred_miss,
    proficiency_surplus,
    skill_breadth,
    skills_used,
    static_cost,
    tier_distance,
)
from routing.decisions import Decision, Offer
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, Channel, Escalation
from routing.eligibility import EligibilityCache, requirement_at
from routing.roster import AgentTable
from routing.settings import CostWeights, RoutingSettings
from tests.routing.strategies import SKILLS, agents, escalations

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()  # Tuesday 09:00 UTC


def agent(agent_id: str, skills: dict[str, int]) -> Agent:
    return Agent(agent_id, skills, channel_caps={Channel.CHAT: 1})


def table(*agents_: Agent) -> AgentTable:
    t = AgentTable()
    for a in agents_:
        t.upsert(a, T0)
    return t


def breadth_of(t: AgentTable, used: tuple[str, ...]) -> dict[str, float]:
    values = skill_breadth(t, used)
    return {agent_id: float(values[row]) for agent_id, row in t.row.items() if t.present[row]}


def offered_to(decisions: list[Decision]) -> str:
    [offer] = decisions
    assert isinstance(offer, Offer)
    return offer.agent_id


def two_skill_desk(
    weight: float | None = None, *, cross_idle_s: float = 600, spec_idle_s: float = 600
) -> Dispatcher:
    """A cross-trained agent (billing and tech) and a billing specialist, on the roster first."""
    weights = CostWeights() if weight is None else CostWeights(skill_breadth=weight)
    d = Dispatcher(RoutingSettings(weights=weights))
    d.add_agent(agent("cross", {"billing": 3, "tech": 3}), T0 - cross_idle_s, AgentStatus.AVAILABLE)
    d.add_agent(agent("spec", {"billing": 3}), T0 - spec_idle_s, AgentStatus.AVAILABLE)
    d.add_agent(agent("techie", {"tech": 3}), T0 - 600, AgentStatus.AVAILABLE)
    return d


def billing(esc_id: str, at: float = T0) -> Escalation:
    return Escalation(esc_id, at, required_skills={"billing": 2}, channel=Channel.CHAT)


# --------------------------------------------------------------------------- the decision
def test_a_specialist_beats_an_equally_idle_cross_trained_agent() -> None:
    d = two_skill_desk()
    assert offered_to(d.escalation_arrived(billing("e1"), T0)) == "spec"


def test_by_default_a_specialist_beats_a_cross_trained_agent_however_long_idle() -> None:
    # breadth 1/2 x 2 = +1, as much as the idle term can differ: a tie only for a specialist freed
    # this very instant
    d = two_skill_desk(cross_idle_s=8 * 3600, spec_idle_s=1)
    assert offered_to(d.escalation_arrived(billing("e1"), T0)) == "spec"


@pytest.mark.parametrize(("weight", "tech_waits"), [(None, False), (0.0, True)])
def test_the_cross_trained_agent_stays_free_for_the_work_only_they_can_do(
    weight: float | None, tech_waits: bool
) -> None:
    d = Dispatcher(
        RoutingSettings(weights=CostWeights() if weight is None else CostWeights(skill_breadth=weight))
    )
    d.add_agent(agent("cross", {"billing": 3, "tech": 3}), T0 - 900, AgentStatus.AVAILABLE)  # idle longest
    d.add_agent(agent("spec", {"billing": 3}), T0 - 60, AgentStatus.AVAILABLE)
    d.escalation_arrived(billing("e1"), T0)
    tech = Escalation("e2", T0 + 1, required_skills={"tech": 2}, channel=Channel.CHAT)
    [decision] = d.escalation_arrived(tech, T0 + 1)
    assert decision.kind == ("queued" if tech_waits else "offer")


def test_weight_zero_is_longest_idle_first_as_before() -> None:
    equal = two_skill_desk(0.0)  # equal costs: the first agent on the roster, as before the term
    assert offered_to(equal.escalation_arrived(billing("e1"), T0)) == "cross"
    longest = two_skill_desk(0.0, cross_idle_s=900, spec_idle_s=60)
    assert offered_to(longest.escalation_arrived(billing("e1"), T0)) == "cross"


def test_a_light_weight_only_breaks_near_ties() -> None:
    # weight 0.5 x breadth 1/2 = +0.25: a cross-trained agent idle 10 min beats a specialist just freed
    d = two_skill_desk(0.5, cross_idle_s=600, spec_idle_s=0)
    assert offered_to(d.escalation_arrived(billing("e1"), T0)) == "cross"


def test_the_winner_explains_the_term_in_words() -> None:
    d = two_skill_desk()
    [offer] = d.escalation_arrived(billing("e1"), T0)
    assert isinstance(offer, Offer)
    assert offer.explanation is not None
    parts = {p.term: p for p in offer.explanation.cost_parts}
    assert parts["skill_breadth"].text() == "no other skills: +0.00"
    [runner_up] = offer.explanation.runners_up
    assert runner_up.agent_id == "cross"
    assert runner_up.lost_on is not None
    assert runner_up.lost_on.term == "skill_breadth"
    assert runner_up.text() == "cross 1.39 (lost on 1 other skill (tech 3), +1.00)"
    assert offer.explanation.as_dict()["winner_cost"]["skill_breadth"] == 0.0


def test_many_other_skills_are_named_up_to_three() -> None:
    d = Dispatcher()
    skills = {"billing": 3, "a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    d.add_agent(agent("wide", skills), T0 - 600, AgentStatus.AVAILABLE)
    [offer] = d.escalation_arrived(billing("e1"), T0)
    assert isinstance(offer, Offer)
    assert offer.explanation is not None
    parts = {p.term: p for p in offer.explanation.cost_parts}
    assert parts["skill_breadth"].description == "5 other skills (a 1, b 2, c 3, 2 more)"
    # the only holder of each: an equal stake in six skills, five of them elsewhere
    assert parts["skill_breadth"].value == pytest.approx(5 / 6)


# ------------------------------------------------------------------------------- the term
def test_equally_staffed_skills_give_the_share_of_the_agents_skills_for_other_work() -> None:
    t = table(
        *(agent(f"a{i}", {"A": 3}) for i in range(10)),
        *(agent(f"b{i}", {"B": 3}) for i in range(10)),
        *(agent(f"c{i}", {"A": 3, "B": 3, "C": 3}) for i in range(4)),
        *(agent(f"d{i}", {"C": 3}) for i in range(10)),
    )
    values = breadth_of(t, ("A",))
    assert values["a0"] == 0.0  # a specialist
    assert values["b0"] == values["d0"] == 1.0  # none of its skills is for this work
    assert values["c0"] == pytest.approx(2 / 3)  # two of three equally staffed skills elsewhere


def test_a_scarce_other_skill_weighs_more_than_common_ones() -> None:
    t = table(
        *(agent(f"gen{i}", {"general": 4, "billing": 2, "tech": 2}) for i in range(14)),
        *(agent(f"tech{i}", {"general": 3, "tech": 4}) for i in range(4)),
        *(agent(f"bill{i}", {"billing": 4}) for i in range(10)),
    )
    values = breadth_of(t, ("general",))
    assert values["tech0"] > values["gen0"]  # one scarce skill at 4 vs two common ones at 2


def test_preferred_skills_are_this_works_not_other_work() -> None:
    t = table(agent("both", {"billing": 3, "refunds": 3}), agent("refunds", {"refunds": 3}))
    assert breadth_of(t, skills_used((("billing", 2),), (("refunds", 3),)))["both"] == 0.0
    assert breadth_of(t, skills_used((("billing", 2),), ()))["both"] > 0
    assert other_skills(t, t.row["both"], ("billing",)) == [("refunds", 3)]


rosters = st.lists(st.integers(0, 10**6), min_size=1, max_size=7).flatmap(
    lambda seeds: st.tuples(*(agents(f"a{i}") for i in range(len(seeds))))
)
used_skills = st.sets(st.sampled_from(SKILLS)).map(lambda s: tuple(sorted(s)))


@given(rosters, used_skills)
def test_breadth_is_a_share_zero_for_specialists(roster: tuple[Agent, ...], used: tuple[str, ...]) -> None:
    t = table(*roster)
    values = breadth_of(t, used)
    for a in roster:
        value = values[a.id]
        assert 0.0 <= value <= 1.0
        if set(a.skills) <= set(used):
            assert value == 0.0
        if not set(a.skills) & set(used):
            assert value == 1.0
        assert (value > 0) == bool(other_skills(t, t.row[a.id], used))


@given(rosters, used_skills)
def test_other_skills_are_the_agents_held_skills_beyond_the_used_by_name(
    roster: tuple[Agent, ...], used: tuple[str, ...]
) -> None:
    t = table(*roster)
    for a in roster:
        held = sorted((name, level) for name, level in a.skills.items() if level > 0 and name not in used)
        assert other_skills(t, t.row[a.id], used) == held


@given(rosters, used_skills, st.randoms(use_true_random=False))
def test_breadth_depends_on_who_is_on_the_roster_not_on_the_order_they_came(
    roster: tuple[Agent, ...], used: tuple[str, ...], rnd: random.Random
) -> None:
    shuffled = list(roster)
    rnd.shuffle(shuffled)
    gone = Agent("gone", {"zeta": 5, **roster[0].skills}, channel_caps={Channel.CHAT: 1})
    again = table(gone, *shuffled)
    again.remove(again.row["gone"])
    assert breadth_of(again, used) == breadth_of(table(*roster), used)  # the very same floats


@given(rosters, used_skills, st.data())
def test_a_further_skill_for_other_work_never_lowers_breadth(
    roster: tuple[Agent, ...], used: tuple[str, ...], data: st.DataObject
) -> None:
    first = roster[0]
    extra = data.draw(
        st.sampled_from([s for s in (*SKILLS, "zeta") if s not in used and s not in first.skills])
    )
    wider = Agent(
        first.id, {**first.skills, extra: data.draw(st.integers(1, 5))}, channel_caps=first.channel_caps
    )
    before = breadth_of(table(*roster), used)[first.id]
    after = breadth_of(table(wider, *roster[1:]), used)[first.id]
    assert after >= before


@given(rosters, escalations("e1", T0), st.integers(0, 4))
def test_weight_zero_gives_the_static_cost_without_the_term_bit_for_bit(
    roster: tuple[Agent, ...], esc: Escalation, level: int
) -> None:
    settings = RoutingSettings(weights=CostWeights(skill_breadth=0.0))
    t = table(*roster)
    entry = EligibilityCache(t, settings).get(requirement_at(esc, level, settings))
    w = settings.weights
    before = (
        w.proficiency_surplus * entry.surplus
        + w.preferred_skill_miss * entry.preferred_miss
        + w.tier_distance * entry.tier_distance
    )
    assert np.array_equal(entry.cost, before)


@given(rosters, escalations("e1", T0), st.integers(0, 4), st.data())
def test_terms_at_some_rows_are_the_full_arrays_at_them_bit_for_bit(
    roster: tuple[Agent, ...], esc: Escalation, level: int, data: st.DataObject
) -> None:
    settings = RoutingSettings()
    t = table(*roster)
    req = requirement_at(esc, level, settings)
    rows = np.array(sorted(data.draw(st.sets(st.integers(0, t.n - 1)))), np.int64)
    lazy = EligibilityCache(t, settings).get(req)  # terms of some rows before any full array exists
    at_rows = (*lazy.terms_at(rows), lazy.cost_at(rows))
    # the reference: the term functions of routing.cost over the whole roster, then indexed
    full = (
        proficiency_surplus(t, req.skills),
        preferred_miss(t, req.preferred),
        tier_distance(t, req.complexity_tier),
        skill_breadth(t, skills_used(req.skills, req.preferred)),
    )
    full = (*full, static_cost(*full, settings.weights))
    for mine, theirs in zip(at_rows, full, strict=True):
        assert mine.tobytes() == theirs[rows].tobytes()
    entry = EligibilityCache(t, settings).get(req)
    for mine, theirs in zip(
        (entry.surplus, entry.preferred_miss, entry.tier_distance, entry.skill_breadth, entry.cost),
        full,
        strict=True,
    ):
        assert mine.tobytes() == theirs.tobytes()
