"""Capacity planning: how many agents of which skill mix, on which shifts, to meet the targets.

:func:`plan_capacity` runs the whole job behind ``handoff plan``:

1. **Staffing groups.** Roster groups that differ only by their shifts (``dublin-early``,
   ``dublin-late``) are one *staffing group* (``dublin``): the search sizes profiles, the
   scheduler then chooses their shifts.
2. **Split and bound** (networkx, :mod:`simulator.planning.skill_graph` and
   :mod:`simulator.planning.coverage`). The skill graph of demand segments and staffing groups
   falls into pools sized independently; per interval a max-flow says whether the current roster
   can carry the workload at all and names the skill it cannot.
3. **Staffing search** (:mod:`simulator.planning.search`) per demand level and pool. Intervals with
   the same arrival rates share a level (a peak-multiplier profile has a handful). For each, a
   stationary sub-scenario (the pool's segments at that level's rates, its groups always on the
   queue) is simulated through the production dispatcher. The search starts from Erlang A (each
   concurrency slot a server, so ``ceil(servers / slots)`` agents) spread over the groups by the
   max-flow bound's mix, adds the agent that most reduces the shortfall while a target fails, then
   removes agents while every target still holds. Every candidate of a level is run on the same
   seeds (common random numbers), so candidates differ by staffing, not by luck. A candidate meets
   the targets when the replication means do; replications double (up to ``max_replications``)
   while a 95 % interval straddles a target: the stop rule. Levels of a pool that Erlang A staffs
   alike (the same groups on shift, segments and start counts) share one search, run at the
   busiest of them: a forecast gives every interval its own rates, and a week of them would
   otherwise cost 672 searches where a few dozen differ.
4. **The roster to publish.** A day: shifts (OR-Tools CP-SAT, :mod:`simulator.planning.scheduling`)
   for the required agents on queue divided by ``1 - shrinkage`` (agents on duty), from the
   scenario's ``shift_plans`` or default templates (8.5 h with a 30-min unpaid break, and 4 h;
   every 30 min; see :mod:`simulator.planning.shifts`). A week (the horizon after warm-up is
   exactly seven days; :mod:`simulator.planning.rostering`): the required agents on duty per group
   become a :class:`WeekRequirement`, weekly patterns under the scenario's labour rules cover it,
   and the named people are assigned (hires by profile for what they cannot fill); the week's
   day shifts are still scheduled once, for the paid-hours bound.
5. **Closing the loop** on the roster that is published: the day's shifts, or the week's patterns
   as their people work them (each named person with their own skills, the hires with the
   group's profile; a start per day, days off, breaks) become roster groups
   (:func:`~simulator.planning.shifts.recommended_roster`,
   :func:`~simulator.planning.shifts.weekly_roster_groups`), simulated in the full scenario
   (shifts, breaks, shrinkage, backlog from one interval to the next) beside the current roster on
   the same seeds. Intervals that clearly miss where more agents can help get one more agent and
   the roster is published again (new shifts, or new patterns and people), while that reduces
   the clear misses (at most :data:`CORRECTION_ROUNDS` rounds); intervals where a target still
   fails are named with by how much, and the plan says which roster was verified.

Targets are the scenario's ``service_level``: service level ``target`` within ``threshold_s`` per
segment, and optionally ``max_abandon_rate`` (per segment), ``max_p95_handoff_s`` (per segment) and
``max_occupancy`` (per pool), judged in :mod:`simulator.planning.targets`; a segment's own
``service_level`` overrides any of the segment fields for it, and the search, the closed loop
(per segment and interval) and the per-segment verdicts judge it against those.

Cost: where several groups can serve the same segments, the start mix is the cheapest one that
carries the workload, the search adds the agent with the most shortfall removed per unit of
price, removes the dearest first and trades dear agents for cheaper ones while the targets hold
(price: :func:`~simulator.planning.staffing_groups.queue_cost_per_h`, from each group's
``cost_per_paid_hour``). The schedule carries the LP relaxation's bound on paid hours and cost.

A horizon of several days (a week for day-of-week demand) is planned the same way, as one
continuous run: demand levels repeat across days, shifts are chosen on the week's grid and the
closed loop simulates the week with its queues carried across midnight. The plain-language notes
the plan carries are written in :mod:`simulator.planning.findings`; this module only orchestrates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from simulator.demand import segment_rates_per_s
from simulator.metrics import on_shift_spans
from simulator.planning import findings
from simulator.planning.coverage import (
    check_coverage,
    min_agents,
    scenario_on_queue_agents,
    scenario_workload_erlangs,
)
from simulator.planning.demand_levels import DemandLevel, availability, demand_levels
from simulator.planning.result import CapacityPlan, IntervalMiss
from simulator.planning.rostering import WEEK_DAYS, WeeklyRoster, WeekRequirement, roster_week
from simulator.planning.scheduling import ScheduleResult, schedule_shifts
from simulator.planning.search import LevelSearch, SearchSettings, start_counts
from simulator.planning.shifts import recommended_roster, shift_plans_for, weekly_roster_groups
from simulator.planning.skill_graph import components, scenario_skill_graph
from simulator.planning.staffing_groups import StaffingGroup, always_on, queue_cost_per_h, staffing_groups
from simulator.planning.targets import interval_misses, segment_verdicts
from simulator.replications import Replications, run_replications
from simulator.scaleout import ReplicationPool, replication_pool
from simulator.scenario import AgentGroup, DemandSegment, Scenario, ShiftPlan

# SearchSettings is re-exported: ``simulator.planning.plan.SearchSettings`` was its first home.
__all__ = ["CORRECTION_ROUNDS", "PlanOptions", "Progress", "SearchSettings", "plan_capacity"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

CORRECTION_ROUNDS = 2  # closed-loop rounds of +1 agent where a target clearly fails


@dataclass(slots=True)
class PlanOptions:
    """Options of :func:`plan_capacity` (the CLI's flags)."""

    replications: int = 10
    seed: int = 1
    workers: int = 1
    search: SearchSettings = field(default_factory=SearchSettings)
    shift_time_limit_s: float = 20.0
    compare: Scenario | None = None
    dask: str | None = None  # "local" or a scheduler address: the search runs there


Progress = Callable[[str, int, int], None]


def plan_capacity(
    scenario: Scenario, options: PlanOptions | None = None, progress: Progress | None = None
) -> CapacityPlan:
    """Size staffing per interval, choose shifts, and verify them by simulation (see the module
    docstring). ``progress(stage, done, total)`` is called as each stage starts (``done`` stages
    finished of ``total``, which is known once the demand levels are).

    Raise a ValueError for a scenario without demand segments (a replayed log alone has no
    forecast), for ``replications`` or ``workers`` < 1, a negative ``seed``, or a
    ``shift_time_limit_s`` that is not a finite number > 0; a RuntimeError when ``dask`` is asked
    for but Dask is not installed.
    """
    options = options or PlanOptions()
    report = progress or (lambda _stage, _done, _total: None)
    with ExitStack() as stack:
        return _plan(scenario, options, report, stack)


def _plan(scenario: Scenario, options: PlanOptions, report: Progress, stack: ExitStack) -> CapacityPlan:
    steps = {"done": 0, "total": 3 + (options.compare is not None)}

    def say(stage: str) -> None:
        report(stage, steps["done"], steps["total"])
        steps["done"] += 1

    if not scenario.demand:
        raise ValueError("capacity planning needs demand segments (a replayed log alone has no forecast)")
    groups = staffing_groups(scenario)
    profile = scenario.model_copy(update={"roster": [always_on(g, 1) for g in groups]})
    notes: list[str] = []

    # 1. split and bound
    say("skill graph and coverage bound")
    graph = scenario_skill_graph(profile, relaxation_level="full")
    pools = components(graph)
    notes.extend(findings.unservable_segment(seg) for seg in pools.unservable_segments)
    notes.extend(findings.unservable_share(seg, share) for seg, share in pools.unservable_shares.items())
    workload = scenario_workload_erlangs(scenario)
    first = round(scenario.warmup_s / scenario.interval_s)
    current_graph = scenario_skill_graph(scenario, relaxation_level="full")
    coverage = check_coverage(current_graph, workload, scenario_on_queue_agents(scenario))
    short = [c for c in coverage[first:] if not c.covered]
    if short:
        notes.append(findings.roster_cannot_carry(scenario, short))
    bounds = min_agents(graph, workload)
    lower = {g.name: np.zeros(scenario.intervals, np.int64) for g in groups}
    for bound in bounds:
        for name, arr in bound.by_group.items():
            lower[name] = lower[name] + np.asarray(arr, dtype=np.int64)

    # 2. staffing search per level and pool, with the groups each interval's shifts can reach,
    # splitting between groups that serve the same segments by what an agent on the queue costs
    plans = shift_plans_for(scenario, groups)
    price = {g.name: queue_cost_per_h(g, plan) for g, plan in zip(groups, plans, strict=True)}
    mixes = bounds if len(set(price.values())) <= 1 else min_agents(graph, workload, price)
    level_of, levels = demand_levels(scenario, availability(scenario, groups, plans))
    steps["total"] += len(levels) * len(pools.pools)
    required_levels = np.zeros((len(levels), len(groups)), np.int64)
    group_index = {g.name: k for k, g in enumerate(groups)}
    serves: dict[str, set[str]] = {g.name: set() for g in groups}
    for kind, names in zip(graph.kinds, graph.serves, strict=True):
        for name in names:
            serves[name].add(kind.segment)
    kind_servers: dict[str, list[set[str]]] = {}  # segment -> per kind, the groups serving it
    for kind, names in zip(graph.kinds, graph.serves, strict=True):
        if kind.share > 0:
            kind_servers.setdefault(kind.segment, []).append(set(names))
    evaluations = 0
    search_pool = stack.enter_context(replication_pool(options.workers, options.dask))
    uncovered: dict[str, int] = {}  # segment -> intervals with demand but no group on shift to serve it
    unfixable: set[int] = set()  # levels where more agents stop helping, or some demand has nobody
    searched = 0
    searched_rate: dict[int, float] = {}  # level -> total rate of the pool segments searched there
    for pool in pools.pools:
        # levels Erlang A staffs alike (same groups, segments and start) share one search
        alike: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]], list[int]] = {}
        prepared: dict[int, tuple[list[DemandSegment], list[StaffingGroup], tuple[int, ...]]] = {}
        for lv, level in enumerate(levels):
            rates = level.rates_per_h
            segs = [
                s.model_copy(
                    update={
                        "arrivals_per_hour": rates[s.segment],
                        "volume_per_interval": None,
                        "forecast_csv": None,
                        "forecast_filter": None,
                        "peaks": [],
                    }
                )
                for s in scenario.demand
                if s.segment in pool.segments and rates[s.segment] > 0
            ]
            if not segs:
                steps["done"] += 1
                continue
            pool_groups = [groups[group_index[n]] for n in pool.groups if n in level.available]
            reachable: set[str] = set()
            for g in pool_groups:
                reachable |= serves[g.name]
            n_intervals = int((level_of == lv).sum())
            for demand in segs:
                if demand.segment not in reachable:
                    uncovered[demand.segment] = uncovered.get(demand.segment, 0) + n_intervals
                    unfixable.add(lv)
            segs = [demand for demand in segs if demand.segment in reachable]
            if not segs:
                steps["done"] += 1
                continue
            start = start_counts(scenario, segs, rates, pool_groups, mixes, level_of, lv)
            key = (tuple(g.name for g in pool_groups), tuple(d.segment for d in segs), start)
            alike.setdefault(key, []).append(lv)
            prepared[lv] = (segs, pool_groups, start)
            searched_rate[lv] = sum(rates[d.segment] for d in segs)
        for members in alike.values():
            lv = max(members, key=lambda m: (searched_rate[m], -m))  # the busiest, the first on ties
            segs, pool_groups, start = prepared[lv]
            steps["done"] += len(members) - 1
            say(f"staffing level {lv + 1}/{len(levels)}: {', '.join(s.segment for s in segs)}")
            search = LevelSearch(
                scenario,
                segs,
                pool_groups,
                serves,
                options.seed,
                options.search,
                search_pool,
                price_per_h=[price[g.name] for g in pool_groups],
                staffable=_staffable(segs, pool_groups, kind_servers),
            )
            counts, outcome = search.search(start)
            evaluations += search.evaluations
            searched += 1
            if outcome != "met":
                unfixable.update(members)
                notes.append(
                    findings.search_fell_short(scenario, np.flatnonzero(np.isin(level_of, members)), outcome)
                )
            for member in members:
                for g, n in zip(pool_groups, counts, strict=True):
                    required_levels[member, group_index[g.name]] = n
    for seg_name, n_intervals in uncovered.items():
        notes.append(findings.no_group_on_shift(seg_name, n_intervals, scenario.interval_min))
    required_all = {g.name: required_levels[level_of, k] for k, g in enumerate(groups)}

    # 3. shifts, and 4. close the loop: the current and the published roster (a day's shifts, or
    # a week's patterns and people) in the full scenario, same seeds; intervals that clearly miss
    # get one more agent and a new roster, while that reduces the clear misses (at most
    # CORRECTION_ROUNDS times)
    local = None if search_pool is None or search_pool.remote else search_pool  # records stay local
    week = _is_week(scenario)
    stage = "weekly patterns and people" if week else "shift scheduling (CP-SAT)"
    say(f"{stage} and the closed loop")
    published = _publish_and_verify(scenario, groups, plans, required_all, options, local, week=week)
    misses = interval_misses(published.result, scenario) if published.result is not None else []
    corrections = 0
    while published.result is not None and corrections < CORRECTION_ROUNDS:
        bumped = _bump_clear_misses(
            misses, scenario, required_all, level_of, levels, unfixable, groups, first, serves
        )
        if not bumped:
            break
        trial = _publish_and_verify(scenario, groups, plans, bumped, options, local, week=week)
        if trial.result is None:
            break
        trial_misses = interval_misses(trial.result, scenario)
        if sum(m.clear for m in trial_misses) >= sum(m.clear for m in misses):
            break
        required_all, published, misses = bumped, trial, trial_misses
        corrections += 1
    recommended, recommended_groups, weekly = published.result, published.roster, published.weekly
    # a week publishes patterns; its day shifts are scheduled once, for the paid-hours bound
    schedule = published.schedule or _schedule(scenario, groups, plans, required_all, options)
    if not schedule.covered:
        notes.append(findings.shift_gaps(schedule))
    if weekly is not None:
        notes.append(findings.weekly_roster(weekly))
    say("simulating the current roster")
    current = run_replications(
        scenario, options.replications, options.seed, workers=options.workers, pool=local
    )
    compare = None
    if options.compare is not None:
        say(f"simulating {options.compare.name}")
        compare = run_replications(
            options.compare, options.replications, options.seed, workers=options.workers, pool=local
        )

    report("done", steps["total"], steps["total"])
    horizon = (
        float(scenario.interval_starts_s[0]),
        float(scenario.interval_starts_s[-1]) + scenario.interval_s,
    )
    verified = recommended or current
    if recommended is None:
        misses = interval_misses(current, scenario)
    which = findings.verified_roster(published.schedule, weekly, recommended is not None)
    member_of = {m: g.name for g in groups for m in g.members}
    return CapacityPlan(
        scenario=scenario,
        seed=options.seed,
        replications=options.replications,
        interval_start_s=verified.interval_start_s,
        workload_erlangs={k: v[first:] for k, v in workload.items()},
        offered_per_interval=sum(
            (segment_rates_per_s(s, scenario) * scenario.interval_s for s in scenario.demand),
            np.zeros(scenario.intervals),
        )[first:],
        required={k: v[first:] for k, v in required_all.items()},
        lower_bound={k: v[first:] for k, v in lower.items()},
        scheduled_current=_staffed_by_group(current, member_of),
        scheduled_recommended=(
            _staffed_by_group(recommended, {r.group: r.group.split("@")[0] for r in recommended_groups})
            if recommended is not None
            else {}
        ),
        current_headcount={
            g.name: sum(m.count for m in scenario.roster if m.group in g.members) for g in groups
        },
        # a day's shifts are one per person; a week's people are the weekly patterns' headcount
        recommended_headcount={
            g.name: int((weekly.patterns.headcount if weekly else schedule.headcount).get(g.name, 0))
            for g in groups
        },
        schedule=schedule,
        current=current,
        recommended=recommended,
        compare=compare,
        misses=tuple(misses),
        current_agent_hours=_agent_hours(scenario.roster, member_of, horizon),
        recommended_agent_hours=_agent_hours(
            recommended_groups, {r.group: r.group.split("@")[0] for r in recommended_groups}, horizon
        ),
        notes=tuple(notes),
        segment_verdicts=segment_verdicts(verified, scenario),
        weekly_roster=weekly,
        verified_roster=which,
        method=findings.plan_method(
            levels=len(levels),
            searched=searched,
            evaluations=evaluations,
            search=options.search,
            schedule=schedule,
            corrections=corrections,
            replications=options.replications,
            seed=options.seed,
            verified=which,
        ),
    )


