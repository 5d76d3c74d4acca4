"""Baselines: the greedy schedule and the rounded LP relaxation, and the paid-hours bound.

A greedy baseline first (the OR-Tools samples' and PyJobShop's habit): it is the CP-SAT model's
starting hint, its fallback when the solver finds nothing in time, and a yardstick in benchmarks.
:func:`baseline_counts` takes, per group, the better of the greedy schedule and the LP relaxation
(scipy's HiGHS) rounded up then pruned of agents no interval needs. :func:`lp_lower_bound` is
the same LP relaxation as a bound: the least paid hours and the least cost any schedule needs
that is no shorter than a given one (the report's "paid hours against the bound").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from simulator.planning.scheduling.data import COST_SCALE, ScheduleData, better, build_data, short_s
from simulator.planning.scheduling.result import ScheduleResult, ScheduleStatus, read_result
from simulator.scenario.shift_plans import ShiftPlan

__all__ = ["baseline_counts", "greedy_schedule", "lp_lower_bound", "paid_hours_lower_bound"]

IntArray = npt.NDArray[np.int64]


def paid_hours_lower_bound(requirements: Mapping[str, npt.ArrayLike], interval_min: int) -> float:
    """Paid hours any schedule covering every interval needs at least: the required agent-hours,
    ``sum(requirements) x interval_min / 60`` (paid time >= time on duty >= required time).

    Raise a ValueError if a requirement is not numeric."""
    return (
        sum(float(np.sum(np.asarray(r, dtype=np.float64))) for r in requirements.values()) * interval_min / 60
    )


def _room(data: ScheduleData, counts: IntArray, g: int, cands: IntArray) -> npt.NDArray[np.bool_]:
    """Which of group ``g``'s candidates can take one more agent under every max limit."""
    plan = data.plans[g]
    ok = counts[cands] < data.upper[cands]
    if plan.max_headcount is not None and counts[data.by_group[g]].sum() >= plan.max_headcount:
        return np.zeros(cands.size, bool)
    for t, tpl in enumerate(plan.templates):
        if tpl.max_count is not None and counts[data.by_template[g][t]].sum() >= tpl.max_count:
            ok &= data.template_of[cands] != t
    return ok


def _prune(data: ScheduleData, g: int, counts: IntArray) -> None:
    """Drop agents, most expensive shift first, whose removal leaves no interval shorter (and
    keeps the min counts)."""
    cands = data.by_group[g]
    on_duty = data.on_duty_s[cands]
    required = data.required_s[g]
    on = counts[cands] @ on_duty
    plan = data.plans[g]
    head = int(counts[cands].sum())
    per_template = [int(counts[idx].sum()) for idx in data.by_template[g]]
    for j in np.argsort(-data.cost[cands], kind="stable"):
        row = on_duty[j]
        touched = row > 0
        t = int(data.template_of[cands[j]])
        while (
            counts[cands[j]] > 0
            and head > plan.min_headcount
            and per_template[t] > plan.templates[t].min_count
            and np.all(on[touched] - row[touched] >= required[touched])
        ):
            counts[cands[j]] -= 1
            head -= 1
            per_template[t] -= 1
            on -= row


def _greedy_counts(data: ScheduleData) -> IntArray:
    """Earliest short interval first: add the agent whose shift covers it and removes the most
    shortfall per unit of cost; then drop agents no longer needed (:func:`_prune`); then top up
    to the min counts with the cheapest shifts."""
    counts = np.zeros(len(data.candidates), np.int64)
    for g, plan in enumerate(data.plans):
        cands = data.by_group[g]
        if cands.size == 0:
            continue
        on_duty = data.on_duty_s[cands]
        price = data.cost[cands].astype(np.float64) + 1.0  # +1: free shifts still rank by coverage
        deficit = data.required_s[g].copy()
        given_up = np.zeros(data.n, bool)
        while True:
            pending = np.flatnonzero((deficit > 0) & ~given_up)
            if pending.size == 0:
                break
            i = int(pending[0])
            ok = (on_duty[:, i] > 0) & _room(data, counts, g, cands)
            if not ok.any():
                given_up[i] = True
                continue
            gain = np.minimum(on_duty, deficit[None, :]).sum(axis=1)
            score = np.where(ok, gain / price, -np.inf)
            best = int(np.argmax(score))
            counts[cands[best]] += 1
            deficit = np.maximum(deficit - on_duty[best], 0)
        _prune(data, g, counts)
        for t, tpl in enumerate(plan.templates):  # min counts: cheapest, then earliest
            mine = data.by_template[g][t]
            while mine.size and counts[mine].sum() < tpl.min_count:
                room = _room(data, counts, g, mine)
                if not room.any():
                    break
                counts[mine[int(np.argmin(np.where(room, data.cost[mine], np.iinfo(np.int64).max)))]] += 1
        while counts[cands].sum() < plan.min_headcount:
            room = _room(data, counts, g, cands)
            if not room.any():
                break
            counts[cands[int(np.argmin(np.where(room, data.cost[cands], np.iinfo(np.int64).max)))]] += 1
    return counts


def _limits(data: ScheduleData, g: int) -> list[tuple[npt.NDArray[np.bool_], int | None, int]]:
    """(members over the group's candidates, max, min) of every template and of the group."""
    cands = data.by_group[g]
    plan = data.plans[g]
    limits: list[tuple[npt.NDArray[np.bool_], int | None, int]] = [
        (data.template_of[cands] == t, tpl.max_count, tpl.min_count) for t, tpl in enumerate(plan.templates)
    ]
    limits.append((np.ones(cands.size, bool), plan.max_headcount, plan.min_headcount))
    return limits


