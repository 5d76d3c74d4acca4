"""Capacity planning: how many agents of which skill mix, on which shifts, to meet the targets.

:func:`plan_capacity` runs the whole job behind ``handoff plan``:

1. **Staffing groups.** Roster groups that differ only by their shifts (``dublin-early``,
   ``dublin-late``) are one *staffing group* (``dublin``): the search sizes profiles, the
   scheduler then chooses their shifts.
2. **Split and bound** (networkx, :mod:`simulator.planning.skill_graph`). The skill graph of demand
   segments and staffing groups falls into pools sized independently; per interval a max-flow says
   whether the current roster can carry the workload at all and names the skill it cannot.
3. **Staffing search** per demand level and pool. Intervals with the same arrival rates share a
   level (a peak-multiplier profile has a handful). For each, a stationary sub-scenario (the
   pool's segments at that level's rates, its groups always on the queue) is simulated through
   the production dispatcher. The search starts from Erlang A (each concurrency slot a server, so
   ``ceil(servers / slots)`` agents) spread over the groups by the max-flow bound's mix, adds the
   agent that most reduces the shortfall while a target fails, then removes agents while every
   target still holds. Every candidate of a level is run on the same seeds (common random
   numbers), so candidates differ by staffing, not by luck. A candidate meets the targets when the
   replication means do; replications double (up to ``max_replications``) while a 95 % interval
   straddles a target: the stop rule.
4. **Shifts** (OR-Tools CP-SAT, :mod:`simulator.planning.scheduling`): the required agents on queue,
   divided by ``1 - shrinkage`` (agents on duty), covered by the scenario's ``shift_plans``, or by
   default templates (8.5 h with a 30-min unpaid break, and 4 h; every 30 min).
5. **Closing the loop**: the recommended shifts become a roster that is simulated in the full
   scenario (shifts, breaks, shrinkage, backlog from one interval to the next), beside the current
   roster on the same seeds; intervals where a target still fails are named with by how much.

Targets are the scenario's ``service_level``: service level ``target`` within ``threshold_s`` per
segment, and optionally ``max_abandon_rate`` (per segment), ``max_p95_handoff_s`` (per segment) and
``max_occupancy`` (per pool).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing.schemas import ShiftIn
from routing.shifts import zone
from simulator.demand import segment_rates_per_s
from simulator.metrics import SHARES, on_shift_spans, slots_per_agent
from simulator.planning.result import CapacityPlan, IntervalMiss
from simulator.planning.scheduling import ScheduleResult, plan_can_cover, schedule_shifts
from simulator.planning.skill_graph import (
    check_coverage,
    components,
    min_agents,
    scenario_on_queue_agents,
    scenario_skill_graph,
    scenario_workload_erlangs,
)
from simulator.queueing import staff_for_target
from simulator.replications import Replications, estimate_columns, run_replications
from simulator.scaleout import ReplicationPool, replication_pool
from simulator.scenario import AgentGroup, BreakRule, DemandSegment, Scenario, ShiftPlan, ShiftTemplate

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# ------------------------------------------------------------------------------ staffing groups
@dataclass(frozen=True, slots=True)
class StaffingGroup:
    """Roster groups with one profile (skills, tier, languages, caps, zone, shrinkage)."""

    name: str
    members: tuple[str, ...]
    profile: AgentGroup  # the first member, as the template of the profile

    @property
    def headcount_key(self) -> str:
        return self.name


def _profile_key(g: AgentGroup) -> tuple[Any, ...]:
    return (
        tuple(sorted(g.skills.items())),
        g.tier,
        tuple(sorted(g.languages)),
        tuple(sorted((c.value, n) for c, n in g.channels.items())),
        g.max_total,
        g.time_zone,
        tuple(sorted(g.regions)),
        g.shrinkage,
        g.away_episode_min,
    )


def _common_name(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    prefix = os.path.commonprefix(list(names)).rstrip("-_ .#@")  # noqa: RUF071 -- characters meant
    return prefix or f"{names[0]}+{len(names) - 1}"


def staffing_groups(scenario: Scenario) -> list[StaffingGroup]:
    """Roster groups merged by profile, in roster order; names are the members' common prefix."""
    by_key: dict[tuple[Any, ...], list[AgentGroup]] = {}
    for g in scenario.roster:
        by_key.setdefault(_profile_key(g), []).append(g)
    out: list[StaffingGroup] = []
    taken: set[str] = set()
    for members in by_key.values():
        names = tuple(m.group for m in members)
        name = _common_name(names)
        while name in taken:
            name += "'"
        taken.add(name)
        out.append(StaffingGroup(name, names, members[0]))
    return out


