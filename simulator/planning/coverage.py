"""What the skill graph implies for workload: can a roster carry it at all, and with how few agents.

Planning side only (networkx and scipy's HiGHS; never in the simulation's hot loop). Two
questions over the :class:`~simulator.planning.skill_graph.SkillGraph`:

1. **Coverage** (:func:`check_coverage`): per interval, a max-flow says whether the staffed agents
   can carry the mean workload at all, and when they cannot, which segments (and skills) are short,
   by how many erlangs, and which groups form the bottleneck (a minimum cut).
2. **A lower bound** (:func:`min_agents`): per interval and pool, the fewest agents that could carry
   the mean workload at 100 % occupancy.

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
from dataclasses import dataclass
from typing import Any, Final

import networkx as nx  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from routing.domain import Channel
from routing.shifts import work_intervals
from simulator.demand import segment_rates_per_s
from simulator.planning.skill_graph import Pool, SkillGraph, components
from simulator.scenario import AgentGroup, DemandSegment, Scenario

__all__ = [
    "MILLI",
    "Bottleneck",
    "IntervalCoverage",
    "PoolBound",
    "check_coverage",
    "min_agents",
    "scenario_on_queue_agents",
    "scenario_workload_erlangs",
    "workload_erlangs",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MILLI: Final = 1000
"""Max-flow capacities are integers in milli-erlangs (networkx's max-flow is exact on integers).
Workload is rounded up and capacity down, so "covered" is never claimed on rounding alone."""

_SOURCE: Final = ("source",)
_SINK: Final = ("sink",)


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
    the rates the simulator generates (peaks applied) and the mean of its handle time. Raises
    nothing for a loaded scenario (its data files were read when it was loaded)."""
    return {seg.segment: segment_rates_per_s(seg, scenario) * seg.handle_time.mean for seg in scenario.demand}


def scenario_on_queue_agents(scenario: Scenario) -> dict[str, FloatArray]:
    """Per roster group, its agents on the queue in each interval (warm-up included): ``count x
    (1 - shrinkage) x`` the share of the interval its shifts (less breaks) cover, in the group's
    time zone. The ``agents`` input of :func:`check_coverage` for the scenario's own roster.
    Raises nothing for a loaded scenario."""

    starts = scenario.interval_starts_s
    interval_s = scenario.interval_s
    out: dict[str, FloatArray] = {}
    for grp in scenario.roster:
        share = np.ones(starts.size)
        shifts = grp.weekly_shifts()
        if shifts is not None:
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
        """One line for a planner. Raises nothing."""
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
    return {c: cap for c, cap in group.channels.items() if cap > 0}, group.slots


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
    graph: SkillGraph,
    pool: Pool,
    kinds: Sequence[int],
    demand: Sequence[float],
    price: Mapping[str, float] | None = None,
) -> tuple[int, dict[str, int]]:
    """Integer program: min sum price_g n_g (price 1 each by default) s.t. a flow of every kind's
    demand over its serving groups fits ``n_g x cap`` per channel and ``n_g x total`` per group.
    Variables: n_g, then one flow per arc."""
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
    cost[: len(groups)] = [1.0 if price is None else float(price[g]) for g in groups]
    integrality = np.zeros(nv, dtype=np.int64)
    integrality[: len(groups)] = 1
    from scipy.optimize import Bounds, LinearConstraint, milp  # on first use: keeps imports light

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


def min_agents(
    graph: SkillGraph,
    workload_erlangs: Mapping[str, npt.ArrayLike],
    price_per_agent: Mapping[str, float] | None = None,
) -> list[PoolBound]:
    """Per pool and interval, the fewest on-queue agents that can carry the mean workload at all;
    with ``price_per_agent`` (group -> price, every group of the graph), the cheapest such mix
    instead (``total`` is then that mix's agents, not the fewest).

    An exact integer program per (pool, interval) over the flow network of :func:`check_coverage`:
    the least ``sum n_g`` such that some flow routes every kind's erlangs to groups serving it within
    ``n_g x cap`` per channel and ``n_g x max_total`` per group (solved with HiGHS, cached on
    repeated workloads). It is a **lower bound** on any staffing: it assumes 100 % occupancy and no
    queueing, ignores shrinkage (divide by ``1 - shrinkage`` for scheduled agents) and handle-time
    variance. Workload of kinds no group serves is left out and reported in ``unserved_erlangs``.

    Raise a ValueError for missing, unknown, negative or misshaped workload entries (as
    :func:`check_coverage`), a KeyError for a group ``price_per_agent`` leaves out, and a
    RuntimeError if HiGHS fails on a program (which cannot happen:
    every kind in it has a serving group with slots).
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
                cache[key] = _min_agents_once(graph, pool, kinds, [d / MILLI for d in key], price_per_agent)
            total[i], mix = cache[key]
            for g, c in mix.items():
                by_group[g][i] = c
        unserved = kind_work[lost].sum(axis=0) if lost else np.zeros(n)
        out.append(PoolBound(pool, total, by_group, unserved))
    return out
