"""Stage 1: how many people work each weekly pattern, by CP-SAT over patterns (one group at a time).

Model building reads in a fixed order: data (:mod:`~simulator.planning.rostering.week_patterns`)
-> variables -> constraints (one function per family) -> objective -> solve -> result
(:mod:`~simulator.planning.rostering.pattern_result`).

* ``n[c, w, b]`` (int): people of contract ``c`` working day set ``w`` in start band ``b``;
* ``z[c, d, b, k]`` (int): shifts those people start on day ``d`` at ``starts[k]``, ``k`` in band
  ``b`` (within ``max_start_variation_min`` of the band's start);
* ``y[c, d, k] = sum_b z[c, d, b, k]``: shifts starting on day ``d`` at ``starts[k]``;
* ``u[i]`` (int): agent-seconds short in week interval ``i``.

Constraints: **linking** ``sum_k z[c, d, b, k] = sum_{w works d} n[c, w, b]`` (every person of a
band works exactly one shift on each of their days, inside the band); **coverage** ``sum
on_duty_s[c, d, k, i] y[c, d, k] + u[i] >= required_s[i]``; **caps** ``sum n[c, ., .] <=
max_people[group, contract]`` when given. The day sets already keep days per week, consecutive
days off and weekly hours; the bands keep start variation and rest.

Objective, **coverage first** (default): minimise ``sum u``, then, with it held, the cost of every
shift (paid hours x cost per paid hour; paid hours when costs are 1). With
``under_penalty_per_agent_h``, one solve minimises cost + penalty x agent-hours short. A variable
is bounded by the peak requirement (one more person on a week than the most agents any of its
intervals needs could be removed). The greedy baseline
(:mod:`~simulator.planning.rostering.pattern_baseline`) is the hint, and is kept when the solver
does not beat it in time. The time limit is wall-clock seconds for the whole stage (planners
and the benchmark floor are on the clock): a solve proven optimal gives the same patterns on
every run; one stopped by the clock may differ on a busier machine.

OR-Tools loads on first use.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.planning.rostering.pattern_baseline import (
    GroupSolution,
    coverage_s,
    greedy_solution,
    solution_cost,
    solution_short_s,
)
from simulator.planning.rostering.pattern_result import PatternResult, read_patterns
from simulator.planning.rostering.requirement import WeekRequirement
from simulator.planning.rostering.week_patterns import COST_SCALE, GroupData, build_week_data
from simulator.planning.scheduling import ScheduleStatus
from simulator.scenario.labour_rules import LabourRules
from simulator.scenario.shift_plans import ShiftPlan

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

__all__ = ["plan_patterns"]


# ------------------------------------------------------------------------------------- variables
@dataclass(slots=True)
class _Vars:
    n: dict[tuple[int, int, int], Any]  # n[c, w, b] == people on contract c, day set w, band b
    z: dict[tuple[int, int, int, int], Any]  # z[c, d, b, k] == their shifts on day d at starts[k]
    y: dict[tuple[int, int, int], Any]  # y[c, d, k] == shifts on day d at starts[k], all bands
    under: dict[int, Any]  # under[i] == agent-seconds short in interval i


def _variables(model: cp_model.CpModel, data: GroupData) -> _Vars:
    """Every variable, bounded by the peak requirement (see the module docstring)."""
    peak = math.ceil(data.required_s.max() / max(_interval_s(data), 1)) if data.required_s.size else 0
    v = _Vars({}, {}, {}, {})
    for ci, c in enumerate(data.contracts):
        for w in range(len(c.day_sets)):
            for b in range(len(c.starts)):
                v.n[ci, w, b] = model.new_int_var(0, peak, f"n{ci}_{w}_{b}")
        for d in range(7):
            if not c.day_sets[:, d].any():
                continue
            for b, band in enumerate(c.bands):
                for k in band:
                    v.z[ci, d, b, k] = model.new_int_var(0, peak, f"z{ci}_{d}_{b}_{k}")
            for k in range(len(c.starts)):
                v.y[ci, d, k] = model.new_int_var(0, peak * len(c.starts), f"y{ci}_{d}_{k}")
    for i in np.flatnonzero(data.required_s):
        v.under[int(i)] = model.new_int_var(0, int(data.required_s[i]), f"u{i}")
    return v


def _interval_s(data: GroupData) -> int:
    return 7 * 86400 // data.required_s.size


# ----------------------------------------------------------------------------------- constraints
def _add_linking(model: cp_model.CpModel, data: GroupData, v: _Vars) -> None:
    """Each person of a band works one shift, inside the band, on every day of their day set:
    ``sum_k z[c, d, b, k] == sum_{w works d} n[c, w, b]``; and ``y`` sums ``z`` over bands."""
    for ci, c in enumerate(data.contracts):
        for d in range(7):
            sets = np.flatnonzero(c.day_sets[:, d])
            if sets.size == 0:
                continue
            for b, band in enumerate(c.bands):
                model.add(sum(v.z[ci, d, b, k] for k in band) == sum(v.n[ci, int(w), b] for w in sets))
            for k in range(len(c.starts)):
                parts = [v.z[ci, d, b, k] for b, band in enumerate(c.bands) if k in band]
                model.add(v.y[ci, d, k] == sum(parts))


def _add_coverage(model: cp_model.CpModel, data: GroupData, v: _Vars) -> None:
    """Seconds on duty plus the shortfall reach the requirement in every interval."""
    for i, short in v.under.items():
        terms = []
        for ci, c in enumerate(data.contracts):
            col = c.on_duty_s[:, :, i]
            for d, k in zip(*np.nonzero(col), strict=True):
                if (ci, int(d), int(k)) in v.y:
                    terms.append(int(col[d, k]) * v.y[ci, int(d), int(k)])
        model.add(sum(terms) + short >= int(data.required_s[i]))


def _add_caps(model: cp_model.CpModel, data: GroupData, v: _Vars, caps: Mapping[str, int]) -> None:
    """At most ``caps[contract]`` people on each capped contract."""
    for ci, c in enumerate(data.contracts):
        if c.contract.name in caps:
            model.add(sum(x for (cj, _, _), x in v.n.items() if cj == ci) <= caps[c.contract.name])


# ----------------------------------------------------------------------------- objective, solve
def _cost(data: GroupData, v: _Vars) -> Any:
    return sum(data.contracts[ci].shift_cost * y for (ci, _, _), y in v.y.items())


def _hint(model: cp_model.CpModel, data: GroupData, v: _Vars, sol: GroupSolution) -> None:
    """Hint every variable, the shortfalls too (a complete hint is a solution CP-SAT starts from)."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    short = np.maximum(data.required_s - coverage_s(data, sol), 0)
    for i, u in v.under.items():
        model.add_hint(u, int(short[i]))
    for (ci, w, b), x in v.n.items():
        model.add_hint(x, int(sol.people[ci][w, b]))
    for (ci, d, b, k), x in v.z.items():
        model.add_hint(x, int(sol.shifts[ci][d, b, k]))
    for (ci, d, k), x in v.y.items():
        model.add_hint(x, int(sol.shifts[ci][d, :, k].sum()))