def _staffable(
    segments: Sequence[DemandSegment],
    groups: Sequence[StaffingGroup],
    kind_servers: dict[str, list[set[str]]],
) -> set[str]:
    """The segments every kind of which (language x customer tier) some of ``groups`` serves: a
    deferral there is for want of agents, not of a group that could take it."""
    names = {g.name for g in groups}
    return {
        d.segment
        for d in segments
        if kind_servers.get(d.segment) and all(servers & names for servers in kind_servers[d.segment])
    }


def _agent_hours(
    roster: Sequence[AgentGroup], group_of: dict[str, str], horizon: tuple[float, float]
) -> dict[str, float]:
    """Agent-hours on duty (shifts less breaks) per staffing group within ``horizon``."""
    out: dict[str, float] = {}
    for g in roster:
        starts, ends = on_shift_spans(g, *horizon)
        name = group_of.get(g.group, g.group)
        out[name] = out.get(name, 0.0) + g.count * float((ends - starts).sum()) / 3600.0
    return out


@dataclass(frozen=True, slots=True)
class _Published:
    """One round of the closed loop: the roster published for a requirement and its simulation.

    ``schedule``: the day shifts (None for a week, whose published roster is ``weekly``);
    ``roster``: the roster groups simulated (the shifts', or the weekly patterns' people and
    hires); ``result``: their replications in the full scenario (None: nothing to simulate)."""

    schedule: ScheduleResult | None
    weekly: WeeklyRoster | None
    roster: list[AgentGroup]
    result: Replications | None


