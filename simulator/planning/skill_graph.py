"""The skill graph: which agent groups can serve which demand segments, and what that implies.

Planning side only (networkx; never in the simulation's hot loop). Three questions:

1. **Pools** (:func:`components`): demand segments and agent groups form a bipartite graph, joined
   where a group can serve at least part of a segment. Its connected components are independent
   pools a staffing search can size separately. Segments no group can serve, groups that serve
   nothing, and the share of a segment no group can serve (say its VIP customers) are reported.
2. **Coverage** (:func:`check_coverage`): per interval, a max-flow says whether the staffed agents
   can carry the mean workload at all, and when they cannot, which segments (and skills) are short,
   by how many erlangs, and which groups form the bottleneck (a minimum cut).
3. **A lower bound** (:func:`min_agents`): per interval and pool, the fewest agents that could carry
   the mean workload at 100 % occupancy.

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

Live rules (status, shift, free slot) are what the flow's capacities stand for. Level 0 is what an
escalation meets on arrival; ``relaxation_level="full"`` applies every relaxation step, i.e. what
the escalation accepts after waiting long enough. Level 0 gives the stricter (smaller) graph.

Units
-----
Workload is in **erlangs**: the mean number of conversations in progress, ``arrivals in the
interval x mean handle time_s / interval_s`` (= arrival rate per second x mean handle time). An
agent of a group with cap ``c`` on a channel carries at most ``c`` erlangs of that channel and at
most ``max_total`` (or the sum of its caps) erlangs in all. This ignores queueing: meeting a
service level always needs more than this, so every answer here is a bound, never a staffing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import networkx as nx  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp

from routing.domain import Agent, Channel, CustomerTier, Escalation
from routing.eligibility import STATIC_RULES, requirement_at
from routing.roster import AgentTable
from routing.settings import RoutingSettings
from routing.shifts import work_intervals
from simulator.scenario import AgentGroup, DemandSegment, Scenario

__all__ = [
    "MILLI",
    "Bottleneck",
    "DemandKind",
    "IntervalCoverage",
    "Pool",
    "PoolBound",
    "Pools",
    "SkillGraph",
    "build_skill_graph",
    "check_coverage",
    "components",
    "min_agents",
    "scenario_on_queue_agents",
    "scenario_skill_graph",
    "scenario_workload_erlangs",
    "workload_erlangs",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
RelaxationLevel = int | Literal["full"]

MILLI: Final = 1000
"""Max-flow capacities are integers in milli-erlangs (networkx's max-flow is exact on integers).
Workload is rounded up and capacity down, so "covered" is never claimed on rounding alone."""

_SOURCE: Final = ("source",)
_SINK: Final = ("sink",)


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
        for seg in self.segments:
            if seg.segment == name:
                return seg
        raise KeyError(name)

    def group(self, name: str) -> AgentGroup:
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

    Replayed escalations (``scenario.replay``) are not segments and are not in the graph.
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
        """The pool holding a segment or group of this name (None if in no pool)."""
        for pool in self.pools:
            if name in pool.segments or name in pool.groups:
                return pool
        return None


def components(graph: SkillGraph) -> Pools:
    """The connected components of the skill graph as :class:`Pools`, in scenario order
    (pools ordered by their first segment; names within a pool in scenario and roster order)."""
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


# -------------------------------------------------------------------------------------- workload
def workload_erlangs(
    arrivals_per_interval: npt.ArrayLike, mean_handle_time_s: float, interval_s: float
) -> FloatArray:
    """Erlangs per interval: ``arrivals x mean handle time_s / interval_s``.

    Raise a ValueError if arrivals are negative or not finite, or the times are not > 0.
    """
    arrivals = np.asarray(arrivals_per_interval, dtype=np.float64)
    if not np.all(np.isfinite(arrivals)) or np.any(arrivals < 0):
        raise ValueError(f"arrivals_per_interval(={arrivals}) must be finite and >= 0.")
    if not mean_handle_time_s > 0 or not math.isfinite(mean_handle_time_s):
        raise ValueError(f"mean_handle_time_s(={mean_handle_time_s}) must be a finite number > 0.")
    if not interval_s > 0 or not math.isfinite(interval_s):
        raise ValueError(f"interval_s(={interval_s}) must be a finite number > 0.")
    out: FloatArray = arrivals * (mean_handle_time_s / interval_s)
    return out


def scenario_workload_erlangs(scenario: Scenario) -> dict[str, FloatArray]:
    """Per demand segment, its mean workload in erlangs in each interval (warm-up included), from
    the rates the simulator generates (peaks applied) and the mean of its handle time."""
    from simulator.demand import segment_rates_per_s  # the simulator's own rates, peaks applied

    return {seg.segment: segment_rates_per_s(seg, scenario) * seg.handle_time.mean for seg in scenario.demand}


def scenario_on_queue_agents(scenario: Scenario) -> dict[str, FloatArray]:
    """Per roster group, its agents on the queue in each interval (warm-up included): ``count x
    (1 - shrinkage) x`` the share of the interval its shifts (less breaks) cover, in the group's
    time zone. The ``agents`` input of :func:`check_coverage` for the scenario's own roster."""

    starts = scenario.interval_starts_s
    interval_s = scenario.interval_s
    out: dict[str, FloatArray] = {}
    for grp in scenario.roster:
        share = np.ones(starts.size)
        if grp.shifts is not None:
            shifts = tuple(s.to_domain() for s in grp.shifts)
            for i, lo in enumerate(starts.tolist()):
                hi = lo + interval_s
                spans = work_intervals(shifts, grp.time_zone, lo)
                share[i] = sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in spans) / interval_s
        out[grp.group] = grp.count * (1.0 - grp.shrinkage) * share
    return out


