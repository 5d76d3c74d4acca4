"""The CP-SAT model of shift scheduling, one group at a time, and :func:`schedule_shifts`.

Model building reads in a fixed order: data (:mod:`~simulator.planning.scheduling.data`) ->
variables -> constraints (one function per family, its rule in the docstring) -> objective ->
solve -> result (:mod:`~simulator.planning.scheduling.result`).

* ``x[c]`` (int): agents working candidate ``c`` = (group, template, start, break start).
* ``u[g, i]`` (int): agent-seconds by which group ``g`` is short in interval ``i``.
* coverage: ``sum_c on_duty_s[c, i] * x[c] + u[g, i] >= required_s[g, i]``;
* per template ``min_count <= sum x <= max_count``; per group ``min_headcount <= sum x <=
  max_headcount`` (one shift per agent over the horizon, so shifts = headcount: plan one day, or
  less, at a time).
* objective, **coverage first** (default): minimise ``sum u``; then, with ``sum u`` held at that
  minimum, minimise cost (``cost_per_paid_hour x paid hours``; paid hours when every cost is 1).
  With ``under_penalty_per_agent_h`` instead, one solve minimises cost + penalty x agent-hours
  short, so a short interval may be left when covering it costs more than the penalty.

``x[c]`` is bounded by ``max(ceil(required_s[i] / on_duty_s[c, i]) over i, min counts)`` (and the
max counts): one more agent on ``c`` could be removed without losing coverage, so the bound never
cuts off an optimum.

Groups share no constraint, so each group is solved as its own model, in plan order, sharing the
time limit. Each starts from a hint: the better of the greedy schedule and the LP relaxation
(HiGHS) rounded up then pruned of agents no interval needs
(:mod:`~simulator.planning.scheduling.baselines`). The hint is kept for a group when the solver
does not beat it in time. Measured on 6 groups x 100 quarter-hours x ~1,600 candidates each (2
workers): LP bound 1,472 cost units; greedy 1,791; CP-SAT as one joint model 1,786 in 10 s; per
group from the greedy hint ~1,540-1,700; per group from the LP hint 1,527 in 5 s and 1,485 in 20 s.

OR-Tools loads on first use (inside the functions that build and solve), so importing the
package, its data or its result does not.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from simulator.planning.scheduling.baselines import baseline_counts, lp_lower_bound
from simulator.planning.scheduling.data import COST_SCALE, ScheduleData, better, build_data, short_s
from simulator.planning.scheduling.result import ScheduleResult, ScheduleStatus, empty_result, read_result
from simulator.scenario.shift_plans import ShiftPlan

if TYPE_CHECKING:  # CP-SAT loads on first use
    from ortools.sat.python import cp_model

__all__ = ["schedule_shifts"]

IntArray = npt.NDArray[np.int64]


# ------------------------------------------------------------------------------------- variables
@dataclass(slots=True)
class _Vars:
    """The decision variables of one group's model."""

    x: dict[int, Any]  # x[c] == agents working candidate c (the group's candidates only)
    under: dict[int, Any]  # under[i] == agent-seconds the group is short in interval i


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One group's solve: its schedule and what was proven about it."""

    counts: IntArray  # over the group's candidates, in data.by_group[g] order
    found: bool  # CP-SAT returned a schedule (else: the baseline one)
    contradiction: bool  # the group's limits contradict each other: no schedule
    proven_cover: bool  # the shortfall is proven least
    proven_cost: bool  # the cost (or cost + penalty) is proven least given the shortfall


def _variables(model: cp_model.CpModel, data: ScheduleData, g: int) -> _Vars:
    """``x[c]`` in ``[0, upper[c]]`` for each of the group's candidates; ``under[i]`` in ``[0,
    required_s[g, i]]`` for each interval that requires anyone (others cannot be short)."""
    x = {int(c): model.new_int_var(0, int(data.upper[c]), f"x{c}") for c in data.by_group[g]}
    under = {
        i: model.new_int_var(0, int(data.required_s[g, i]), f"u{i}")
        for i in range(data.n)
        if data.required_s[g, i] > 0
    }
    return _Vars(x, under)