def _schedule(
    scenario: Scenario,
    groups: list[StaffingGroup],
    plans: list[ShiftPlan],
    required: dict[str, IntArray],
    options: PlanOptions,
) -> ScheduleResult:
    """Shifts for ``required`` (agents on the queue, so divided by 1 - shrinkage) on the
    scenario's whole grid."""
    on_duty = {g.name: required[g.name] / (1.0 - g.profile.shrinkage) for g in groups}
    return schedule_shifts(
        on_duty,
        plans,
        start_s=float(scenario.interval_starts_s[0]),
        interval_min=scenario.interval_min,
        time_limit_s=options.shift_time_limit_s,
        workers=2,
        seed=options.seed,
    )


def _publish_and_verify(
    scenario: Scenario,
    groups: list[StaffingGroup],
    plans: list[ShiftPlan],
    required: dict[str, IntArray],
    options: PlanOptions,
    pool: ReplicationPool | None,
    *,
    week: bool,
) -> _Published:
    """The roster a planner would publish for ``required`` and its re-simulation in the full
    scenario: for a week, the weekly patterns with the named people on them and the hires
    (:func:`~simulator.planning.shifts.weekly_roster_groups`); otherwise the day's shifts."""
    schedule: ScheduleResult | None = None
    weekly: WeeklyRoster | None = None
    if week:
        weekly = _roster_the_week(scenario, groups, plans, required, options)
        roster = weekly_roster_groups(weekly, groups, scenario.people)
    else:
        schedule = _schedule(scenario, groups, plans, required, options)
        roster = recommended_roster(schedule, groups)
    if not roster:
        return _Published(schedule, weekly, roster, None)
    result = run_replications(
        scenario.model_copy(update={"roster": roster}),
        options.replications,
        options.seed,
        workers=options.workers,
        pool=pool,
    )
    return _Published(schedule, weekly, roster, result)