def _always_on(group: StaffingGroup, count: int) -> AgentGroup:
    """The profile on the queue all the time (no shifts, no shrinkage): requirements are agents on
    the queue; shifts and shrinkage come back in scheduling."""
    return group.profile.model_copy(
        update={"group": group.name, "count": count, "shifts": None, "shrinkage": 0.0}
    )


# --------------------------------------------------------------------------------- demand levels
@dataclass(frozen=True, slots=True)
class DemandLevel:
    """Intervals alike for staffing: the same arrival rates and the same groups able to be on shift."""

    rates_per_h: dict[str, float]
    available: frozenset[str]


def demand_levels(
    scenario: Scenario, availability: dict[str, NDArray[np.bool_]] | None = None
) -> tuple[IntArray, list[DemandLevel]]:
    """Per interval (warm-up included) its level index, and the levels.

    ``availability``: staffing group -> per interval, whether its shift plan can reach it (default:
    every group always)."""
    rates = np.vstack([segment_rates_per_s(seg, scenario) * 3600.0 for seg in scenario.demand])
    names = [s.segment for s in scenario.demand]
    keys: dict[tuple[Any, ...], int] = {}
    levels: list[DemandLevel] = []
    level_of = np.empty(rates.shape[1], np.int64)
    for i in range(rates.shape[1]):
        avail = (
            frozenset(g for g, ok in (availability or {}).items() if ok[i]) if availability else frozenset()
        )
        key = (tuple(np.round(rates[:, i], 6).tolist()), avail)
        if key not in keys:
            keys[key] = len(levels)
            levels.append(DemandLevel(dict(zip(names, key[0], strict=True)), avail))
        level_of[i] = keys[key]
    return level_of, levels


def availability(
    scenario: Scenario, groups: list[StaffingGroup], plans: list[ShiftPlan]
) -> dict[str, NDArray[np.bool_]]:
    """Per staffing group and interval, whether its shift plan allows anyone on duty at the
    interval's midpoint."""
    mids = scenario.interval_starts_s + scenario.interval_s / 2
    by_group = {p.group: p for p in plans}
    return {g.name: np.array([plan_can_cover(by_group[g.name], float(m)) for m in mids]) for g in groups}


# ------------------------------------------------------------------------------------ evaluation
@dataclass(frozen=True, slots=True)
class SearchSettings:
    """How hard the staffing search works. Defaults suit a laptop; raise for a final plan."""

    horizon_h: float = 2.0  # stationary run per candidate, after warm-up
    warmup_h: float = 0.5
    replications: int = 4  # first try per candidate
    max_replications: int = 16  # the stop rule's budget per candidate
    max_steps: int = 400  # candidate evaluations per level and pool


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One candidate's verdict: ``meets`` every target, and ``shortfall`` (0 when it meets; the
    sum of relative shortfalls otherwise, the search's yardstick)."""

    counts: tuple[int, ...]
    meets: bool
    shortfall: float
    failing: tuple[str, ...]  # segments that miss a target
    replications: int