# ----------------------------------------------------------------------------------- constraints
def _add_coverage(model: cp_model.CpModel, data: ScheduleData, g: int, v: _Vars) -> None:
    """The group's agent-seconds on duty in each interval, plus its shortfall, reach the
    requirement: ``sum_c on_duty_s[c, i] x[c] + under[i] >= required_s[g, i]``."""
    cands = data.by_group[g]
    for i, short in v.under.items():
        column = data.on_duty_s[cands, i]
        terms = [(int(s), v.x[int(c)]) for c, s in zip(cands, column, strict=True) if s > 0]
        model.add(sum(coef * var for coef, var in terms) + short >= int(data.required_s[g, i]))


def _add_template_counts(model: cp_model.CpModel, data: ScheduleData, g: int, v: _Vars) -> None:
    """Agents on each template over the horizon lie within ``[min_count, max_count]``."""
    for t, tpl in enumerate(data.plans[g].templates):
        total = sum(v.x[int(c)] for c in data.by_template[g][t])
        if tpl.min_count > 0:
            model.add(total >= tpl.min_count)
        if tpl.max_count is not None:
            model.add(total <= tpl.max_count)


def _add_headcount(model: cp_model.CpModel, data: ScheduleData, g: int, v: _Vars) -> None:
    """Agents (= shifts) of the group lie within ``[min_headcount, max_headcount]``."""
    plan = data.plans[g]
    total = sum(v.x.values())
    if plan.min_headcount > 0:
        model.add(total >= plan.min_headcount)
    if plan.max_headcount is not None:
        model.add(total <= plan.max_headcount)


# ----------------------------------------------------------------------------- objective, solve
def _cost_expr(data: ScheduleData, v: _Vars) -> Any:
    return sum(int(data.cost[c]) * var for c, var in v.x.items())


def _under_expr(v: _Vars) -> Any:
    return sum(v.under.values())


def _hint(model: cp_model.CpModel, v: _Vars, counts: Mapping[int, int]) -> None:
    model.clear_hints()  # type: ignore[no-untyped-call]
    for c, var in v.x.items():
        model.add_hint(var, counts.get(c, 0))


class _Budget:
    """Solver time left, in CP-SAT's deterministic time (a work count scaled to be close to
    seconds), shared out over the solves still to come. Counting work rather than wall time
    is what makes a schedule the same on every run: no clock is read here."""

    def __init__(self, seconds: float) -> None:
        self.left_s = seconds

    def share(self, solves_left: int) -> float:
        return max(self.left_s / max(solves_left, 1), 0.01)

    def spend(self, solver: cp_model.CpSolver) -> None:
        self.left_s -= solver.deterministic_time


#: A solve may take this many times its deterministic budget in wall seconds before it is cut
#: short (then, and only then, the result depends on the machine's speed). Deterministic time
#: runs close to wall time on an idle machine and overshoots a budget by up to about 2x (the
#: interleaved batches finish before the limit is checked); 10x leaves room for a busy machine.
WALL_CAP_FACTOR: Final = 10.0