def _columns(
    what: str, names: Sequence[str], values: Mapping[str, npt.ArrayLike], n: int | None
) -> tuple[FloatArray, int]:
    """``values`` as a (names x intervals) array; each entry a scalar or a 1-D array."""
    missing = [name for name in names if name not in values]
    if missing:
        raise ValueError(f"{what}: no values for {missing}")
    extra = sorted(set(values) - set(names))
    if extra:
        raise ValueError(f"{what}: unknown names {extra}")
    arrays = [np.atleast_1d(np.asarray(values[name], dtype=np.float64)) for name in names]
    lengths = {a.size for a in arrays if a.size != 1}
    if n is not None:
        lengths.add(n)
    if len(lengths) > 1 or any(a.ndim != 1 for a in arrays):
        raise ValueError(f"{what}: every entry must be a scalar or a 1-D array of one length, got {lengths}")
    size = lengths.pop() if lengths else 1
    out = np.zeros((len(names), size))
    for i, (name, a) in enumerate(zip(names, arrays, strict=True)):
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ValueError(f"{what}[{name!r}] must be finite and >= 0, got {a}")
        out[i] = a
    return out, size


# -------------------------------------------------------------------------------------- coverage
@dataclass(frozen=True, slots=True)
class Bottleneck:
    """A minimum cut: these segments need ``demand_erlangs`` but only these groups can serve them,
    with ``capacity_erlangs`` of slots they can spare for them; the gap is the interval's shortfall.

    ``skills`` are the skills those segments demand (at the graph's relaxation level) and
    ``channels`` their channels: what the missing agents must have.
    """

    segments: tuple[str, ...]
    groups: tuple[str, ...]
    skills: Mapping[str, int]
    channels: tuple[Channel, ...]
    demand_erlangs: float
    capacity_erlangs: float


@dataclass(frozen=True, slots=True)
class IntervalCoverage:
    """Whether one interval's workload fits the staffed slots (a max-flow), and if not, where.

    ``short_erlangs`` is exact (to a milli-erlang): total workload minus the max flow.
    ``short_by_segment`` splits it by segment as one maximum flow does; when several segments share
    the bottleneck the split is one of many equally good ones, the total and the
    :class:`Bottleneck` are not. ``short_by_skill`` sums ``short_by_segment`` over the segments
    demanding each skill.
    """

    interval: int
    demand_erlangs: float
    served_erlangs: float
    short_erlangs: float
    short_by_segment: Mapping[str, float]
    short_by_skill: Mapping[str, float]
    bottleneck: Bottleneck | None

    @property
    def covered(self) -> bool:
        return self.short_erlangs == 0

    def describe(self) -> str:
        """One line for a planner."""
        if self.covered:
            return f"interval {self.interval}: {self.demand_erlangs:.2f} erlangs covered"
        b = self.bottleneck
        assert b is not None
        skills = ", ".join(f"{s}>={p}" for s, p in b.skills.items()) or "no skill"
        offer = (
            f"{', '.join(b.groups)} offer {b.capacity_erlangs:.2f}" if b.groups else "no group can serve them"
        )
        return (
            f"interval {self.interval}: short {self.short_erlangs:.2f} erlangs: "
            f"{', '.join(b.segments)} ({skills}) need {b.demand_erlangs:.2f} erlangs, {offer}"
        )