def _shortfalls(
    result: Replications, scenario: Scenario, segments: Sequence[str]
) -> tuple[float, list[str], bool]:
    """Sum of relative shortfalls of the means, failing segments, and whether any CI straddles."""
    t = scenario.service_level
    total, failing, unsure = 0.0, [], False

    def check(name: str, metric: str, goal: float, higher_is_better: bool, scope: str | None) -> None:
        nonlocal total, unsure
        est = result.segment(scope, metric) if scope is not None else result.overall(metric)
        if not math.isfinite(est.mean):
            return
        gap = (goal - est.mean) if higher_is_better else (est.mean - goal)
        if gap > 0:
            total += gap / max(goal, 1e-9)
            if scope is not None and scope not in failing:
                failing.append(scope)
        if est.ci95 is not None and est.ci95[0] < goal < est.ci95[1]:
            unsure = True

    for seg in segments:
        check(seg, "service_level", t.target, True, seg)
        if t.max_abandon_rate is not None:
            check(seg, "abandon_rate", t.max_abandon_rate, False, seg)
        if t.max_p95_handoff_s is not None:
            check(seg, "p95_handoff_s", t.max_p95_handoff_s, False, seg)
    if t.max_occupancy is not None:
        check("occupancy", "occupancy", t.max_occupancy, False, None)
    return total, failing, unsure


class _LevelSearch:
    """The staffing search of one pool at one demand level (stationary, common random numbers)."""

    def __init__(
        self,
        scenario: Scenario,
        segments: list[DemandSegment],
        groups: list[StaffingGroup],
        serves: dict[str, set[str]],
        seed: int,
        settings: SearchSettings,
        pool: ReplicationPool | None = None,
    ) -> None:
        self.pool = pool
        self.groups = groups
        self.segment_names = [s.segment for s in segments]
        self.serves = serves  # group name -> segments it can serve
        self.seed = seed
        self.settings = settings
        self.base = scenario.model_copy(
            update={
                "demand": segments,
                "replay": None,
                "roster": [_always_on(g, 0) for g in groups],
                "duration_h": settings.horizon_h,
                "warmup_h": settings.warmup_h,
                "interval_min": 15,
                "start": scenario.start,
            }
        )
        self.cache: dict[tuple[int, ...], Evaluation] = {}
        self.evaluations = 0

    def evaluate(self, counts: tuple[int, ...]) -> Evaluation:
        known = self.cache.get(counts)
        if known is not None:
            return known
        self.evaluations += 1
        if sum(counts) == 0:
            ev = Evaluation(counts, False, float("inf"), tuple(self.segment_names), 0)
            self.cache[counts] = ev
            return ev
        named = {g.name: n for g, n in zip(self.groups, counts, strict=True)}
        reps = self.settings.replications
        while True:
            result = run_replications(
                self.base, reps, self.seed, counts=named, keep_records=False, pool=self.pool
            )
            shortfall, failing, unsure = _shortfalls(result, self.base, self.segment_names)
            if not unsure or reps >= self.settings.max_replications:
                break
            reps = min(2 * reps, self.settings.max_replications)
        ev = Evaluation(counts, shortfall == 0, shortfall, tuple(failing), reps)
        self.cache[counts] = ev
        return ev

    def search(self, start: tuple[int, ...]) -> tuple[tuple[int, ...], str]:
        """Grow from ``start`` until the targets hold, then shrink while they still hold.

        When adding any one agent stops reducing the shortfall for ``_STALL_STEPS`` steps (a target
        staffing cannot reach, e.g. customers leaving during the accept delay), the search keeps
        the best shortfall it reached as its goal and says so.
        """
        counts = start
        current = self.evaluate(counts)
        steps = stalled = 0
        outcome = "met"
        while not current.meets:
            steps += 1
            if steps > self.settings.max_steps:
                outcome = f"stopped after {self.settings.max_steps} steps without meeting the targets"
                break
            helpful = [
                k
                for k, g in enumerate(self.groups)
                if not current.failing or self.serves[g.name] & set(current.failing)
            ] or list(range(len(self.groups)))
            trials = [self.evaluate(_bump(counts, k, +1)) for k in helpful]
            best = min(trials, key=lambda e: (e.shortfall, sum(e.counts)))
            stalled = 0 if best.shortfall < current.shortfall - 1e-9 else stalled + 1
            counts, current = best.counts, best
            if stalled >= _STALL_STEPS:
                outcome = (
                    "more agents stop helping before every target holds "
                    f"(still missing for {', '.join(current.failing) or 'the pool'}); "
                    "staffed for the best reachable"
                )
                break
        goal = current.shortfall
        improved = True
        while improved:
            improved = False
            for k in sorted(range(len(self.groups)), key=lambda k: -counts[k]):
                if counts[k] == 0:
                    continue
                trial = self.evaluate(_bump(counts, k, -1))
                if trial.shortfall <= goal + 1e-9:
                    counts, improved = trial.counts, True
                    break
        return counts, outcome