def _solve(model: cp_model.CpModel, time_limit_s: float, workers: int, seed: int) -> tuple[Any, Any]:
    """Solve with a deterministic time limit and interleaved (deterministic) parallel search, so
    the same model, seed and worker count give the same answer on every run."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit_s
    solver.parameters.max_time_in_seconds = WALL_CAP_FACTOR * time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = workers > 1
    solver.parameters.random_seed = seed
    return solver, solver.solve(model)


def _solve_group(
    data: ScheduleData,
    g: int,
    baseline: IntArray,
    budget: _Budget,
    solves_left: int,
    workers: int,
    seed: int,
    penalty: int | None,
) -> _Outcome:
    """data -> variables -> constraints -> objective -> solve -> result, for group ``g``."""
    from ortools.sat.python import cp_model

    # data
    cands = data.by_group[g]
    start = {int(c): int(baseline[c]) for c in cands}
    baseline_short = short_s(data, g, baseline)
    # variables
    model = cp_model.CpModel()
    v = _variables(model, data, g)
    # constraints
    _add_coverage(model, data, g, v)
    _add_template_counts(model, data, g, v)
    _add_headcount(model, data, g, v)
    _hint(model, v, start)
    # objective and solve: one weighted solve, or shortfall first then cost
    if penalty is not None:
        model.minimize(3600 * _cost_expr(data, v) + penalty * _under_expr(v))
        solver, status = _solve(model, budget.share(solves_left), workers, seed)
        budget.spend(solver)
        if status == cp_model.INFEASIBLE:
            return _Outcome(np.zeros(cands.size, np.int64), False, True, False, False)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _Outcome(baseline[cands], False, False, False, False)
        proven = status == cp_model.OPTIMAL
        return _Outcome(_values(solver, v, cands), True, False, proven, proven)
    least_short, proven_cover = 0, True
    if baseline_short > 0:  # else the baseline already proves a shortfall of 0 reachable
        model.minimize(_under_expr(v))
        solver, status = _solve(model, budget.share(2 * solves_left), workers, seed)
        budget.spend(solver)
        if status == cp_model.INFEASIBLE:
            return _Outcome(np.zeros(cands.size, np.int64), False, True, False, False)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _Outcome(baseline[cands], False, False, False, False)
        least_short = round(solver.objective_value)
        proven_cover = status == cp_model.OPTIMAL
        first = _values(solver, v, cands)
        if short_s(data, g, _spread(data, cands, first)) <= baseline_short:
            start = {int(c): int(k) for c, k in zip(cands, first, strict=True)}
    model.add(_under_expr(v) <= least_short)
    _hint(model, v, start)
    model.minimize(_cost_expr(data, v))
    solver, status = _solve(model, budget.share(solves_left), workers, seed)
    budget.spend(solver)
    if status == cp_model.INFEASIBLE:  # only the limits can make this model infeasible
        return _Outcome(np.zeros(cands.size, np.int64), False, True, False, False)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        fallback = np.array([start[int(c)] for c in cands], dtype=np.int64)
        return _Outcome(fallback, baseline_short > 0, False, proven_cover, False)
    return _Outcome(_values(solver, v, cands), True, False, proven_cover, status == cp_model.OPTIMAL)


def _values(solver: cp_model.CpSolver, v: _Vars, cands: IntArray) -> IntArray:
    return np.array([solver.value(v.x[int(c)]) for c in cands], dtype=np.int64)


def _spread(data: ScheduleData, cands: IntArray, counts: IntArray) -> IntArray:
    """Counts over one group's candidates -> counts over all candidates."""
    out = np.zeros(len(data.candidates), np.int64)
    out[cands] = counts
    return out


