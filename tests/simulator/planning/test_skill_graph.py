"""The skill graph: who serves what (as the dispatcher decides), and the pools it splits into."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import simulator.planning.skill_graph as sg
from routing.domain import AgentStatus, CustomerTier, Escalation
from routing.settings import RoutingSettings
from simulator.planning.coverage import check_coverage
from simulator.planning.skill_graph import build_skill_graph, components
from simulator.scenario import AgentGroup, DemandSegment
from tests.routing.strategies import reference_eligible
from tests.simulator.planning.skill_worlds import edges, grp, seg, worlds


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
    groups = [grp("us-only", regions=["us"]), grp("eu", regions=["eu"]), grp("no-region")]
    # residency is strict by default: a group that lists no region does not serve an eu customer
    assert edges(build_skill_graph(segments, groups)) == {("eu", "eu")}
    opted_in = RoutingSettings(regionless_agents_serve_any_region=True)
    assert edges(build_skill_graph(segments, groups, opted_in)) == {("eu", "eu"), ("eu", "no-region")}


def test_bad_arguments_are_rejected_with_the_value() -> None:
    with pytest.raises(ValueError, match=r"relaxation_level\(=-1\)"):
        build_skill_graph([seg("a")], [grp("g")], relaxation_level=-1)
    with pytest.raises(ValueError, match="segment names must be unique"):
        build_skill_graph([seg("a"), seg("a")], [grp("g")])


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