def _slots(group: AgentGroup) -> tuple[dict[Channel, int], int]:
    caps = {c: cap for c, cap in group.channels.items() if cap > 0}
    total = group.max_total if group.max_total is not None else sum(caps.values())
    return caps, total


def _flow_network(graph: SkillGraph, demand_milli: Sequence[int], agents: Sequence[float]) -> Any:
    """source -> kind (its workload) -> (group, channel) (agents x cap) -> group (agents x total
    slots) -> sink; kind -> (group, channel) where the group serves the kind, unbounded."""
    net = nx.DiGraph()
    net.add_node(_SOURCE)
    net.add_node(_SINK)
    for g, grp in enumerate(graph.groups):
        caps, total = _slots(grp)
        net.add_edge(("group", grp.group), _SINK, capacity=math.floor(agents[g] * total * MILLI + 1e-6))
        for channel, cap in caps.items():
            net.add_edge(
                ("gc", grp.group, channel),
                ("group", grp.group),
                capacity=math.floor(agents[g] * cap * MILLI + 1e-6),
            )
    for k, (kind, names) in enumerate(zip(graph.kinds, graph.serves, strict=True)):
        node = ("kind", k)
        net.add_edge(_SOURCE, node, capacity=demand_milli[k])
        channel = graph.segment(kind.segment).channel
        for name in names:
            net.add_edge(node, ("gc", name, channel))  # no capacity attribute: unbounded
    return net


def _source_side(net: Any, flow: Mapping[Any, Mapping[Any, int]]) -> set[Any]:
    """Nodes reachable from the source in the residual network: the smallest min-cut source side."""
    seen = {_SOURCE}
    stack = [_SOURCE]
    while stack:
        u = stack.pop()
        for v, data in net.succ[u].items():
            cap = data.get("capacity")
            if v not in seen and (cap is None or flow[u][v] < cap):
                seen.add(v)
                stack.append(v)
        for v in net.pred[u]:
            if v not in seen and flow[v][u] > 0:
                seen.add(v)
                stack.append(v)
    return seen


def _demanded_skills(graph: SkillGraph, seg: DemandSegment) -> dict[str, int]:
    """The skills (name -> minimum) a segment demands at the graph's relaxation level: required
    skills (minimums lowered by relaxation, never below 1), plus preferred ones until dropped."""
    skills = {name: max(1, p - graph.proficiency_lowered_by) for name, p in seg.skills.items()}
    if graph.preferred_demanded:
        for name, p in seg.preferred_skills.items():
            skills[name] = max(skills.get(name, 0), p)
    return skills