def _is_week(scenario: Scenario) -> bool:
    """The horizon after warm-up is exactly a week of whole days: the plan publishes weekly
    patterns (a day's plan publishes shifts)."""
    per_day = round(1440 / scenario.interval_min)
    return scenario.intervals - scenario.warmup_intervals == WEEK_DAYS * per_day


def _roster_the_week(
    scenario: Scenario,
    groups: list[StaffingGroup],
    plans: list[ShiftPlan],
    required: dict[str, IntArray],
    options: PlanOptions,
) -> WeeklyRoster:
    """Weekly patterns and named people for the required agents on duty (the on-queue requirement
    over ``1 - shrinkage``) of a week's horizon (:func:`_is_week`)."""
    first = scenario.warmup_intervals
    per_day = round(1440 / scenario.interval_min)
    agents = {
        g.name: (required[g.name][first:] / (1.0 - g.profile.shrinkage)).reshape(WEEK_DAYS, per_day)
        for g in groups
    }
    requirement = WeekRequirement(
        start_s=float(scenario.interval_starts_s[first]), interval_min=scenario.interval_min, agents=agents
    )
    return roster_week(
        requirement,
        plans,
        scenario.labour_rules,
        scenario.people,
        {g.name: g.profile for g in groups},
        names={g.name: g.members for g in groups},
        time_limit_s=options.shift_time_limit_s,
        workers=2,
        seed=options.seed,
    )