def _lp(
    data: ScheduleData, g: int, objective: npt.NDArray[np.float64], short_budget_s: int = 0
) -> tuple[float, npt.NDArray[np.float64]] | None:
    """The LP relaxation of group ``g``'s model (HiGHS): minimise ``objective`` (per candidate of
    the group) over fractional agents per candidate within the template and headcount limits,
    covering every interval but for at most ``short_budget_s`` agent-seconds in all. Variables:
    ``x[c]`` for the group's candidates, then (with a budget) ``u[i]`` the agent-seconds short in
    each interval. (optimum, x) or ``None`` when infeasible."""
    from scipy.optimize import linprog  # loaded on first use: importing the package stays light
    from scipy.sparse import csr_matrix, hstack, identity, vstack

    cands = data.by_group[g]
    n_x = cands.size
    need = data.required_s[g].astype(np.float64)
    cover = csr_matrix(-data.on_duty_s[cands].T.astype(np.float64))
    n_u = data.n if short_budget_s > 0 else 0
    blocks = [hstack([cover, -identity(data.n, format="csr")]) if n_u else cover]
    rhs: list[npt.NDArray[np.float64]] = [-need]
    for member, most, least in _limits(data, g):
        row = np.concatenate([member.astype(np.float64), np.zeros(n_u)])[None, :]
        if most is not None:
            blocks.append(csr_matrix(row))
            rhs.append(np.array([float(most)]))
        if least > 0:
            blocks.append(csr_matrix(-row))
            rhs.append(np.array([-float(least)]))
    if n_u:
        blocks.append(csr_matrix(np.concatenate([np.zeros(n_x), np.ones(n_u)])[None, :]))
        rhs.append(np.array([float(short_budget_s)]))
    bounds = [(0.0, float(u)) for u in data.upper[cands]] + [(0.0, float(r)) for r in need[:n_u]]
    res = linprog(
        np.concatenate([objective, np.zeros(n_u)]),
        A_ub=vstack(blocks, format="csr"),
        b_ub=np.concatenate(rhs),
        bounds=bounds,
        method="highs",
    )
    if res.status != 0 or res.fun is None or res.x is None:
        return None
    return float(res.fun), np.asarray(res.x[:n_x], dtype=np.float64)


def lp_lower_bound(data: ScheduleData, counts: IntArray) -> tuple[float, float]:
    """(paid hours, cost) that no schedule within the limits goes below while being at most as
    short as ``counts`` (agents per candidate) in every group: per group, the LP relaxation's
    least paid hours and, in a second solve, its least cost, with the shortfall allowed up to
    ``counts``'s. ``counts`` itself is such a schedule, so its paid hours and cost are never
    below the bound; the gap is how far from optimal the schedule can be (for these
    requirements). Raises nothing (a group whose LP fails adds 0: still a bound)."""
    paid = cost = 0.0
    for g, plan in enumerate(data.plans):
        cands = data.by_group[g]
        if cands.size == 0:
            continue
        budget = short_s(data, g, counts)
        paid_h = np.array([plan.templates[int(t)].paid_h for t in data.template_of[cands]])
        least_paid = _lp(data, g, paid_h, budget)
        least_cost = _lp(data, g, data.cost[cands].astype(np.float64), budget)
        paid += max(least_paid[0], 0.0) if least_paid is not None else 0.0
        cost += max(least_cost[0], 0.0) / COST_SCALE if least_cost is not None else 0.0
    return paid, cost


def _rounded_lp_counts(data: ScheduleData, g: int) -> IntArray | None:
    """The LP relaxation of group ``g``'s full-coverage model (HiGHS), rounded up, then pruned
    (:func:`_prune`): a strong starting hint. ``None`` when the LP is infeasible (limits too
    tight to cover) or the rounded schedule breaks a max limit."""
    cands = data.by_group[g]
    if cands.size == 0:
        return None
    solved = _lp(data, g, data.cost[cands].astype(np.float64))
    if solved is None:
        return None
    limits = _limits(data, g)
    counts = np.zeros(len(data.candidates), np.int64)
    counts[cands] = np.ceil(solved[1] - 1e-6).astype(np.int64)
    _prune(data, g, counts)
    for member, most, _ in limits:
        if most is not None and int(counts[cands][member].sum()) > most:
            return None
    return counts


def baseline_counts(data: ScheduleData, penalty: int | None) -> IntArray:
    """Per group, the better of the greedy schedule and the rounded LP one: the solver's hint.
    Raises nothing (an infeasible LP just leaves the greedy schedule)."""
    counts = _greedy_counts(data)
    for g in range(len(data.plans)):
        rounded = _rounded_lp_counts(data, g)
        if rounded is not None and better(data, g, rounded, counts, penalty):
            counts[data.by_group[g]] = rounded[data.by_group[g]]
    return counts


def greedy_schedule(
    requirements: Mapping[str, npt.ArrayLike],
    plans: Sequence[ShiftPlan],
    *,
    start_s: float,
    interval_min: int = 15,
) -> ScheduleResult:
    """The greedy baseline alone (status ``FEASIBLE``: never proven best). Arguments as for
    :func:`schedule_shifts`; raise a ValueError for the same bad arguments."""
    data = build_data(requirements, plans, start_s, interval_min)
    return read_result(data, _greedy_counts(data), ScheduleStatus.FEASIBLE, "greedy")
