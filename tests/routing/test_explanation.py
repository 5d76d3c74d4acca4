"""Explanations a support manager reads: weighted cost parts that add up, runners-up and why they
lost, rejected agents grouped with every rule they fail, priority parts, relaxation steps."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.cost import COST_TERMS
from routing.decisions import Decision, Deferred, Offer, Queued, decision_as_dict
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, Channel, CustomerTier, Escalation, Trigger, WeeklyShift
from routing.explanation import Explanation, _smallest
from routing.settings import CostWeights, RoutingSettings
from tests.routing.strategies import agents, escalations

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()  # Tuesday 09:00 UTC
NIGHT = (WeeklyShift(frozenset(range(7)), 22 * 60, 23 * 60),)  # off shift at 09:00


def agent(agent_id: str, skills: dict[str, int] | None = None, **kw: object) -> Agent:
    kw.setdefault("channel_caps", {Channel.CHAT: 3})
    return Agent(agent_id, skills or {"billing": 3}, **kw)  # type: ignore[arg-type]


def esc(esc_id: str, at: float = T0, skills: dict[str, int] | None = None, **kw: object) -> Escalation:
    kw.setdefault("channel", Channel.CHAT)
    return Escalation(esc_id, at, required_skills=skills or {"billing": 2}, **kw)  # type: ignore[arg-type]


def desk(*agents_: Agent, since: float = T0 - 240, routing: RoutingSettings | None = None) -> Dispatcher:
    d = Dispatcher(routing)
    for a in agents_:
        d.add_agent(a, since, AgentStatus.AVAILABLE)
    return d


def explained(decision: Decision) -> Explanation:
    assert isinstance(decision, Offer | Queued | Deferred)
    assert decision.explanation is not None
    return decision.explanation


# ------------------------------------------------------------------------------ 1. cost parts
def test_winner_cost_parts_are_weight_times_term_in_readable_units() -> None:
    d = desk(agent("ana", {"billing": 5}, tier=3))
    [offer] = d.escalation_arrived(esc("e1", complexity_tier=2), T0)
    e = explained(offer)
    parts = {p.term: p for p in e.cost_parts}
    assert [p.term for p in e.cost_parts] == [
        "proficiency_surplus",
        "preferred_skill_miss",
        "tier_distance",
        "skill_breadth",
        "load",
        "idle",
    ]
    assert parts["proficiency_surplus"].text() == "proficiency surplus billing 5 vs 2 needed: +0.75"
    assert parts["tier_distance"].text() == "tier 3 for a tier-2 escalation: +0.25"  # weight 0.5 x 1/2
    assert parts["load"].text() == "load 0 of 3 slots: +0.00"
    assert parts["idle"].text() == f"idle 4 min: +{math.exp(-240 / 300):.2f}"
    assert parts["preferred_skill_miss"].description == "no preferred skills"
    assert parts["skill_breadth"].text() == "no other skills: +0.00"
    for p in e.cost_parts:
        assert p.contribution == pytest.approx(p.weight * p.value)


def test_busy_agent_and_preferred_miss_read_as_such() -> None:
    d = desk(agent("ana", {"billing": 3, "refunds": 1}))
    d.escalation_arrived(esc("e0"), T0)  # ana takes one chat
    [offer] = d.escalation_arrived(esc("e1", T0 + 1, preferred_skills={"refunds": 3}), T0 + 1)
    # the preferred skill is required until the first relaxation step, so nobody fits yet
    assert isinstance(offer, Queued)
    [_, offer] = d.tick(T0 + 11)
    assert isinstance(offer, Offer)
    parts = {p.term: p.text() for p in explained(offer).cost_parts}
    assert parts["load"] == "load 1 of 3 slots: +0.33"
    assert parts["idle"] == "busy with 1, not idle: +1.00"
    assert parts["preferred_skill_miss"] == "preferred skills missed 1 of 1 (refunds >= 3): +1.00"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    roster=st.lists(st.integers(0, 10**6), min_size=1, max_size=6).flatmap(
        lambda seeds: st.tuples(*(agents(f"a{i}") for i in range(len(seeds))))
    ),
    escalation=escalations("e1", T0),
    weights=st.builds(
        CostWeights,
        proficiency_surplus=st.floats(0, 3),
        preferred_skill_miss=st.floats(0, 3),
        load=st.floats(0, 3),
        idle=st.floats(0, 3),
        tier_distance=st.floats(0, 3),
        skill_breadth=st.floats(0, 3),
    ),
)
def test_cost_parts_add_up_to_the_total_the_decision_used(
    roster: tuple[Agent, ...], escalation: Escalation, weights: CostWeights
) -> None:
    d = desk(*roster, routing=RoutingSettings(weights=weights))
    for decision in d.escalation_arrived(escalation, T0):
        if isinstance(decision, Offer):
            e = explained(decision)
            assert e.winner_cost is not None
            assert math.isclose(sum(p.contribution for p in e.cost_parts), e.winner_cost.total, abs_tol=1e-9)
            for r in e.runners_up:  # runners-up are no cheaper, or lost_on is None
                assert r.lost_on is None or (r.total >= e.winner_cost.total and r.lost_by > 0)


# -------------------------------------------------------------------------------- 2. runners-up
def test_runners_up_are_the_next_cheapest_with_the_term_they_lost_on() -> None:
    d = desk(
        agent("fit", {"billing": 2}),
        agent("expert", {"billing": 5}),
        agent("senior", {"billing": 2}, tier=2),
        agent("mid", {"billing": 3}),
        agent("other", {"billing": 4}),
    )
    [offer] = d.escalation_arrived(esc("e1"), T0)
    assert isinstance(offer, Offer)
    assert offer.agent_id == "fit"
    e = explained(offer)
    assert [r.agent_id for r in e.runners_up] == ["senior", "mid", "other"]  # at most three
    senior, mid, _ = e.runners_up
    assert senior.lost_on is not None
    assert senior.lost_on.term == "tier_distance"
    assert senior.lost_by == pytest.approx(0.25)
    assert senior.text() == "senior 0.70 (lost on tier 2 for a tier-1 escalation, +0.25)"
    assert mid.lost_on is not None
    assert mid.lost_on.description == "proficiency surplus billing 3 vs 2 needed"
    assert [r.total for r in e.runners_up] == sorted(r.total for r in e.runners_up)
    assert e.winner_cost is not None
    assert all(r.total >= e.winner_cost.total for r in e.runners_up)


def test_a_lone_eligible_agent_has_no_runners_up() -> None:
    [offer] = desk(agent("ana")).escalation_arrived(esc("e1"), T0)
    assert explained(offer).runners_up == ()


# ------------------------------------------------------------------- 3. rejections, every rule
def test_rejected_agents_grouped_by_reason_with_every_rule_they_fail() -> None:
    d = desk(
        agent("ok", {"legal": 4}, channel_caps={Channel.VOICE: 1}, tier=3),
        agent("night1", {"legal": 4}, channel_caps={Channel.VOICE: 1}, tier=3, shifts=NIGHT),
        agent("night2", {"legal": 4}, channel_caps={Channel.VOICE: 1}, tier=3, shifts=NIGHT),
        agent("night3", {"billing": 3}, channel_caps={Channel.VOICE: 1}, tier=3, shifts=NIGHT),
        agent("night4", {"legal": 2}, channel_caps={Channel.VOICE: 1}, tier=3, shifts=NIGHT),
        agent("chatty", {"legal": 4}, tier=3),
    )
    [offer] = d.escalation_arrived(
        esc("e1", skills={"legal": 3}, channel=Channel.VOICE, complexity_tier=3), T0
    )
    assert isinstance(offer, Offer)
    assert offer.agent_id == "ok"
    e = explained(offer)
    groups = e.rejections()
    assert [(g.rule, g.count) for g in groups] == [("on_shift", 4), ("channel", 1)]
    off_shift, no_voice = groups
    assert off_shift.also == {"skills": 1, "proficiency": 1}
    assert off_shift.text == "4 off shift (also: 1 without legal, 1 below legal >= 3)"
    assert no_voice.text == "1 no voice channel (also: 1 no free voice slot)"
    assert dict(off_shift.agents) == {
        "night1": ["on_shift"],
        "night2": ["on_shift"],
        "night3": ["on_shift", "skills"],
        "night4": ["on_shift", "proficiency"],
    }
    assert e.failed_rules("night3") == ["on_shift", "skills"]
    assert e.failed_rules("ok") == []
    assert e.lines()[0] == (
        "eligible 1 of 6; rejected 5: 4 off shift (also: 1 without legal, 1 below legal >= 3), "
        "1 no voice channel (also: 1 no free voice slot)"
    )
    # the first-rule view the service and the audit store is unchanged
    assert e.rejected == {"on_shift": ["night1", "night2", "night3", "night4"], "channel": ["chatty"]}


def test_rejection_agent_lists_are_capped_but_counts_are_not() -> None:
    d = desk(*(agent(f"n{i}", shifts=NIGHT) for i in range(5)), agent("ok"))
    [offer] = d.escalation_arrived(esc("e1"), T0)
    [group] = explained(offer).rejections(max_agents=2)
    assert group.count == 5
    assert [a for a, _ in group.agents] == ["n0", "n1"]


# -------------------------------------------------------------------------------- 4. priority
def test_priority_parts_add_up_to_the_priority() -> None:
    d = desk(agent("ana", tier=2, shifts=(WeeklyShift(frozenset(range(7)), 9 * 60 + 1, 17 * 60),)))
    e1 = esc("e1", customer_tier=CustomerTier.VIP, urgency=0.5, trigger=Trigger.SECURITY)
    assert [x.kind for x in d.escalation_arrived(e1, T0)] == ["queued"]  # ana starts at 09:01
    [offer] = [x for x in d.tick(T0 + 90) if isinstance(x, Offer)]
    e = explained(offer)
    assert [(p.part, p.text()) for p in e.priority_parts] == [
        ("customer_tier", "customer tier vip: +4.00"),
        ("urgency", "urgency 0.5 x 2: +1.00"),
        ("trigger", "trigger security: +1.50"),
        ("aging", "waited 1.5 min: +1.50"),
    ]
    assert sum(p.value for p in e.priority_parts) == pytest.approx(e.priority, abs=1e-6)
    assert e.priority == pytest.approx(d.priority_of("e1", T0 + 90), abs=1e-9)


# ------------------------------------------------------------------------------ relaxation
def test_relaxation_lists_the_steps_applied_and_whether_the_offer_needed_them() -> None:
    d = desk(agent("low", {"billing": 2}))
    [queued] = d.escalation_arrived(esc("e1", skills={"billing": 3}), T0)
    assert isinstance(queued, Queued)
    offer = next(x for x in d.tick(T0 + 30) if isinstance(x, Offer))
    e = explained(offer)
    assert e.relaxation_steps == (
        "after 10s: preferred skills no longer required",
        "after 30s: minimum proficiency lowered by 1",
    )
    assert e.relaxation_needed is True
    assert e.lines()[-1].endswith("(needed for this offer)")


def test_an_unrelaxed_offer_lists_no_steps() -> None:
    [offer] = desk(agent("ana")).escalation_arrived(esc("e1"), T0)
    e = explained(offer)
    assert e.relaxation_steps == ()
    assert e.relaxation_needed is None


# ------------------------------------------------------------------------------- as_dict
def test_as_dict_keeps_the_stored_keys_and_adds_the_readable_ones() -> None:
    d = desk(agent("fit", {"billing": 2}), agent("night", shifts=NIGHT), agent("mid", {"billing": 3}))
    [offer] = d.escalation_arrived(esc("e1"), T0)
    out = decision_as_dict(offer)["explanation"]
    stored = {"considered", "eligible", "rejected_counts", "rejected", "winner_cost", "priority"}
    assert stored | {"relaxation", "residency"} <= out.keys()
    assert out["rejected"] == {"on_shift": ["night"]}
    assert out["winner_cost"].keys() == {
        "proficiency_surplus",
        "preferred_skill_miss",
        "tier_distance",
        "skill_breadth",
        "load",
        "idle",
        "total",
    }
    assert [p["term"] for p in out["cost_parts"]] == list(COST_TERMS)
    assert out["runners_up"][0]["agent_id"] == "mid"
    assert out["runners_up"][0]["lost_on"] == "proficiency_surplus"
    assert out["rejections"] == [
        {
            "rule": "on_shift",
            "count": 1,
            "text": "1 off shift",
            "also": {},
            "agents": [{"id": "night", "fails": ["on_shift"]}],
        }
    ]
    assert [p["part"] for p in out["priority_parts"]] == ["customer_tier", "urgency", "trigger", "aging"]
    assert out["lines"] == explained(offer).lines()


# ------------------------------------------------------------------------------ ranking rule
def fill_then_free(d: Dispatcher, *arrivals: Escalation) -> list[Decision]:
    """Keep ana (1 chat slot) busy while ``arrivals`` queue, then free her: her next offer."""
    [busy] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(busy.offer_id, T0)  # type: ignore[union-attr]
    for e in arrivals:
        d.escalation_arrived(e, e.created_s)
    return [x for x in d.work_completed("busy", T0 + 100) if isinstance(x, Offer)]


def test_a_freed_agent_says_it_took_the_highest_priority_waiting() -> None:
    d = desk(agent("ana", tier=2, channel_caps={Channel.CHAT: 1}))  # VIPs go to tier >= 2
    [offer] = fill_then_free(
        d,
        esc("std", T0 + 1, customer_tier=CustomerTier.STANDARD),
        esc("vip", T0 + 2, customer_tier=CustomerTier.VIP),
    )
    assert offer.escalation_id == "vip"
    text = explained(offer).ranked_first
    assert text is not None
    assert text.startswith("ranked first of 2 waiting that ana could take: highest priority")
    assert "next std" in text
    assert text in explained(offer).lines()
    assert explained(offer).as_dict()["ranked_first"] == text


def test_equal_priority_in_one_group_goes_to_the_first_in_line() -> None:
    d = desk(agent("ana", channel_caps={Channel.CHAT: 1}))
    [offer] = fill_then_free(d, esc("first", T0 + 1), esc("second", T0 + 2))
    assert offer.escalation_id == "first"
    # one requirement group: only its head contends, so the pick was the only candidate
    assert explained(offer).ranked_first == "the only waiting escalation ana could take"


def test_equal_priority_across_groups_goes_to_the_better_fit() -> None:
    # arrived together (equal aging); ana's billing 3 against a billing-3 minimum (no surplus) or a
    # billing-1 one (surplus 2)
    d = desk(agent("ana", {"billing": 3}, channel_caps={Channel.CHAT: 1}))
    [offer] = fill_then_free(
        d, esc("easy", T0 + 1, skills={"billing": 1}), esc("exact", T0 + 1, skills={"billing": 3})
    )
    text = explained(offer).ranked_first
    assert offer.escalation_id == "exact"
    assert text is not None
    assert "equal priority" in text
    assert "fits it better" in text


def test_an_arrival_offered_at_once_has_no_ranking() -> None:
    d = desk(agent("ana"))
    [offer] = d.escalation_arrived(esc("e1"), T0)
    assert explained(offer).ranked_first is None


@given(st.lists(st.sampled_from([0.5, 1.0, 1.25, 2.0, 3.0]), max_size=40), st.integers(1, 5))
def test_the_runners_up_are_the_cheapest_in_a_stable_sort(values: list[float], k: int) -> None:
    """The partial selection of runners-up picks what a full stable sort picks, ties in row order."""
    a = np.array(values, dtype=np.float64)
    assert _smallest(a, k).tolist() == np.argsort(a, kind="stable")[:k].tolist()
