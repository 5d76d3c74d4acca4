"""The pattern stage's result: how many people work each weekly pattern, and what they cover.

:func:`read_patterns` turns each group's solution (people per day set and band, shifts per day
and start) into explicit :class:`~simulator.planning.rostering.week_patterns.WeekPattern` rows:
within a band, people are taken in day-set order and, each day, given that day's starts in
ascending order, so a band's early starters stay early all week. Every such hand-out keeps the
rules (see :mod:`~simulator.planning.rostering.week_patterns`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

from simulator.planning.rostering.pattern_baseline import GroupSolution, coverage_s
from simulator.planning.rostering.requirement import WeekRequirement
from simulator.planning.rostering.week_patterns import ContractData, GroupData, WeekPattern
from simulator.planning.scheduling import ScheduleStatus, Shortfall

__all__ = ["PatternResult", "read_patterns"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PatternResult:
    """The weekly patterns of every group and what they cover.

    ``status``: ``optimal`` (covered and proven cheapest, or the weighted objective proven),
    ``feasible`` (found, not proven), ``infeasible`` (the rules and caps cannot cover every
    interval: ``shortfalls`` and ``message`` say where; or a group has no contract that fits),
    ``time_limit`` (the solver found nothing in time: the greedy baseline is used). Arrays are per
    week interval of the requirement's UTC grid, in agents. ``method``: ``"cp-sat"`` or
    ``"greedy"``.
    """

    status: ScheduleStatus
    message: str
    method: str
    patterns: tuple[WeekPattern, ...]
    day0: date
    start_s: float
    interval_min: int
    required: Mapping[str, FloatArray]
    coverage: Mapping[str, FloatArray]
    under_coverage: Mapping[str, FloatArray]
    headcount: Mapping[str, int]
    paid_hours: float
    cost: float
    shortfalls: tuple[Shortfall, ...]

    @property
    def covered(self) -> bool:
        """Every interval of every group covered."""
        return not self.shortfalls


def _band_patterns(c: ContractData, sol: GroupSolution, ci: int) -> Counter[tuple[int | None, ...]]:
    """Contract ``ci``'s explicit weeks and how many people work each (see the module docstring)."""
    weeks: Counter[tuple[int | None, ...]] = Counter()
    people, shifts = sol.people[ci], sol.shifts[ci]
    for b in range(len(c.starts)):
        members = [w for w in range(len(c.day_sets)) for _ in range(int(people[w, b]))]
        if not members:
            continue
        starts: list[list[int | None]] = [[None] * 7 for _ in members]
        for d in range(7):
            working = [p for p, w in enumerate(members) if c.day_sets[w, d]]
            given = [c.starts[k] for k in range(len(c.starts)) for _ in range(int(shifts[d, b, k]))]
            for p, s in zip(working, given, strict=False):
                starts[p][d] = s
        weeks.update(tuple(s) for s in starts)
    return weeks


def read_patterns(
    req: WeekRequirement,
    groups: Sequence[GroupData],
    solutions: Sequence[GroupSolution],
    status: ScheduleStatus,
    method: str,
    notes: Sequence[str] = (),
) -> PatternResult:
    """The result of one solution per group (in ``groups`` order); ``notes`` are appended to the
    message. Raises nothing."""
    patterns: list[WeekPattern] = []
    required: dict[str, FloatArray] = {}
    coverage: dict[str, FloatArray] = {}
    under: dict[str, FloatArray] = {}
    headcount: dict[str, int] = {}
    shortfalls: list[Shortfall] = []
    step = req.interval_s
    for data, sol in zip(groups, solutions, strict=True):
        on = coverage_s(data, sol)
        short = np.maximum(data.required_s - on, 0)
        required[data.group] = req.flat(data.group).copy()
        coverage[data.group] = on / step
        under[data.group] = short / step
        for i in np.flatnonzero(short):
            shortfalls.append(
                Shortfall(
                    data.group,
                    int(i),
                    datetime.fromtimestamp(req.start_s + int(i) * step, UTC),
                    float(required[data.group][i]),
                    float(coverage[data.group][i]),
                    float(under[data.group][i]),
                )
            )
        heads = 0
        for ci, c in enumerate(data.contracts):
            weeks = _band_patterns(c, sol, ci)
            for starts, count in sorted(
                weeks.items(), key=lambda kv: [(-1 if s is None else s) for s in kv[0]]
            ):
                heads += count
                patterns.append(
                    WeekPattern(
                        group=data.group,
                        contract=c.contract.name,
                        template=c.template.name,
                        time_zone=data.plan.time_zone,
                        starts_min=starts,
                        count=count,
                        length_min=c.template.length_min,
                        break_after_min=c.break_after_min,
                        break_min=c.break_min,
                        paid_h_per_shift=c.template.paid_h,
                        cost_per_paid_hour=c.template.cost_per_paid_hour,
                        part_time=c.contract.part_time,
                    )
                )
        headcount[data.group] = heads
    paid = sum(p.count * p.paid_h for p in patterns)
    cost = sum(p.count * p.paid_h * p.cost_per_paid_hour for p in patterns)
    people = sum(headcount.values())
    summary = f"{people} people on {len(patterns)} weekly patterns, {paid:g} paid hours, cost {cost:.2f}"
    if shortfalls:
        per_group: dict[str, float] = {}
        for s in shortfalls:
            per_group[s.group] = per_group.get(s.group, 0.0) + s.short * step / 3600
        lead = (
            "the labour rules and limits cannot cover every interval"
            if status is ScheduleStatus.INFEASIBLE
            else "intervals left short"
        )
        message = (
            f"{lead}: "
            + "; ".join(f"group {g!r} short {h:g} agent-hours" for g, h in sorted(per_group.items()))
            + f". Patterns: {summary}"
        )
    else:
        message = f"every interval covered: {summary}"
    if notes:
        message += " (" + "; ".join(notes) + ")"
    return PatternResult(
        status=status,
        message=message,
        method=method,
        patterns=tuple(patterns),
        day0=req.day0,
        start_s=req.start_s,
        interval_min=req.interval_min,
        required=required,
        coverage=coverage,
        under_coverage=under,
        headcount=headcount,
        paid_hours=paid,
        cost=cost,
        shortfalls=tuple(shortfalls),
    )
