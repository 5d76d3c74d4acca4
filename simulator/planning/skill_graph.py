"""The skill graph: which agent groups can serve which demand segments, and the pools it splits into.

Planning side only (networkx; never in the simulation's hot loop). Demand segments and agent
groups form a bipartite graph, joined where a group can serve at least part of a segment
(:func:`build_skill_graph`). Its connected components (:func:`components`) are independent
**pools** a staffing search can size separately. Segments no group can serve, groups that serve
nothing, and the share of a segment no group can serve (say its VIP customers) are reported.
What the graph implies for workload and staffing (the max-flow coverage check and the lower
bound on agents) is in :mod:`simulator.planning.coverage`.

Who can serve what
------------------
A segment is split into **kinds**: one per (language, customer tier) with a share above zero; a
kind's share of the segment's volume is ``languages[lang] * customer_tiers[tier]`` (the simulator
draws them independently). A group serves a kind iff one agent of the group passes every *static*
rule of :mod:`routing.eligibility` (the same functions the dispatcher runs) for an escalation of
that kind at the given relaxation level:

* channel: a cap above 0 on the segment's channel;
* skills and proficiency: every required skill at >= its minimum (at level 0 the preferred skills
  are demanded too, as the dispatcher demands them before its first relaxation step);
* language: speaks the kind's language;
* tier: complexity tier <= group tier <= complexity tier + ``tier_headroom`` (+ relaxation);
* customer-tier policy: group tier >= ``min_agent_tier[customer tier]`` (VIP -> 2 by default);
* region: allowed for the segment's ``customer_region`` (data residency).

Live rules (status, shift, free slot) are what the coverage flow's capacities stand for. Level 0 is what an
escalation meets on arrival; ``relaxation_level="full"`` applies every relaxation step, i.e. what
the escalation accepts after waiting long enough. Level 0 gives the stricter (smaller) graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx  # type: ignore[import-untyped]
import numpy as np

from routing.domain import Agent, CustomerTier, Escalation
from routing.eligibility import STATIC_RULES, requirement_at
from routing.roster import AgentTable
from routing.settings import RoutingSettings
from simulator.scenario import AgentGroup, DemandSegment, Scenario

__all__ = [
    "DemandKind",
    "Pool",
    "Pools",
    "RelaxationLevel",
    "SkillGraph",
    "build_skill_graph",
    "components",
    "scenario_skill_graph",
]

RelaxationLevel = int | Literal["full"]


# ----------------------------------------------------------------------------------------- graph
@dataclass(frozen=True, slots=True)
class DemandKind:
    """The part of a segment with one language and one customer tier; ``share`` of its volume."""

    segment: str
    language: str
    customer_tier: CustomerTier
    share: float


@dataclass(frozen=True, slots=True)
class SkillGraph:
    """Segments, groups and who serves what, at one relaxation level.

    ``graph`` is an undirected networkx graph with nodes ``("segment", name)`` and
    ``("group", name)`` (kept apart, so a segment and a group may share a name), joined where the
    group serves at least one kind of the segment; each edge holds ``kinds`` (the kinds served) and
    ``share`` (their share of the segment's volume). ``serves[k]`` lists the groups serving kind
    ``kinds[k]``.
    """

    segments: tuple[DemandSegment, ...]
    groups: tuple[AgentGroup, ...]
    kinds: tuple[DemandKind, ...]
    serves: tuple[tuple[str, ...], ...]
    graph: Any = field(repr=False)
    relaxation_level: int = 0
    preferred_demanded: bool = True
    proficiency_lowered_by: int = 0

    def segment(self, name: str) -> DemandSegment:
        """The segment called ``name``; raise a KeyError if there is none."""
        for seg in self.segments:
            if seg.segment == name:
                return seg
        raise KeyError(name)

    def group(self, name: str) -> AgentGroup:
        """The agent group called ``name``; raise a KeyError if there is none."""
        for grp in self.groups:
            if grp.group == name:
                return grp
        raise KeyError(name)


def _level(level: RelaxationLevel, settings: RoutingSettings) -> int:
    if level == "full":
        return len(settings.relaxation)
    if isinstance(level, bool) or not isinstance(level, int) or level < 0:
        raise ValueError(f"relaxation_level(={level!r}) must be an int >= 0 or 'full'.")
    return min(level, len(settings.relaxation))


def _group_agent(group: AgentGroup) -> Agent:
    """One agent with the group's profile, always on shift (the graph is about profiles only)."""
    return group.agent(group.group, with_shifts=False)


def build_skill_graph(
    segments: Sequence[DemandSegment],
    groups: Sequence[AgentGroup],
    settings: RoutingSettings | None = None,
    *,
    relaxation_level: RelaxationLevel = 0,
) -> SkillGraph:
    """The skill graph of these segments and groups under ``settings`` (default settings if None).

    Raise a ValueError if segment or group names repeat, or the relaxation level is not an int >= 0
    or ``"full"``.
    """
    settings = settings if settings is not None else RoutingSettings()
    level = _level(relaxation_level, settings)
    for what, names in (("segment", [s.segment for s in segments]), ("group", [g.group for g in groups])):
        if len(set(names)) != len(names):
            raise ValueError(f"{what} names must be unique, got {names}")
    table = AgentTable(max(len(groups), 1))
    for grp in groups:
        table.upsert(_group_agent(grp), 0.0)
    graph = nx.Graph()
    for seg in segments:
        graph.add_node(("segment", seg.segment), bipartite=0)
    for grp in groups:
        graph.add_node(("group", grp.group), bipartite=1)
    kinds: list[DemandKind] = []
    serves: list[tuple[str, ...]] = []
    for seg in segments:
        for language, lang_share in seg.languages.items():
            for tier, tier_share in seg.customer_tiers.items():
                if lang_share <= 0 or tier_share <= 0:
                    continue
                kind = DemandKind(seg.segment, language, tier, lang_share * tier_share)
                escalation = Escalation(
                    id=f"{seg.segment}/{language}/{tier}",
                    created_s=0.0,
                    channel=seg.channel,
                    required_skills=dict(seg.skills),
                    preferred_skills=dict(seg.preferred_skills),
                    complexity_tier=seg.complexity_tier,
                    customer_tier=tier,
                    language=language,
                    customer_region=seg.customer_region,
                )
                req = requirement_at(escalation, level, settings)
                mask = table.present[: table.n].copy()
                for _, rule in STATIC_RULES:
                    mask &= rule(table, req)
                serving = tuple(groups[int(i)].group for i in np.flatnonzero(mask))
                kinds.append(kind)
                serves.append(serving)
                for name in serving:
                    u, v = ("segment", seg.segment), ("group", name)
                    if graph.has_edge(u, v):
                        data = graph.edges[u, v]
                        data["kinds"] = (*data["kinds"], kind)
                        data["share"] += kind.share
                    else:
                        graph.add_edge(u, v, kinds=(kind,), share=kind.share)
    steps = settings.relaxation[:level]
    preferred = not any(step.drop_preferred_skills for step in steps)
    lowered = sum(step.lower_min_proficiency_by for step in steps)
    return SkillGraph(
        tuple(segments), tuple(groups), tuple(kinds), tuple(serves), graph, level, preferred, lowered
    )


def scenario_skill_graph(scenario: Scenario, *, relaxation_level: RelaxationLevel = 0) -> SkillGraph:
    """The skill graph of a scenario's demand segments and roster, under its routing settings.

    Replayed escalations (``scenario.replay``) are not segments and are not in the graph. Raise a
    ValueError if the relaxation level is not an int >= 0 or ``"full"`` (names are unique in a
    loaded scenario).
    """
    return build_skill_graph(
        scenario.demand, scenario.roster, scenario.effective_routing, relaxation_level=relaxation_level
    )


# ----------------------------------------------------------------------------------------- pools
@dataclass(frozen=True, slots=True)
class Pool:
    """One connected component: segments only these groups serve, groups serving only these."""

    segments: tuple[str, ...]
    groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pools:
    """The independent pools, and what falls outside every pool.

    ``unservable_segments``: no group serves any of their volume. ``unservable_shares``: segments
    in a pool of which a part no group serves (segment -> that share of its volume, e.g. the 3 %
    VIP customers when no group has tier >= 2). ``idle_groups``: groups that serve no segment.
    """

    pools: tuple[Pool, ...]
    unservable_segments: tuple[str, ...]
    unservable_shares: Mapping[str, float]
    idle_groups: tuple[str, ...]

    def pool_of(self, name: str) -> Pool | None:
        """The pool holding a segment or group of this name (None if in no pool). Raises nothing."""
        for pool in self.pools:
            if name in pool.segments or name in pool.groups:
                return pool
        return None


def components(graph: SkillGraph) -> Pools:
    """The connected components of the skill graph as :class:`Pools`, in scenario order
    (pools ordered by their first segment; names within a pool in scenario and roster order).
    Raises nothing."""
    seg_order = {s.segment: i for i, s in enumerate(graph.segments)}
    grp_order = {g.group: i for i, g in enumerate(graph.groups)}
    pools: list[Pool] = []
    unservable: list[str] = []
    idle: list[str] = []
    for nodes in nx.connected_components(graph.graph):
        segs = sorted((n[1] for n in nodes if n[0] == "segment"), key=seg_order.__getitem__)
        grps = sorted((n[1] for n in nodes if n[0] == "group"), key=grp_order.__getitem__)
        if segs and grps:
            pools.append(Pool(tuple(segs), tuple(grps)))
        else:
            unservable.extend(segs)
            idle.extend(grps)
    pools.sort(key=lambda p: seg_order[p.segments[0]])
    unservable.sort(key=seg_order.__getitem__)
    idle.sort(key=grp_order.__getitem__)
    dropped = set(unservable)
    shares: dict[str, float] = {}
    for kind, names in zip(graph.kinds, graph.serves, strict=True):
        if not names and kind.segment not in dropped:
            shares[kind.segment] = shares.get(kind.segment, 0.0) + kind.share
    return Pools(tuple(pools), tuple(unservable), shares, tuple(idle))