def schedule_shifts(
    requirements: Mapping[str, npt.ArrayLike],
    plans: Sequence[ShiftPlan],
    *,
    start_s: float,
    interval_min: int = 15,
    time_limit_s: float = 10.0,
    workers: int = 2,
    under_penalty_per_agent_h: float | None = None,
    seed: int = 0,
) -> ScheduleResult:
    """Choose how many agents start each shift so every interval's requirement is covered.

    ``requirements``: group -> agents required on duty per interval (1-D, one length for all, on
    the UTC grid starting at ``start_s`` epoch seconds, ``interval_min`` apart); every plan's group
    needs one and nothing else may have one. ``time_limit_s`` bounds the solver time of the whole
    call (shared over the groups, each solved on its own, and their phases); ``workers`` is
    CP-SAT's thread count. ``under_penalty_per_agent_h``: ``None`` covers first, then minimises
    cost; a number trades cost against agent-hours short. The baseline (greedy or rounded LP,
    see the module docstring) is the starting hint, kept for a group where the solver does not
    beat it in time. The result carries the LP bound on paid hours and cost
    (:func:`~simulator.planning.scheduling.baselines.lp_lower_bound`).

    Never raises for limits that make coverage impossible: the result's ``status``,
    ``shortfalls`` and ``message`` say what cannot be covered. Raise a ValueError for bad
    arguments (mismatched groups, negative or non-finite requirements, arrays of unequal length,
    ``time_limit_s <= 0``, ``workers < 1``, a negative penalty).
    """
    if not time_limit_s > 0 or not math.isfinite(time_limit_s):
        raise ValueError(f"time_limit_s(={time_limit_s}) must be a finite number > 0.")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers(={workers!r}) must be an int >= 1.")
    if under_penalty_per_agent_h is not None and not (
        math.isfinite(under_penalty_per_agent_h) and under_penalty_per_agent_h >= 0
    ):
        raise ValueError(f"under_penalty_per_agent_h(={under_penalty_per_agent_h}) must be finite and >= 0.")
    data = build_data(requirements, plans, start_s, interval_min)
    if data.problems:
        return empty_result(data, "; ".join(data.problems))
    # cost (1/COST_SCALE units) x 3600 vs penalty per agent-second x 3600: all integers
    penalty = None if under_penalty_per_agent_h is None else round(under_penalty_per_agent_h * COST_SCALE)
    baseline = baseline_counts(data, penalty)
    budget = _Budget(time_limit_s)
    counts = np.zeros(len(data.candidates), np.int64)
    outcomes: list[_Outcome] = []
    notes: list[str] = []
    for g, plan in enumerate(data.plans):
        out = _solve_group(data, g, baseline, budget, len(data.plans) - g, workers, seed, penalty)
        counts[data.by_group[g]] = out.counts
        if out.found and better(data, g, baseline, counts, penalty):
            counts[data.by_group[g]] = baseline[data.by_group[g]]
            out = _Outcome(baseline[data.by_group[g]], True, False, out.proven_cover, False)
            notes.append(f"group {plan.group!r}: the baseline beat CP-SAT within the time limit")
        elif not out.found and not out.contradiction:
            notes.append(
                f"group {plan.group!r}: CP-SAT found no schedule within the time limit, baseline used"
            )
        if out.contradiction:
            notes.append(
                f"group {plan.group!r}: min counts or min headcount cannot be met within the max limits"
            )
        outcomes.append(out)
    status = _status(data, counts, outcomes, penalty is not None)
    method = "cp-sat" if any(o.found for o in outcomes) else "baseline"
    if any(o.contradiction for o in outcomes):
        message = "the limits contradict each other, no schedule for those groups: " + "; ".join(notes)
        return read_result(data, counts, ScheduleStatus.INFEASIBLE, method, message=message)
    result = read_result(data, counts, status, method, "; ".join(notes))
    paid_bound, cost_bound = lp_lower_bound(data, counts)
    return dataclasses.replace(result, lower_bound_paid_hours=paid_bound, lower_bound_cost=cost_bound)


def _status(
    data: ScheduleData, counts: IntArray, outcomes: Sequence[_Outcome], weighted: bool
) -> ScheduleStatus:
    """Combine the groups' outcomes into one status (see :class:`ScheduleStatus`)."""
    if any(o.contradiction for o in outcomes):
        return ScheduleStatus.INFEASIBLE
    if weighted:
        if all(o.found and o.proven_cost for o in outcomes):
            return ScheduleStatus.OPTIMAL
    else:
        short = [short_s(data, g, counts) > 0 for g in range(len(outcomes))]
        if any(short):
            if all(o.proven_cover for o, s in zip(outcomes, short, strict=True) if s):
                return ScheduleStatus.INFEASIBLE
        elif all(o.proven_cost for o in outcomes):
            return ScheduleStatus.OPTIMAL
    if any(not o.found for o in outcomes):
        return ScheduleStatus.TIME_LIMIT
    return ScheduleStatus.FEASIBLE
