"""Baselines: the greedy schedule and the rounded LP relaxation, and the paid-hours bound.

A greedy baseline first (the OR-Tools samples' and PyJobShop's habit): it is the CP-SAT model's
starting hint, its fallback when the solver finds nothing in time, and a yardstick in benchmarks.
:func:`baseline_counts` takes, per group, the better of the greedy schedule and the LP relaxation
(scipy's HiGHS) rounded up then pruned of agents no interval needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from simulator.planning.scheduling.data import ScheduleData, better, build_data
from simulator.planning.scheduling.result import ScheduleResult, ScheduleStatus, read_result
from simulator.scenario.shift_plans import ShiftPlan

__all__ = ["baseline_counts", "greedy_schedule", "paid_hours_lower_bound"]

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


def _rounded_lp_counts(data: ScheduleData, g: int) -> IntArray | None:
    """The LP relaxation of group ``g``'s full-coverage model (HiGHS), rounded up, then pruned
    (:func:`_prune`): a strong starting hint. ``None`` when the LP is infeasible (limits too
    tight to cover) or the rounded schedule breaks a max limit."""
    cands = data.by_group[g]
    if cands.size == 0:
        return None
    plan = data.plans[g]
    rows: list[npt.NDArray[np.float64]] = [-data.on_duty_s[cands].T.astype(np.float64)]
    rhs: list[npt.NDArray[np.float64]] = [-data.required_s[g].astype(np.float64)]
    limits: list[tuple[npt.NDArray[np.bool_], int | None, int]] = [
        (data.template_of[cands] == t, tpl.max_count, tpl.min_count) for t, tpl in enumerate(plan.templates)
    ]
    limits.append((np.ones(cands.size, bool), plan.max_headcount, plan.min_headcount))
    for member, most, least in limits:
        if most is not None:
            rows.append(member[None, :].astype(np.float64))
            rhs.append(np.array([float(most)]))
        if least > 0:
            rows.append(-member[None, :].astype(np.float64))
            rhs.append(np.array([-float(least)]))
    from scipy.optimize import linprog  # loaded on first use: importing the package stays light

    res = linprog(
        data.cost[cands].astype(np.float64),
        A_ub=np.vstack(rows),
        b_ub=np.concatenate(rhs),
        bounds=[(0.0, float(u)) for u in data.upper[cands]],
        method="highs",
    )
    if res.status != 0:
        return None
    counts = np.zeros(len(data.candidates), np.int64)
    counts[cands] = np.ceil(np.asarray(res.x) - 1e-6).astype(np.int64)
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