def _bump_clear_misses(
    misses: Sequence[IntervalMiss],
    scenario: Scenario,
    required: dict[str, IntArray],
    level_of: IntArray,
    levels: list[DemandLevel],
    unfixable: set[int],
    groups: list[StaffingGroup],
    first: int,
    serves: dict[str, set[str]],
) -> dict[str, IntArray] | None:
    """``required`` with one more agent, in each interval where some segment clearly missed one
    of its own service targets and where more agents can help, for the group serving that
    segment with the largest requirement there; one agent per group and interval (None: nothing
    to bump)."""
    out = {k: v.copy() for k, v in required.items()}
    starts = scenario.interval_starts_s
    done: set[tuple[int, str]] = set()
    for miss in misses:
        if not miss.clear or miss.segment is None:
            continue
        k = int(np.searchsorted(starts, miss.interval_start_s))
        if k < first or k >= starts.size or int(level_of[k]) in unfixable:
            continue
        candidates = [
            g.name
            for g in groups
            if g.name in levels[int(level_of[k])].available and miss.segment in serves[g.name]
        ]
        if not candidates:
            continue
        name = max(candidates, key=lambda n: int(out[n][k]))
        if (k, name) in done:
            continue
        done.add((k, name))
        out[name][k] += 1
    return out if done else None


def _staffed_by_group(result: Replications, group_of: dict[str, str]) -> dict[str, FloatArray]:
    """Mean agents on queue per staffing group and interval, from ``staffed_<roster group>``."""
    out: dict[str, FloatArray] = {}
    for key in result.runs[0].intervals:
        if key.startswith("staffed_"):
            name = group_of.get(key.removeprefix("staffed_"), key.removeprefix("staffed_"))
            mean = result.per_interval(key).mean(axis=0)
            out[name] = out.get(name, np.zeros_like(mean)) + mean
    return out