_STALL_STEPS = 3


def _bump(counts: tuple[int, ...], k: int, delta: int) -> tuple[int, ...]:
    out = list(counts)
    out[k] += delta
    return tuple(out)


def _erlang_start(
    scenario: Scenario,
    segments: list[DemandSegment],
    rates_per_h: dict[str, float],
    groups: list[StaffingGroup],
) -> int:
    """Agents Erlang A asks for the pool: per segment, slots as servers over the average slots."""
    t = scenario.service_level
    slots = max(1.0, float(np.mean([slots_per_agent(g.profile) for g in groups])))
    total = 0
    for seg in segments:
        rate = rates_per_h[seg.segment] / 3600.0
        if rate <= 0:
            continue
        patience = seg.patience.mean if seg.patience is not None else None
        try:
            servers = staff_for_target(
                rate, seg.handle_time.mean, t.target, t.threshold_s, patience, t.max_abandon_rate
            ).agents
        except ValueError:
            servers = math.ceil(rate * seg.handle_time.mean) + 1
        total += math.ceil(servers / slots)
    return total


# ---------------------------------------------------------------------------------- shift plans
def default_shift_plan(group: StaffingGroup) -> ShiftPlan:
    """Full time (8.5 h, a 30-min unpaid break 3.5-5 h in) and part time (4 h), starting every
    30 minutes around the clock, in the group's own time zone."""
    return ShiftPlan(
        group=group.name,
        time_zone=group.profile.time_zone,
        templates=[
            ShiftTemplate(
                name="full-time-8h",
                length_h=8.5,
                break_rule=BreakRule(
                    length_min=30, earliest_after_min=210, latest_after_min=300, step_min=30
                ),
                earliest_start=time(0, 0),
                latest_start=time(23, 30),
                start_every_min=30,
            ),
            ShiftTemplate(
                name="part-time-4h",
                length_h=4,
                earliest_start=time(0, 0),
                latest_start=time(23, 30),
                start_every_min=30,
            ),
        ],
    )


def shift_plans_for(scenario: Scenario, groups: list[StaffingGroup]) -> list[ShiftPlan]:
    """The scenario's shift plans (named by a roster group) mapped onto staffing groups; the
    default plan for groups without one."""
    member_of = {m: g for g in groups for m in g.members}
    given = {
        member_of[p.group].name: p.model_copy(update={"group": member_of[p.group].name})
        for p in scenario.shift_plans
    }
    return [given.get(g.name) or default_shift_plan(g) for g in groups]