def _solve(model: cp_model.CpModel, budget_s: float, workers: int, seed: int) -> tuple[Any, Any]:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = budget_s  # wall seconds: the stage's floor is on the clock
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver, solver.solve(model)


def _read(solver: Any, data: GroupData, v: _Vars) -> GroupSolution:
    sol = GroupSolution.empty(data)
    for (ci, w, b), x in v.n.items():
        sol.people[ci][w, b] = solver.value(x)
    for (ci, d, b, k), x in v.z.items():
        sol.shifts[ci][d, b, k] = solver.value(x)
    return sol


@dataclass(frozen=True, slots=True)
class _Outcome:
    solution: GroupSolution
    found: bool  # CP-SAT returned a solution at least as good as the hint
    proven_cover: bool
    proven_cost: bool


def _better(data: GroupData, a: GroupSolution, b: GroupSolution, penalty: int | None) -> bool:
    short_a, short_b = solution_short_s(data, a), solution_short_s(data, b)
    cost_a, cost_b = solution_cost(data, a), solution_cost(data, b)
    if penalty is None:
        return (short_a, cost_a) < (short_b, cost_b)
    return 3600 * cost_a + penalty * short_a < 3600 * cost_b + penalty * short_b


def _solve_group(
    data: GroupData,
    caps: Mapping[str, int],
    budget_s: float,
    workers: int,
    seed: int,
    penalty: int | None,
) -> _Outcome:
    """data -> variables -> constraints -> objective -> solve -> result, for one group."""
    from ortools.sat.python import cp_model

    # data
    entered = time.perf_counter()
    hint = greedy_solution(data, caps)
    if not data.contracts:
        return _Outcome(hint, False, True, True)
    # variables, constraints
    model = cp_model.CpModel()
    v = _variables(model, data)
    _add_linking(model, data, v)
    _add_coverage(model, data, v)
    _add_caps(model, data, v, caps)
    _hint(model, data, v, hint)
    under = sum(v.under.values())
    budget_s = max(budget_s - (time.perf_counter() - entered), 0.05)  # the baseline and model took theirs
    # objective and solve: one weighted solve, or shortfall first then cost
    if penalty is not None:
        model.minimize(3600 * _cost(data, v) + penalty * under)
        solver, status = _solve(model, budget_s, workers, seed)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _Outcome(hint, False, False, False)
        sol = _read(solver, data, v)
        proven = status == cp_model.OPTIMAL
        return (
            _Outcome(hint, False, False, False)
            if _better(data, hint, sol, penalty)
            else _Outcome(sol, True, proven, proven)
        )
    least, proven_cover = 0, True
    start = hint
    if solution_short_s(data, hint) > 0:
        model.minimize(under)
        solver, status = _solve(model, budget_s / 2, workers, seed)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _Outcome(hint, False, False, False)
        least = round(solver.objective_value)
        proven_cover = status == cp_model.OPTIMAL
        first = _read(solver, data, v)
        if solution_short_s(data, first) <= solution_short_s(data, hint):
            start = first
        budget_s /= 2
    model.add(under <= least)
    _hint(model, data, v, start)
    model.minimize(_cost(data, v))
    solver, status = _solve(model, budget_s, workers, seed)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Outcome(start, start is not hint, proven_cover, False)
    sol = _read(solver, data, v)
    if _better(data, start, sol, None):
        return _Outcome(start, start is not hint, proven_cover, False)
    return _Outcome(sol, True, proven_cover, status == cp_model.OPTIMAL)