def _interval_coverage(
    graph: SkillGraph,
    interval: int,
    demand: FloatArray,
    agents: FloatArray,
) -> IntervalCoverage:
    demand_milli = [math.ceil(d * MILLI - 1e-6) for d in demand]
    total = sum(demand_milli)
    net = _flow_network(graph, demand_milli, [float(a) for a in agents])
    value, flow = nx.maximum_flow(net, _SOURCE, _SINK)
    short_by_segment: dict[str, float] = {}
    short_by_skill: dict[str, float] = {}
    bottleneck = None
    if value < total:
        for k, kind in enumerate(graph.kinds):
            gap = demand_milli[k] - flow[_SOURCE][("kind", k)]
            if gap > 0:
                short_by_segment[kind.segment] = short_by_segment.get(kind.segment, 0.0) + gap / MILLI
        side = _source_side(net, flow)
        segs = [s for s in graph.segments if any(("kind", k) in side for k in _kinds_of(graph, s.segment))]
        skills: dict[str, int] = {}
        for seg in segs:
            for name, p in _demanded_skills(graph, seg).items():
                skills[name] = max(skills.get(name, 0), p)
        for name, short in short_by_segment.items():
            for skill in _demanded_skills(graph, graph.segment(name)):
                short_by_skill[skill] = short_by_skill.get(skill, 0.0) + short
        seg_demand = sum(demand_milli[k] for k in range(len(graph.kinds)) if ("kind", k) in side)
        bottleneck = Bottleneck(
            segments=tuple(s.segment for s in segs),
            groups=tuple(
                g.group
                for g in graph.groups
                if ("group", g.group) in side or any(("gc", g.group, c) in side for c in g.channels)
            ),
            skills=skills,
            channels=tuple(dict.fromkeys(s.channel for s in segs)),
            demand_erlangs=seg_demand / MILLI,
            capacity_erlangs=(seg_demand - (total - value)) / MILLI,
        )
    return IntervalCoverage(
        interval=interval,
        demand_erlangs=total / MILLI,
        served_erlangs=value / MILLI,
        short_erlangs=(total - value) / MILLI,
        short_by_segment=short_by_segment,
        short_by_skill=short_by_skill,
        bottleneck=bottleneck,
    )


def _kinds_of(graph: SkillGraph, segment: str) -> list[int]:
    return [k for k, kind in enumerate(graph.kinds) if kind.segment == segment]


def _kind_demand(graph: SkillGraph, workload: FloatArray) -> FloatArray:
    """(kinds x intervals) erlangs from (segments x intervals)."""
    index = {s.segment: i for i, s in enumerate(graph.segments)}
    shares = np.array([kind.share for kind in graph.kinds])
    rows = [index[kind.segment] for kind in graph.kinds]
    out: FloatArray = workload[rows] * shares[:, None] if rows else np.zeros((0, workload.shape[1]))
    return out


def check_coverage(
    graph: SkillGraph,
    workload_erlangs: Mapping[str, npt.ArrayLike],
    agents: Mapping[str, npt.ArrayLike],
) -> list[IntervalCoverage]:
    """Per interval, can ``agents`` carry ``workload_erlangs`` at all? A max-flow lower bound.

    ``workload_erlangs``: segment -> erlangs per interval (see :func:`workload_erlangs`).
    ``agents``: group -> agents on the queue per interval (after shrinkage; fractions allowed, e.g.
    ``count x (1 - shrinkage)``). Entries may be scalars (every interval) or 1-D arrays of one
    length. Every segment and group of the graph needs an entry; nothing else may have one.

    An interval is covered iff a flow routes every kind's workload to groups that serve it without
    exceeding any group's per-channel or total slots (``agents x cap``). Covered is necessary for
    meeting any service level, not sufficient: queueing needs headroom above it. A kind no group
    serves is always short. Raise a ValueError for missing, unknown, negative or misshaped entries.
    """
    seg_names = [s.segment for s in graph.segments]
    grp_names = [g.group for g in graph.groups]
    work, n_work = _columns("workload_erlangs", seg_names, workload_erlangs, None)
    staff, n_staff = _columns("agents", grp_names, agents, None)
    n = max(n_work, n_staff)
    if min(n_work, n_staff) not in (1, n):
        raise ValueError(f"workload_erlangs has {n_work} intervals but agents has {n_staff}")
    work = np.broadcast_to(work, (len(seg_names), n))
    staff = np.broadcast_to(staff, (len(grp_names), n))
    kind_work = _kind_demand(graph, np.asarray(work))
    return [_interval_coverage(graph, i, kind_work[:, i], staff[:, i]) for i in range(n)]


# ----------------------------------------------------------------------------------- lower bound
@dataclass(frozen=True, slots=True)
class PoolBound:
    """Per interval, the fewest agents of a pool that can carry its mean workload.

    ``total[i]``: that minimum; ``by_group[name][i]``: one mix of groups reaching it (others may
    exist). ``unserved_erlangs[i]``: workload of the pool's segments no group serves (excluded).
    """

    pool: Pool
    total: IntArray
    by_group: Mapping[str, IntArray]
    unserved_erlangs: FloatArray


