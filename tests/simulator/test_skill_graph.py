"""The skill graph: who serves what (as the dispatcher decides), pools, max-flow coverage, bounds."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulator.planning.skill_graph as sg
from routing.domain import AgentStatus, Channel, CustomerTier, Escalation
from routing.settings import RoutingSettings
from simulator.planning.skill_graph import (
    build_skill_graph,
    check_coverage,
    components,
    min_agents,
    scenario_on_queue_agents,
    scenario_skill_graph,
    scenario_workload_erlangs,
    workload_erlangs,
)
from simulator.scenario import AgentGroup, DemandSegment, load_scenario
from tests.routing.strategies import reference_eligible

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def seg(name: str, **kw: Any) -> DemandSegment:
    data: dict[str, Any] = {
        "segment": name,
        "channel": "chat",
        "skills": {"billing": 3},
        "arrivals_per_hour": 10,
        "handle_time": {"distribution": "exponential", "mean_s": 300},
    }
    data.update(kw)
    return DemandSegment.model_validate(data)


def grp(name: str, **kw: Any) -> AgentGroup:
    data: dict[str, Any] = {"group": name, "count": 5, "skills": {"billing": 3}, "channels": {"chat": 1}}
    data.update(kw)
    return AgentGroup.model_validate(data)


def edges(graph: sg.SkillGraph) -> set[tuple[str, str]]:
    return {(u[1], v[1]) if u[0] == "segment" else (v[1], u[1]) for u, v in graph.graph.edges}


def test_public_api() -> None:
    assert len(set(sg.__all__)) == len(sg.__all__)
    for name in sg.__all__:
        assert hasattr(sg, name)


# ------------------------------------------------------------------------------------ who serves
def test_each_rule_decides_an_edge_at_level_0() -> None:
    segments = [seg("a")]
    groups = [
        grp("fits"),
        grp("too-low", skills={"billing": 2}),  # proficiency
        grp("no-skill", skills={"general": 5}),  # skills
        grp("voice-only", channels={"voice": 1}),  # channel
        grp("too-senior", tier=3),  # complexity 1 + headroom 1 < 3
        grp("spanish", languages=["es"]),  # language
    ]
    graph = build_skill_graph(segments, groups)
    assert edges(graph) == {("a", "fits")}


def test_full_relaxation_lowers_proficiency_widens_tiers_and_drops_preferred() -> None:
    segments = [seg("a", preferred_skills={"refunds": 3})]
    groups = [grp("no-refunds"), grp("too-low", skills={"billing": 2}), grp("too-senior", tier=3)]
    assert edges(build_skill_graph(segments, groups)) == set()  # level 0 demands preferred skills
    relaxed = build_skill_graph(segments, groups, relaxation_level="full")
    assert edges(relaxed) == {("a", "no-refunds"), ("a", "too-low"), ("a", "too-senior")}
    assert relaxed.relaxation_level == 4
    assert not relaxed.preferred_demanded
    [cov] = check_coverage(relaxed, {"a": 1.0}, {"no-refunds": 0, "too-low": 0, "too-senior": 0})
    assert cov.bottleneck is not None
    assert dict(cov.bottleneck.skills) == {"billing": 2}  # minimum lowered by one, preferred dropped
    [strict] = check_coverage(build_skill_graph(segments, groups), {"a": 1.0}, {g.group: 1 for g in groups})
    assert strict.bottleneck is not None
    assert dict(strict.bottleneck.skills) == {"billing": 3, "refunds": 3}


def test_vip_share_needs_the_policy_tier_and_is_reported_when_nobody_has_it() -> None:
    segments = [seg("a", customer_tiers={"standard": 0.9, "vip": 0.1}, languages={"en": 0.5, "es": 0.5})]
    graph = build_skill_graph(segments, [grp("tier1", languages=["en", "es"])])
    pools = components(graph)
    assert pools.unservable_shares == pytest.approx({"a": 0.1})
    edge = graph.graph.edges[("segment", "a"), ("group", "tier1")]
    assert edge["share"] == pytest.approx(0.9)
    assert {(k.language, k.customer_tier) for k in edge["kinds"]} == {
        ("en", CustomerTier.STANDARD),
        ("es", CustomerTier.STANDARD),
    }
    strict = RoutingSettings(min_agent_tier={CustomerTier.VIP: 1})
    assert (
        components(
            build_skill_graph(segments, [grp("tier1", languages=["en", "es"])], strict)
        ).unservable_shares
        == {}
    )


def test_region_rule_follows_data_residency() -> None:
    segments = [seg("eu", customer_region="eu")]
    groups = [grp("us-only", regions=["us"]), grp("eu", regions=["eu"]), grp("anywhere")]
    assert edges(build_skill_graph(segments, groups)) == {("eu", "eu"), ("eu", "anywhere")}


def test_bad_arguments_are_rejected_with_the_value() -> None:
    with pytest.raises(ValueError, match=r"relaxation_level\(=-1\)"):
        build_skill_graph([seg("a")], [grp("g")], relaxation_level=-1)
    with pytest.raises(ValueError, match="segment names must be unique"):
        build_skill_graph([seg("a"), seg("a")], [grp("g")])


SKILLS = ("billing", "tech")


@st.composite
def groups_st(draw: st.DrawFn, name: str) -> AgentGroup:
    caps = {"chat": draw(st.integers(0, 3)), "voice": draw(st.integers(0, 1))}
    if not any(caps.values()):
        caps["chat"] = 1
    return grp(
        name,
        skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1)),
        tier=draw(st.integers(1, 3)),
        languages=sorted(draw(st.sets(st.sampled_from(["en", "es"]), min_size=1))),
        channels=caps,
        max_total=draw(st.none() | st.integers(1, 3)),
        regions=sorted(draw(st.sets(st.sampled_from(["eu", "us"])))),
    )


@st.composite
def segments_st(draw: st.DrawFn, name: str) -> DemandSegment:
    vip = draw(st.sampled_from([0.0, 0.2, 1.0]))
    tiers = {t: s for t, s in (("standard", 1 - vip), ("vip", vip)) if s > 0}
    es = draw(st.sampled_from([0.0, 0.5, 1.0]))
    languages = {lang: s for lang, s in (("en", 1 - es), ("es", es)) if s > 0}
    return seg(
        name,
        channel=draw(st.sampled_from(["chat", "voice"])),
        skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=2)),
        preferred_skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=1)),
        complexity_tier=draw(st.integers(1, 3)),
        customer_tiers=tiers,
        languages=languages,
        customer_region=draw(st.none() | st.sampled_from(["eu", "us"])),
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[DemandSegment], list[AgentGroup]]:
    segments = [draw(segments_st(f"s{i}")) for i in range(draw(st.integers(1, 3)))]
    groups = [draw(groups_st(f"g{i}")) for i in range(draw(st.integers(1, 4)))]
    return segments, groups


@given(worlds(), st.sampled_from([0, 1, 2, 3, 4]))
def test_edges_agree_with_the_independent_eligibility_model(
    world: tuple[list[DemandSegment], list[AgentGroup]], level: int
) -> None:
    """A group serves a kind iff the reference model (written from the rules' wording, not from
    routing.eligibility) lets an idle, available agent of the group take such an escalation."""
    segments, groups = world
    routing = RoutingSettings()
    graph = build_skill_graph(segments, groups, routing, relaxation_level=level)
    for kind, serving in zip(graph.kinds, graph.serves, strict=True):
        s = graph.segment(kind.segment)
        esc = Escalation(
            "e",
            0.0,
            s.channel,
            dict(s.skills),
            dict(s.preferred_skills),
            s.complexity_tier,
            kind.customer_tier,
            kind.language,
            s.customer_region,
        )
        expected = tuple(
            g.group
            for g in groups
            if reference_eligible(
                sg._group_agent(g),
                esc,
                level,
                routing,
                status=AgentStatus.AVAILABLE,
                on_shift=True,
                load={},
                offered_before=False,
            )
        )
        assert serving == expected


@given(worlds())
def test_relaxation_only_adds_edges(world: tuple[list[DemandSegment], list[AgentGroup]]) -> None:
    segments, groups = world
    assert edges(build_skill_graph(segments, groups)) <= edges(
        build_skill_graph(segments, groups, relaxation_level="full")
    )


# ----------------------------------------------------------------------------------------- pools
def test_components_split_pools_and_name_what_is_left_out() -> None:
    segments = [
        seg("billing"),
        seg("tech", skills={"tech": 2}),
        seg("legal", skills={"legal": 3}),
        seg("tech-voice", skills={"tech": 2}, channel="voice"),
    ]
    groups = [
        grp("billing-a"),
        grp("tech", skills={"tech": 3}, channels={"chat": 2, "voice": 1}),
        grp("billing-b", skills={"billing": 4}),
        grp("spanish", languages=["es"]),
    ]
    pools = components(build_skill_graph(segments, groups))
    assert [(p.segments, p.groups) for p in pools.pools] == [
        (("billing",), ("billing-a", "billing-b")),
        (("tech", "tech-voice"), ("tech",)),
    ]
    assert pools.unservable_segments == ("legal",)
    assert pools.idle_groups == ("spanish",)
    assert pools.pool_of("tech-voice") == pools.pools[1]
    assert pools.pool_of("legal") is None


def test_segment_and_group_may_share_a_name() -> None:
    pools = components(build_skill_graph([seg("billing")], [grp("billing")]))
    assert [(p.segments, p.groups) for p in pools.pools] == [(("billing",), ("billing",))]


# -------------------------------------------------------------------------------------- coverage
def test_workload_is_arrivals_times_handle_time_over_interval() -> None:
    assert workload_erlangs([30, 0, 6], 300, 900).tolist() == [10.0, 0.0, 2.0]
    with pytest.raises(ValueError, match=r"mean_handle_time_s\(=0\)"):
        workload_erlangs([1], 0, 900)


def shared_pool() -> sg.SkillGraph:
    """a: billing (g1 and g2 serve it); b: tech (only g2)."""
    return build_skill_graph(
        [seg("a"), seg("b", skills={"tech": 1})],
        [grp("g1"), grp("g2", skills={"billing": 3, "tech": 3})],
    )


def test_coverage_exact_when_slots_match_the_workload() -> None:
    [cov] = check_coverage(shared_pool(), {"a": 2.0, "b": 2.0}, {"g1": 1, "g2": 3})
    assert cov.covered
    assert (cov.demand_erlangs, cov.served_erlangs, cov.short_erlangs) == (4.0, 4.0, 0.0)
    assert cov.bottleneck is None


def test_coverage_names_the_bottleneck_of_a_shared_group() -> None:
    """b takes both g2 slots, so a gets only g1's: 1 erlang short; a and b compete for g2, so the
    minimum cut holds both segments and both groups (4 erlangs of demand, 3 of slots)."""
    [cov] = check_coverage(shared_pool(), {"a": 2.0, "b": 2.0}, {"g1": 1, "g2": 2})
    assert not cov.covered
    assert cov.short_erlangs == 1.0
    assert sum(cov.short_by_segment.values()) == 1.0
    b = cov.bottleneck
    assert b is not None
    assert (b.segments, b.groups) == (("a", "b"), ("g1", "g2"))
    assert (b.demand_erlangs, b.capacity_erlangs) == (4.0, 3.0)
    assert dict(b.skills) == {"billing": 3, "tech": 1}
    assert b.channels == (Channel.CHAT,)
    assert "short 1.00 erlangs" in cov.describe()


def test_coverage_bottleneck_leaves_out_segments_that_are_fine() -> None:
    graph = build_skill_graph(
        [seg("a"), seg("b", skills={"tech": 1})], [grp("g1"), grp("g2", skills={"tech": 1})]
    )
    [cov] = check_coverage(graph, {"a": 1.0, "b": 3.5}, {"g1": 1, "g2": 3})
    assert cov.short_by_segment == {"b": 0.5}
    assert cov.short_by_skill == {"tech": 0.5}
    assert cov.bottleneck is not None
    assert (cov.bottleneck.segments, cov.bottleneck.groups) == (("b",), ("g2",))


def test_coverage_respects_channel_caps_and_max_total() -> None:
    graph = build_skill_graph(
        [seg("chat"), seg("voice", channel="voice")],
        [grp("g", channels={"chat": 2, "voice": 1}, max_total=2)],
    )
    [cov] = check_coverage(graph, {"chat": 2.0, "voice": 1.0}, {"g": 1})
    assert cov.short_erlangs == 1.0  # 3 erlangs, 2 slots in all
    [cov] = check_coverage(graph, {"chat": 0.0, "voice": 2.0}, {"g": 1})
    assert cov.short_erlangs == 1.0  # one voice slot per agent
    assert check_coverage(graph, {"chat": 2.0, "voice": 1.0}, {"g": 1.5})[0].covered


def test_unservable_kind_is_always_short() -> None:
    graph = build_skill_graph([seg("a", customer_tiers={"standard": 0.75, "vip": 0.25})], [grp("g")])
    [cov] = check_coverage(graph, {"a": 4.0}, {"g": 100})
    assert cov.short_erlangs == 1.0
    assert cov.bottleneck is not None
    assert cov.bottleneck.groups == ()


def test_coverage_per_interval_and_broadcast() -> None:
    covs = check_coverage(shared_pool(), {"a": [1.0, 2.0, 3.0], "b": 1.0}, {"g1": 1, "g2": 2})
    assert [c.interval for c in covs] == [0, 1, 2]
    assert [c.short_erlangs for c in covs] == [0.0, 0.0, 1.0]


def test_coverage_rejects_bad_inputs_by_name() -> None:
    with pytest.raises(ValueError, match=r"no values for \['b'\]"):
        check_coverage(shared_pool(), {"a": 1.0}, {"g1": 1, "g2": 1})
    with pytest.raises(ValueError, match="unknown names"):
        check_coverage(shared_pool(), {"a": 1.0, "b": 1.0, "c": 1.0}, {"g1": 1, "g2": 1})
    with pytest.raises(ValueError, match=r"agents\['g1'\] must be finite and >= 0"):
        check_coverage(shared_pool(), {"a": 1.0, "b": 1.0}, {"g1": -1, "g2": 1})
    with pytest.raises(ValueError, match="2 intervals but agents has 3"):
        check_coverage(shared_pool(), {"a": [1, 1], "b": 1.0}, {"g1": [1, 1, 1], "g2": 1})


@st.composite
def loads(draw: st.DrawFn, graph: sg.SkillGraph) -> tuple[dict[str, float], dict[str, float]]:
    work = {s.segment: draw(st.sampled_from([0.0, 0.5, 1.0, 2.5, 4.0])) for s in graph.segments}
    staff = {g.group: float(draw(st.integers(0, 4))) for g in graph.groups}
    return work, staff


@settings(max_examples=40)
@given(worlds(), st.data())
def test_max_flow_is_monotone_and_bounded(
    world: tuple[list[DemandSegment], list[AgentGroup]], data: st.DataObject
) -> None:
    """Served never exceeds demand or slots; adding a group or an agent never serves less."""
    segments, groups = world
    graph = build_skill_graph(segments, groups)
    work, staff = data.draw(loads(graph))
    [cov] = check_coverage(graph, work, staff)
    slots = sum(staff[g.group] * sg._slots(g)[1] for g in groups)
    assert cov.served_erlangs <= min(cov.demand_erlangs, slots) + 1e-9
    assert cov.short_erlangs == pytest.approx(cov.demand_erlangs - cov.served_erlangs)
    if cov.bottleneck is not None:
        assert cov.bottleneck.demand_erlangs - cov.bottleneck.capacity_erlangs == pytest.approx(
            cov.short_erlangs
        )
    extra = data.draw(groups_st("extra"))
    bigger = build_skill_graph(segments, [*groups, extra])
    [more] = check_coverage(bigger, work, {**staff, "extra": 2.0})
    assert more.served_erlangs >= cov.served_erlangs
    name = data.draw(st.sampled_from([g.group for g in groups]))
    [raised] = check_coverage(graph, work, {**staff, name: staff[name] + 1})
    assert raised.served_erlangs >= cov.served_erlangs


# ----------------------------------------------------------------------------------- lower bound
def test_min_agents_hand_checked() -> None:
    """chat 5 erlangs (g1: 3 chats; g2: 2 chats or a call, 2 at most), voice 1 erlang (only g2).
    g2 >= 1 for voice; with g2 = 1 chat still needs 4 -> g1 = 2; with g2 = 2 chat gets 3 -> g1 = 1.
    Either way 3 agents; 2 cannot: 3 + 1 < 5 chat slots, or g2 = 2 leaves chat 3 < 5."""
    graph = build_skill_graph(
        [seg("chat"), seg("voice", channel="voice")],
        [grp("g1", channels={"chat": 3}), grp("g2", channels={"chat": 2, "voice": 1}, max_total=2)],
    )
    [bound] = min_agents(graph, {"chat": [5.0, 0.0, 3.0], "voice": [1.0, 0.0, 0.0]})
    assert bound.total.tolist() == [3, 0, 1]
    assert check_coverage(
        graph, {"chat": 5.0, "voice": 1.0}, {g: int(v[0]) for g, v in bound.by_group.items()}
    )[0].covered


@settings(max_examples=30)
@given(worlds(), st.data())
def test_min_agents_mix_covers_and_nothing_smaller_does(
    world: tuple[list[DemandSegment], list[AgentGroup]], data: st.DataObject
) -> None:
    segments, groups = world
    graph = build_skill_graph(segments, groups)
    work, _ = data.draw(loads(graph))
    pools = components(graph)
    for bound in min_agents(graph, work):
        mix = {g.group: 0.0 for g in groups}
        mix.update({g: float(v[0]) for g, v in bound.by_group.items()})
        [cov] = check_coverage(graph, work, mix)
        pool_short = sum(cov.short_by_segment.get(s, 0.0) for s in bound.pool.segments)
        lost = sum(work[s] * pools.unservable_shares.get(s, 0.0) for s in bound.pool.segments)
        assert pool_short == pytest.approx(lost, abs=2e-3)
        assert bound.unserved_erlangs[0] == pytest.approx(lost)
        most = max(sg._slots(graph.group(g))[1] for g in bound.pool.groups)
        need = sum(work[s] for s in bound.pool.segments) - lost
        assert bound.total[0] >= math.ceil(need / most - 1e-6)
        assert bound.total[0] == sum(int(v[0]) for v in bound.by_group.values())


# --------------------------------------------------------------------------------------- scenario
def test_peak_scenario_pool_and_its_unservable_share() -> None:
    """ai_support_peak.yaml: one pool; before relaxation the Spanish billing-refunds customers (15 %)
    need refunds >= 3 (preferred) and Spanish, which no group has together; relaxed, all is served."""
    scenario = load_scenario(SCENARIOS / "ai_support_peak.yaml")
    strict = components(scenario_skill_graph(scenario))
    assert len(strict.pools) == 1
    assert strict.unservable_shares == pytest.approx({"billing-refunds": 0.15})
    relaxed = scenario_skill_graph(scenario, relaxation_level="full")
    assert components(relaxed).unservable_shares == {}
    work = scenario_workload_erlangs(scenario)
    assert work["general-chat"][0] == pytest.approx(13 * 420 / 3600)
    [bound] = min_agents(relaxed, work)
    assert bound.total.min() >= 1
    always = {g.group: g.count * (1 - g.shrinkage) for g in scenario.roster}
    assert all(c.covered for c in check_coverage(relaxed, work, always))
    staff = scenario_on_queue_agents(scenario)
    # dublin-billing: 6 agents x 0.75, 08:00-17:00 Dublin (= UTC in December), break 12:30-13:15
    assert staff["dublin-billing"][[31, 32, 48, 50, 52, 53, 68]].tolist() == pytest.approx(
        [0, 4.5, 4.5, 0, 0, 4.5, 0]
    )
    short = [c for c in check_coverage(relaxed, work, staff) if not c.covered]
    assert short  # the roster leaves technical chats uncovered at night (only Dublin has technical)
    night = short[0]
    assert night.interval == 0
    assert night.bottleneck is not None
    assert night.bottleneck.segments == ("technical",)