def plan_patterns(
    requirement: WeekRequirement,
    plans: Sequence[ShiftPlan],
    rules: LabourRules,
    *,
    max_people: Mapping[tuple[str, str], int] | None = None,
    time_limit_s: float = 20.0,
    workers: int = 2,
    under_penalty_per_agent_h: float | None = None,
    seed: int = 0,
) -> PatternResult:
    """How many people work each weekly pattern, per staffing group, under ``rules``.

    ``plans``: a shift plan for every group of ``requirement`` (others are ignored); a contract
    works its ``template`` of each group's plan (groups whose plan lacks it do not use that
    contract). ``max_people[(group, contract)]`` caps the people of a contract in a group (e.g.
    the named people there). ``time_limit_s``: wall seconds for the whole call; what is left
    after building the data goes to the groups in turn, in proportion to their required
    agent-hours, and a group's greedy baseline and model building come out of its share (a solve
    gets at least 0.05 s, so a call on a slow machine may overrun by the last groups' baselines);
    ``workers``: CP-SAT's threads. ``under_penalty_per_agent_h``: ``None`` covers first then minimises cost; a
    number trades cost against agent-hours short.

    Never raises for rules or caps that make cover impossible: the result's ``status``
    (``infeasible``), ``shortfalls`` and ``message`` say what stays short and why. Raise a
    ValueError for bad arguments (a requirement group without a plan, repeated plan groups,
    ``time_limit_s <= 0``, ``workers < 1``, a negative penalty or cap).
    """
    if not (math.isfinite(time_limit_s) and time_limit_s > 0):
        raise ValueError(f"time_limit_s(={time_limit_s}) must be a finite number > 0.")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers(={workers!r}) must be an int >= 1.")
    if under_penalty_per_agent_h is not None and not (
        math.isfinite(under_penalty_per_agent_h) and under_penalty_per_agent_h >= 0
    ):
        raise ValueError(f"under_penalty_per_agent_h(={under_penalty_per_agent_h}) must be finite and >= 0.")
    for key, cap in (max_people or {}).items():
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise ValueError(f"max_people[{key!r}](={cap!r}) must be an int >= 0.")
    began = time.perf_counter()  # the limit is on the whole stage: data, baselines and solves
    groups = build_week_data(requirement, plans, rules)
    penalty = None if under_penalty_per_agent_h is None else round(under_penalty_per_agent_h * COST_SCALE)
    weight = [max(float(g.required_s.sum()), 1.0) for g in groups]
    solutions: list[GroupSolution] = []
    outcomes: list[_Outcome] = []
    notes: list[str] = []
    for n, g in enumerate(groups):
        # the wall time left (the data and the earlier groups took their part) in proportion
        left_s = time_limit_s - (time.perf_counter() - began)
        share = left_s * weight[n] / sum(weight[n:])
        caps = {c: k for (grp, c), k in (max_people or {}).items() if grp == g.group}
        out = _solve_group(g, caps, max(share, 0.05), workers, seed, penalty)
        solutions.append(out.solution)
        outcomes.append(out)
        notes.extend(f"group {g.group!r}: {p}" for p in g.problems)
        if not g.contracts:
            notes.append(f"group {g.group!r}: no contract fits its shift plan and the rules")
        elif not out.found:
            notes.append(f"group {g.group!r}: CP-SAT did not beat the greedy baseline in time, baseline used")
    status = _status(groups, solutions, outcomes, penalty is not None)
    method = "cp-sat" if any(o.found for o in outcomes) else "greedy"
    return read_patterns(requirement, groups, solutions, status, method, notes)


def _status(
    groups: Sequence[GroupData],
    solutions: Sequence[GroupSolution],
    outcomes: Sequence[_Outcome],
    weighted: bool,
) -> ScheduleStatus:
    """Combine the groups' outcomes into one status (see :class:`PatternResult`)."""
    if any(not g.contracts and g.required_s.any() for g in groups):
        return ScheduleStatus.INFEASIBLE
    if weighted:
        if all(o.proven_cost for o in outcomes):
            return ScheduleStatus.OPTIMAL
    else:
        short = [solution_short_s(g, s) > 0 for g, s in zip(groups, solutions, strict=True)]
        if any(short):
            if all(o.proven_cover for o, s in zip(outcomes, short, strict=True) if s):
                return ScheduleStatus.INFEASIBLE
        elif all(o.proven_cost for o in outcomes):
            return ScheduleStatus.OPTIMAL
    if all(not o.found for o in outcomes):
        return ScheduleStatus.TIME_LIMIT
    return ScheduleStatus.FEASIBLE