def _min_agents_once(
    graph: SkillGraph, pool: Pool, kinds: Sequence[int], demand: Sequence[float]
) -> tuple[int, dict[str, int]]:
    """Integer program: min sum n_g s.t. a flow of every kind's demand over its serving groups fits
    ``n_g x cap`` per channel and ``n_g x total`` per group. Variables: n_g, then one flow per arc."""
    groups = list(pool.groups)
    gidx = {g: i for i, g in enumerate(groups)}
    arcs = [(k, name) for k in kinds for name in graph.serves[k]]
    if sum(demand) <= 0:
        return 0, dict.fromkeys(groups, 0)
    nv = len(groups) + len(arcs)
    rows: list[FloatArray] = []
    lower: list[float] = []
    upper: list[float] = []
    for j, k in enumerate(kinds):  # every kind's workload is carried
        row = np.zeros(nv)
        for a, (kk, _) in enumerate(arcs):
            if kk == k:
                row[len(groups) + a] = 1.0
        rows.append(row)
        lower.append(demand[j])
        upper.append(np.inf)
    for name in groups:  # per channel and in total, within the group's slots
        caps, total = _slots(graph.group(name))
        limits: list[tuple[Channel | None, int]] = [(c, cap) for c, cap in caps.items()]
        limits.append((None, total))
        for channel, cap in limits:
            row = np.zeros(nv)
            row[gidx[name]] = -float(cap)
            for a, (k, g) in enumerate(arcs):
                if g == name and (
                    channel is None or graph.segment(graph.kinds[k].segment).channel == channel
                ):
                    row[len(groups) + a] = 1.0
            rows.append(row)
            lower.append(-np.inf)
            upper.append(0.0)
    cost = np.zeros(nv)
    cost[: len(groups)] = 1.0
    integrality = np.zeros(nv, dtype=np.int64)
    integrality[: len(groups)] = 1
    res = milp(
        cost,
        constraints=LinearConstraint(np.array(rows), np.array(lower), np.array(upper)),
        integrality=integrality,
        bounds=Bounds(0, np.inf),
    )
    if not res.success:  # cannot happen: every kind here has a serving group with slots
        raise RuntimeError(f"lower-bound program failed: {res.message}")
    counts = [round(float(v)) for v in res.x[: len(groups)]]
    return sum(counts), dict(zip(groups, counts, strict=True))


def min_agents(graph: SkillGraph, workload_erlangs: Mapping[str, npt.ArrayLike]) -> list[PoolBound]:
    """Per pool and interval, the fewest on-queue agents that can carry the mean workload at all.

    An exact integer program per (pool, interval) over the flow network of :func:`check_coverage`:
    the least ``sum n_g`` such that some flow routes every kind's erlangs to groups serving it within
    ``n_g x cap`` per channel and ``n_g x max_total`` per group (solved with HiGHS, cached on
    repeated workloads). It is a **lower bound** on any staffing: it assumes 100 % occupancy and no
    queueing, ignores shrinkage (divide by ``1 - shrinkage`` for scheduled agents) and handle-time
    variance. Workload of kinds no group serves is left out and reported in ``unserved_erlangs``.
    """
    seg_names = [s.segment for s in graph.segments]
    work, n = _columns("workload_erlangs", seg_names, workload_erlangs, None)
    kind_work = _kind_demand(graph, work)
    out: list[PoolBound] = []
    for pool in components(graph).pools:
        kinds = [k for k, kind in enumerate(graph.kinds) if kind.segment in pool.segments and graph.serves[k]]
        lost = [
            k for k, kind in enumerate(graph.kinds) if kind.segment in pool.segments and not graph.serves[k]
        ]
        total = np.zeros(n, np.int64)
        by_group = {g: np.zeros(n, np.int64) for g in pool.groups}
        cache: dict[tuple[int, ...], tuple[int, dict[str, int]]] = {}
        for i in range(n):
            demand = [kind_work[k, i] for k in kinds]
            key = tuple(math.ceil(d * MILLI - 1e-6) for d in demand)
            if key not in cache:
                cache[key] = _min_agents_once(graph, pool, kinds, [d / MILLI for d in key])
            total[i], mix = cache[key]
            for g, c in mix.items():
                by_group[g][i] = c
        unserved = kind_work[lost].sum(axis=0) if lost else np.zeros(n)
        out.append(PoolBound(pool, total, by_group, unserved))
    return out
