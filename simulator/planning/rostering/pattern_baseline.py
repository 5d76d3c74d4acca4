"""The pattern stage's greedy baseline: its CP-SAT hint, its fallback and a yardstick.

A solution of one group (:class:`GroupSolution`) is, per contract, people per (day set, band)
and shifts per (day, band, start) -- the CP-SAT model's variables. The greedy one uses one start
per person (the band's own): it adds, one person at a time, the (contract, day set, start) week
that removes the most agent-seconds short per unit of cost (the set-cover greedy; on the weekly
benchmark 3.5 % cheaper than taking the earliest short interval first, and faster), then drops
people no interval needs, most expensive first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.planning.rostering.week_patterns import GroupData

__all__ = [
    "GroupSolution",
    "coverage_s",
    "greedy_solution",
    "solution_cost",
    "solution_short_s",
]

IntArray = npt.NDArray[np.int64]


@dataclass(slots=True)
class GroupSolution:
    """``people[c][w, b]``: people of contract ``c`` on day set ``w`` in band ``b``;
    ``shifts[c][d, b, k]``: shifts of those people on day ``d`` starting at ``starts[k]``."""

    people: list[IntArray]
    shifts: list[IntArray]

    @classmethod
    def empty(cls, data: GroupData) -> GroupSolution:
        return cls(
            [np.zeros((len(c.day_sets), len(c.starts)), np.int64) for c in data.contracts],
            [np.zeros((7, len(c.starts), len(c.starts)), np.int64) for c in data.contracts],
        )


def coverage_s(data: GroupData, sol: GroupSolution) -> IntArray:
    """Agent-seconds on duty per week interval. Raises nothing."""
    on = np.zeros(data.required_s.size, np.int64)
    for c, shifts in zip(data.contracts, sol.shifts, strict=True):
        per_start = shifts.sum(axis=1)  # (7, starts)
        on += np.einsum("dk,dki->i", per_start, c.on_duty_s)
    return on


def solution_short_s(data: GroupData, sol: GroupSolution) -> int:
    """Agent-seconds short over the week. Raises nothing."""
    return int(np.maximum(data.required_s - coverage_s(data, sol), 0).sum())


def solution_cost(data: GroupData, sol: GroupSolution) -> int:
    """Cost of every shift, in 1/COST_SCALE currency units. Raises nothing."""
    return sum(int(s.sum()) * c.shift_cost for c, s in zip(data.contracts, sol.shifts, strict=True))


def _weeks(data: GroupData) -> tuple[IntArray, IntArray, IntArray]:
    """Every one-start week: (contract, day set, start) per row, its on-duty row and its cost."""
    keys: list[tuple[int, int, int]] = []
    rows: list[IntArray] = []
    cost: list[int] = []
    for ci, c in enumerate(data.contracts):
        for w, worked in enumerate(c.day_sets):
            block = c.on_duty_s[worked].sum(axis=0)  # (starts, intervals)
            for k in range(len(c.starts)):
                keys.append((ci, w, k))
                rows.append(block[k])
                cost.append(c.shift_cost * int(worked.sum()))
    if not keys:
        return (
            np.zeros((0, 3), np.int64),
            np.zeros((0, data.required_s.size), np.int64),
            np.zeros(0, np.int64),
        )
    return np.array(keys, np.int64), np.stack(rows), np.array(cost, np.int64)


def greedy_solution(
    data: GroupData, caps: Mapping[str, int] | None = None, start: GroupSolution | None = None
) -> GroupSolution:
    """The greedy weeks (see the module docstring), at most ``caps[contract]`` people per
    contract, added to ``start`` (kept whole) when given. Raises nothing."""
    sol = GroupSolution.empty(data) if start is None else _copy(start)
    keys, rows, cost = _weeks(data)
    if keys.size == 0:
        return sol
    left = np.array(
        [
            (caps or {}).get(c.contract.name, np.iinfo(np.int64).max // 2) - int(sol.people[ci].sum())
            for ci, c in enumerate(data.contracts)
        ],
        np.int64,
    )
    base_on = coverage_s(data, sol)
    deficit = np.maximum(data.required_s - base_on, 0)
    chosen = np.zeros(len(keys), np.int64)
    price = cost.astype(np.float64) + 1.0  # +1: free shifts still rank by coverage
    covered = np.minimum(rows, deficit[None, :]).sum(axis=1)  # agent-seconds short each week removes
    by_interval = np.ascontiguousarray(rows.T)  # one interval's column per row: cheap to slice
    while deficit.any():
        gain = np.where(left[keys[:, 0]] > 0, covered / price, 0.0)
        best = int(np.argmax(gain))
        if gain[best] <= 0:  # what is left short, no week can reach (or the caps are spent)
            break
        chosen[best] += 1
        left[keys[best, 0]] -= 1
        touched = np.flatnonzero(rows[best])  # only these intervals' deficit changes
        after = np.maximum(deficit[touched] - rows[best, touched], 0)
        part = by_interval[touched]
        covered -= (np.minimum(part, deficit[touched, None]) - np.minimum(part, after[:, None])).sum(axis=0)
        deficit[touched] = after
    on = chosen @ rows + base_on
    for j in np.argsort(-cost, kind="stable"):  # prune: drop people no interval needs
        touched = rows[j] > 0
        while chosen[j] > 0 and np.all(on[touched] - rows[j][touched] >= data.required_s[touched]):
            chosen[j] -= 1
            on -= rows[j]
    for j in np.flatnonzero(chosen):
        ci, w, k = (int(v) for v in keys[j])
        sol.people[ci][w, k] += chosen[j]
        for d in np.flatnonzero(data.contracts[ci].day_sets[w]):
            sol.shifts[ci][d, k, k] += chosen[j]
    return sol


def _copy(sol: GroupSolution) -> GroupSolution:
    return GroupSolution([p.copy() for p in sol.people], [z.copy() for z in sol.shifts])