def recommended_roster(schedule: ScheduleResult, groups: list[StaffingGroup]) -> list[AgentGroup]:
    """One roster group per chosen shift, with the staffing group's profile (named
    ``{group}@{HH:MM}`` in the group's time zone, plus the template when two share a start)."""
    by_name = {g.name: g for g in groups}
    roster: list[AgentGroup] = []
    used: set[str] = set()
    for shift in schedule.shifts:
        if shift.count <= 0:
            continue
        group = by_name[shift.group]
        start, end = shift.start, shift.end
        name = f"{group.name}@{start:%H:%M}"
        if name in used:
            name = f"{name}-{shift.template}"
        suffix = 2
        while name in used:
            name, suffix = f"{group.name}@{start:%H:%M}#{suffix}", suffix + 1
        used.add(name)
        breaks = []
        if shift.break_start is not None and shift.break_end is not None:
            breaks = [{"start": f"{shift.break_start:%H:%M}", "end": f"{shift.break_end:%H:%M}"}]
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[start.weekday()]
        shift_in = ShiftIn.model_validate(
            {"days": [weekday], "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "breaks": breaks}
        )
        roster.append(
            group.profile.model_copy(update={"group": name, "count": shift.count, "shifts": [shift_in]})
        )
    return roster


# ------------------------------------------------------------------------------------- the plan
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
    finished of ``total``, which is known once the demand levels are)."""
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
    profile = scenario.model_copy(update={"roster": [_always_on(g, 1) for g in groups]})
    notes: list[str] = []

    # 1. split and bound
    say("skill graph and coverage bound")
    graph = scenario_skill_graph(profile, relaxation_level="full")
    pools = components(graph)
    for seg in pools.unservable_segments:
        notes.append(f"No agent group can serve segment {seg!r} even after every relaxation step.")
    for seg, share in pools.unservable_shares.items():
        notes.append(f"{100 * share:.0f} % of segment {seg!r} has no agent group that can serve it.")
    workload = scenario_workload_erlangs(scenario)
    first = round(scenario.warmup_s / scenario.interval_s)
    current_graph = scenario_skill_graph(scenario, relaxation_level="full")
    coverage = check_coverage(current_graph, workload, scenario_on_queue_agents(scenario))
    short = [c for c in coverage[first:] if not c.covered]
    if short:
        worst = max(short, key=lambda c: c.short_erlangs)
        detail = worst.describe().split(": ", 1)[-1]  # drop describe()'s "interval N" prefix
        notes.append(
            f"The current roster cannot carry the mean workload in {len(short)} interval(s), even at "
            f"100 % occupancy (a max-flow bound); the worst, "
            f"{_interval_span(scenario, np.array([worst.interval]))}: {detail}."
        )
    bounds = min_agents(graph, workload)
    lower = {g.name: np.zeros(scenario.intervals, np.int64) for g in groups}
    for bound in bounds:
        for name, arr in bound.by_group.items():
            lower[name] = lower[name] + np.asarray(arr, dtype=np.int64)

    # 2. staffing search per level and pool, with the groups each interval's shifts can reach
    plans = shift_plans_for(scenario, groups)
    level_of, levels = demand_levels(scenario, availability(scenario, groups, plans))
    steps["total"] += len(levels) * len(pools.pools)
    required_levels = np.zeros((len(levels), len(groups)), np.int64)
    group_index = {g.name: k for k, g in enumerate(groups)}
    serves: dict[str, set[str]] = {g.name: set() for g in groups}
    for kind, names in zip(graph.kinds, graph.serves, strict=True):
        for name in names:
            serves[name].add(kind.segment)
    evaluations = 0
    search_pool = stack.enter_context(replication_pool(options.workers, options.dask))
    uncovered: dict[str, int] = {}  # segment -> intervals with demand but no group on shift to serve it
    unfixable: set[int] = set()  # levels where more agents stop helping, or some demand has nobody
    for lv, level in enumerate(levels):
        rates = level.rates_per_h
        for pool in pools.pools:
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
            say(f"staffing level {lv + 1}/{len(levels)}: {', '.join(s.segment for s in segs)}")
            search = _LevelSearch(
                scenario, segs, pool_groups, serves, options.seed, options.search, search_pool
            )
            start = _start_counts(scenario, segs, rates, pool_groups, bounds, level_of, lv)
            counts, outcome = search.search(start)
            evaluations += search.evaluations
            if outcome != "met":
                unfixable.add(lv)
                when = _interval_span(scenario, np.flatnonzero(level_of == lv))
                notes.append(f"Intervals {when}: {outcome}.")
            for g, n in zip(pool_groups, counts, strict=True):
                required_levels[lv, group_index[g.name]] = n
    for seg_name, n_intervals in uncovered.items():
        notes.append(
            f"{seg_name}: no group that serves it can be on shift in {n_intervals} interval(s) "
            f"({n_intervals * scenario.interval_min / 60:g} h); those escalations wait or are deferred "
            "to a callback or ticket. Add a shift plan (or a site) that reaches those hours."
        )
    required_all = {g.name: required_levels[level_of, k] for k, g in enumerate(groups)}

    # 3. shifts, and 4. close the loop: the current and the recommended roster in the full
    # scenario, same seeds; intervals that clearly miss get one more agent and new shifts, while
    # that reduces the clear misses (at most CORRECTION_ROUNDS times)
    local = None if search_pool is None or search_pool.remote else search_pool  # records stay local
    say("shift scheduling (CP-SAT) and the closed loop")
    schedule, recommended_groups, recommended = _schedule_and_verify(
        scenario, groups, plans, required_all, options, local
    )
    misses = interval_misses(recommended, scenario) if recommended is not None else []
    corrections = 0
    while recommended is not None and corrections < CORRECTION_ROUNDS:
        bumped = _bump_clear_misses(
            misses, scenario, required_all, level_of, levels, unfixable, groups, first
        )
        if not bumped:
            break
        trial = _schedule_and_verify(scenario, groups, plans, bumped, options, local)
        if trial[2] is None:
            break
        trial_misses = interval_misses(trial[2], scenario)
        if sum(m.clear for m in trial_misses) >= sum(m.clear for m in misses):
            break
        required_all = bumped
        schedule, recommended_groups, recommended = trial
        misses = trial_misses
        corrections += 1
    if not schedule.covered:
        notes.append(f"Shift limits leave gaps: {schedule.message}")
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
        recommended_headcount={g.name: int(schedule.headcount.get(g.name, 0)) for g in groups},
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
        method={
            "staffing": (
                f"simulation search per demand level ({len(levels)} level(s), {evaluations} candidate "
                f"runs of {options.search.horizon_h:g} h, {options.search.replications}-"
                f"{options.search.max_replications} replications each, common random numbers), "
                "Erlang A warm start, max-flow lower bound"
            ),
            "shifts": f"OR-Tools CP-SAT ({schedule.method}, {schedule.status.value})",
            "closed loop": (
                f"{corrections} correction round(s): +1 agent in intervals that clearly missed a target"
                if corrections
                else "no correction needed or none helped"
            ),
            "verification": f"{options.replications} replications of the full scenario, seed {options.seed}",
        },
    )


def _start_counts(
    scenario: Scenario,
    segs: list[DemandSegment],
    rates: dict[str, float],
    pool_groups: list[StaffingGroup],
    bounds: Sequence[Any],
    level_of: IntArray,
    level: int,
) -> tuple[int, ...]:
    """Erlang A's total for the pool, spread over its groups like the max-flow bound's mix."""
    interval = int(np.flatnonzero(level_of == level)[0])
    mix = {g.name: 0 for g in pool_groups}
    for bound in bounds:
        for name, arr in bound.by_group.items():
            if name in mix:
                mix[name] = int(np.asarray(arr)[interval])
    total = _erlang_start(scenario, segs, rates, pool_groups)
    bound_total = sum(mix.values())
    if bound_total == 0:
        counts = [0] * len(pool_groups)
        counts[0] = total
        return tuple(counts)
    scale = max(1.0, total / bound_total)
    return tuple(max(0, math.ceil(mix[g.name] * scale)) for g in pool_groups)


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


CORRECTION_ROUNDS = 2


def _schedule_and_verify(
    scenario: Scenario,
    groups: list[StaffingGroup],
    plans: list[ShiftPlan],
    required: dict[str, IntArray],
    options: PlanOptions,
    pool: ReplicationPool | None,
) -> tuple[ScheduleResult, list[AgentGroup], Replications | None]:
    """Shifts for ``required`` (agents on the queue, so divided by 1 - shrinkage) and their
    re-simulation in the full scenario."""
    on_duty = {g.name: required[g.name] / (1.0 - g.profile.shrinkage) for g in groups}
    schedule = schedule_shifts(
        on_duty,
        plans,
        start_s=float(scenario.interval_starts_s[0]),
        interval_min=scenario.interval_min,
        time_limit_s=options.shift_time_limit_s,
        workers=2,
        seed=options.seed,
    )
    roster = recommended_roster(schedule, groups)
    if not roster:
        return schedule, roster, None
    result = run_replications(
        scenario.model_copy(update={"roster": roster}),
        options.replications,
        options.seed,
        workers=options.workers,
        pool=pool,
    )
    return schedule, roster, result


def _bump_clear_misses(
    misses: Sequence[IntervalMiss],
    scenario: Scenario,
    required: dict[str, IntArray],
    level_of: IntArray,
    levels: list[DemandLevel],
    unfixable: set[int],
    groups: list[StaffingGroup],
    first: int,
) -> dict[str, IntArray] | None:
    """``required`` with one more agent, in each interval that clearly missed a service target and
    where more agents can help, for the group with the largest requirement there (None: nothing
    to bump)."""
    out = {k: v.copy() for k, v in required.items()}
    starts = scenario.interval_starts_s
    bumped = False
    for miss in misses:
        if not miss.clear or miss.metric not in ("service_level", "abandon_rate", "p95_handoff_s"):
            continue
        k = int(np.searchsorted(starts, miss.interval_start_s))
        if k < first or k >= starts.size or int(level_of[k]) in unfixable:
            continue
        candidates = [g.name for g in groups if g.name in levels[int(level_of[k])].available]
        if not candidates:
            continue
        name = max(candidates, key=lambda n: int(out[n][k]))
        out[name][k] += 1
        bumped = True
    return out if bumped else None


def _interval_span(scenario: Scenario, intervals: IntArray) -> str:
    """'09:00-11:00 UTC' style description of interval indices (first to last)."""
    starts = scenario.interval_starts_s
    tz = zone(scenario.time_zone)
    lo = datetime.fromtimestamp(float(starts[intervals[0]]), tz)
    hi = datetime.fromtimestamp(float(starts[intervals[-1]]) + scenario.interval_s, tz)
    more = f" ({len(intervals)} intervals)" if len(intervals) > 1 else ""
    return f"{lo:%H:%M}-{hi:%H:%M} {scenario.time_zone}{more}"


def _staffed_by_group(result: Replications, group_of: dict[str, str]) -> dict[str, FloatArray]:
    """Mean agents on queue per staffing group and interval, from ``staffed_<roster group>``."""
    out: dict[str, FloatArray] = {}
    for key in result.runs[0].intervals:
        if key.startswith("staffed_"):
            name = group_of.get(key.removeprefix("staffed_"), key.removeprefix("staffed_"))
            mean = result.per_interval(key).mean(axis=0)
            out[name] = out.get(name, np.zeros_like(mean)) + mean
    return out


def interval_misses(result: Replications, scenario: Scenario) -> list[IntervalMiss]:
    """Intervals whose mean misses a target (service level, abandonment, occupancy, p95)."""
    t = scenario.service_level
    checks: list[tuple[str, float, bool]] = [("service_level", t.target, True)]
    if t.max_abandon_rate is not None:
        checks.append(("abandon_rate", t.max_abandon_rate, False))
    if t.max_occupancy is not None:
        checks.append(("occupancy", t.max_occupancy, False))
    if t.max_p95_handoff_s is not None:
        checks.append(("p95_handoff_s", t.max_p95_handoff_s, False))
    misses: list[IntervalMiss] = []
    starts = result.interval_start_s
    for metric, goal, higher in checks:
        mean, low, high = estimate_columns(result.per_interval(metric), share=metric in SHARES)
        for k, value in enumerate(mean.tolist()):
            if not math.isfinite(value):
                continue
            gap = goal - value if higher else value - goal
            if gap > 1e-12:
                ci = (float(low[k]), float(high[k])) if math.isfinite(low[k]) else None
                misses.append(IntervalMiss(float(starts[k]), metric, value, goal, gap, ci))
    misses.sort(key=lambda m: (m.interval_start_s, m.metric))
    return misses
