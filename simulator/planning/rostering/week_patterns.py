"""Weekly patterns, and the data the pattern stage reads: every shift a contract allows and what it covers.

A **weekly pattern** (:class:`WeekPattern`) is one person's week: a contract (its shift template)
and, per day of the week, a local start time or a day off. The stage-1 model does not list every
pattern (there are far too many); it works on **bands**: people of band ``(contract, b)`` start
every day they work between ``b`` and ``b + variation`` (local minutes after midnight), which keeps
the bounded-variation rule by construction, and the rest rule too, since the variation is capped so
that any two starts of a band leave ``min_rest_h`` between consecutive shifts
(:func:`build_week_data`). A band's people are split over **day sets** (the days worked), each
keeping the days-per-week, consecutive-days-off and weekly-hours rules. Any way of handing a band's
daily starts to its people then gives patterns that keep every rule
(:mod:`~simulator.planning.rostering.pattern_result`).

Time: shift starts are local wall-clock times in the group's shift-plan time zone on the local dates
``day0 + d``; coverage is on the requirement's UTC grid, counted to the second. The week repeats:
its first hours are covered by the previous week's last shifts, at the UTC offset they had then,
so in a week with a clock change the coverage is what that week, worked as published, has on duty
(the simulator's reading of the same weekly shifts).
The break of a template with a break rule is placed at the middle of its allowed window (the pattern
stage fixes it; the intraday schedule may move it).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

from routing.shifts import zone
from simulator.planning.rostering.requirement import WEEK_DAYS, WeekRequirement
from simulator.scenario.labour_rules import Contract, LabourRules
from simulator.scenario.shift_plans import ShiftPlan, ShiftTemplate

__all__ = [
    "COST_SCALE",
    "ContractData",
    "GroupData",
    "WeekPattern",
    "build_week_data",
    "local_epoch_s",
]

IntArray = npt.NDArray[np.int64]
COST_SCALE: Final = 1000  # costs enter the objective in thousandths of a currency unit


def local_epoch_s(day: date, minute: int, tz_name: str) -> int:
    """Epoch seconds of ``minute`` minutes after local midnight of ``day`` in ``tz_name`` (a time
    in a spring-forward gap resolves as :mod:`routing.shifts` does). Raises nothing for a
    validated zone name."""
    midnight = datetime(day.year, day.month, day.day)
    return round((midnight + timedelta(minutes=minute)).replace(tzinfo=zone(tz_name)).timestamp())


@dataclass(frozen=True, slots=True)
class WeekPattern:
    """``count`` people of ``group`` on ``contract`` (working ``template``) who start at
    ``starts_min[d]`` local minutes after midnight on day ``d`` of the week, or are off
    (``None``). ``length_min``, the break (``break_after_min`` after the start, ``break_min``
    long; 0 = none) and ``paid_h`` per shift come from the template."""

    group: str
    contract: str
    template: str
    time_zone: str
    starts_min: tuple[int | None, ...]
    count: int
    length_min: int
    break_after_min: int
    break_min: int
    paid_h_per_shift: float
    cost_per_paid_hour: float
    part_time: bool

    @property
    def days_worked(self) -> int:
        return sum(s is not None for s in self.starts_min)

    @property
    def paid_h(self) -> float:
        """Paid hours of one person's week on this pattern."""
        return self.days_worked * self.paid_h_per_shift

    @property
    def label(self) -> str:
        """``Mon 08:00, Tue 08:30, ... Sat off``: the week at a glance."""
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        return ", ".join(
            f"{n} off" if s is None else f"{n} {s // 60:02d}:{s % 60:02d}"
            for n, s in zip(names, self.starts_min, strict=True)
        )

    def shift_times_s(self, day0: date) -> list[tuple[int, int]]:
        """``(start_s, end_s)`` epoch seconds of each shift, in day order, for the week from
        ``day0``. Raises nothing."""
        out = []
        for d, s in enumerate(self.starts_min):
            if s is not None:
                start = local_epoch_s(day0 + timedelta(days=d), s, self.time_zone)
                out.append((start, start + self.length_min * 60))
        return out


@dataclass(frozen=True, slots=True, eq=False)
class ContractData:
    """One contract's shifts in one group.

    ``starts``: the template's allowed local start minutes; ``on_duty_s[d, k]``: seconds on duty per
    week interval of a shift starting on day ``d`` at ``starts[k]`` (zeros where the template
    does not start on that weekday); ``day_sets``: the allowed sets of days worked (bool rows);
    ``bands[b]``: indices into ``starts`` of the starts band ``b`` (from ``starts[b]``) may use.
    """

    contract: Contract
    template: ShiftTemplate
    starts: tuple[int, ...]
    variation_min: int
    on_duty_s: IntArray  # (7, len(starts), week_intervals)
    start_allowed: npt.NDArray[np.bool_]  # (7, len(starts))
    day_sets: npt.NDArray[np.bool_]  # (sets, 7)
    bands: tuple[tuple[int, ...], ...]
    shift_cost: int  # per shift, 1/COST_SCALE currency units
    break_after_min: int
    break_min: int


@dataclass(frozen=True, slots=True, eq=False)
class GroupData:
    """One staffing group's pattern problem: its requirement (agent-seconds per week interval)
    and its contracts' shifts."""

    group: str
    plan: ShiftPlan
    required_s: IntArray
    contracts: tuple[ContractData, ...]
    problems: tuple[str, ...]


def _off_run(worked: Sequence[bool]) -> int:
    """The longest cyclic run of days off (7 when nothing is worked)."""
    if not any(worked):
        return len(worked)
    best = run = 0
    for w in list(worked) * 2:
        run = 0 if w else run + 1
        best = max(best, run)
    return min(best, len(worked))


def _min_gap_days(worked: Sequence[bool]) -> int:
    """The least cyclic distance in days between two consecutive days worked (7 for one day)."""
    days = [d for d, w in enumerate(worked) if w]
    if len(days) <= 1:
        return WEEK_DAYS
    gaps = [b - a for a, b in itertools.pairwise(days)] + [days[0] + WEEK_DAYS - days[-1]]
    return min(gaps)


def _shortest_day_min(day0: date, tz_name: str) -> int:
    """The shortest local day of the week in minutes (1380 on a spring-forward day)."""
    marks = [local_epoch_s(day0 + timedelta(days=d), 0, tz_name) for d in range(WEEK_DAYS + 2)]
    return min(b - a for a, b in itertools.pairwise(marks)) // 60


def _week_on_duty(
    offsets_s: Sequence[int], tpl: ShiftTemplate, brk: tuple[int, int], req: WeekRequirement
) -> IntArray:
    """Seconds on duty per week interval of shifts starting ``offsets_s`` after the grid start (one
    weekly shift in the previous, this and the next week, each at its own week's UTC offset), each
    with its break ``brk = (after_min, length_min)`` taken out, counted within the grid only."""
    n, step = req.week_intervals, req.interval_s
    lo = np.arange(n, dtype=np.int64) * step

    def seconds(a: int, b: int) -> IntArray:
        out: IntArray = np.clip(np.minimum(b, lo + step) - np.maximum(a, lo), 0, None)
        return out

    total: IntArray = np.zeros(n, np.int64)
    for a in offsets_s:
        row = seconds(a, a + tpl.length_min * 60)
        if brk[1]:
            b = a + brk[0] * 60
            row = row - seconds(b, b + brk[1] * 60)
        total = total + row
    return total


def _contract_data(
    req: WeekRequirement, plan: ShiftPlan, contract: Contract, rules: LabourRules
) -> ContractData | str:
    """The contract's shifts in the plan's group, or why it has none (a message)."""
    tpl = next((t for t in plan.templates if t.name == contract.template), None)
    if tpl is None:
        return f"contract {contract.name!r}: the shift plan has no template {contract.template!r}"
    day0 = req.day0
    rule = tpl.break_rule
    brk = (0, 0) if rule is None else (rule.offsets_min[len(rule.offsets_min) // 2], rule.length_min)
    starts = tuple(tpl.start_minutes())
    allowed = np.array(
        [
            [tpl.days is None or (day0 + timedelta(days=d)).weekday() in tpl.days] * len(starts)
            for d in range(7)
        ]
    )
    on_duty = np.zeros((WEEK_DAYS, len(starts), req.week_intervals), np.int64)
    for d in range(WEEK_DAYS):
        for k, s in enumerate(starts):
            if allowed[d, k]:
                # the week repeats: last week's night runs into this week's first hours, at the
                # UTC offset it had then (a clock change in the week moves it by an hour)
                at = [
                    local_epoch_s(day0 + timedelta(days=d + w), s, plan.time_zone) - round(req.start_s)
                    for w in (-WEEK_DAYS, 0, WEEK_DAYS)
                ]
                on_duty[d, k] = _week_on_duty(at, tpl, brk, req)
    cap_h = rules.weekly_cap_h(contract)
    rest_min = round(rules.min_rest_h * 60)
    day_min = _shortest_day_min(day0, plan.time_zone)
    sets: list[tuple[bool, ...]] = []
    room: list[int] = []  # per set: the start variation it leaves for the rest rule
    for worked in itertools.product((False, True), repeat=WEEK_DAYS):
        days = sum(worked)
        if not contract.min_days_per_week <= days <= contract.max_days_per_week:
            continue
        if days * tpl.paid_h > cap_h + 1e-9 or _off_run(worked) < rules.min_consecutive_days_off:
            continue
        if not all(allowed[d, 0] for d in range(WEEK_DAYS) if worked[d]):
            continue
        slack = _min_gap_days(worked) * day_min - tpl.length_min - rest_min
        if slack < 0:
            continue
        sets.append(worked)
        room.append(slack)
    if not sets:
        return (
            f"contract {contract.name!r} on template {tpl.name!r}: no week of "
            f"{contract.min_days_per_week}-{contract.max_days_per_week} days fits the rules "
            f"({cap_h:g} h a week at {tpl.paid_h:g} paid h a shift, {rules.min_consecutive_days_off} "
            f"consecutive days off, {rules.min_rest_h:g} h rest, start weekdays of the template)"
        )
    variation = min(rules.max_start_variation_min, min(room))
    bands = tuple(tuple(j for j, s2 in enumerate(starts) if s <= s2 <= s + variation) for s in starts)
    return ContractData(
        contract=contract,
        template=tpl,
        starts=starts,
        variation_min=variation,
        on_duty_s=on_duty,
        start_allowed=allowed,
        day_sets=np.array(sets, dtype=bool),
        bands=bands,
        shift_cost=round(tpl.cost_per_paid_hour * tpl.paid_h * COST_SCALE),
        break_after_min=brk[0],
        break_min=brk[1],
    )


def build_week_data(
    req: WeekRequirement, plans: Sequence[ShiftPlan], rules: LabourRules
) -> tuple[GroupData, ...]:
    """Each group's pattern problem, in requirement order. A group's contracts whose template its
    plan lacks, or whose rules leave no week, are left out and named in its ``problems``.

    Raise a ValueError if the requirement names a group without a shift plan, or plan groups
    repeat."""
    by_group: Mapping[str, ShiftPlan] = {p.group: p for p in plans}
    if len(by_group) != len(plans):
        raise ValueError("plans must name each group once")
    missing = [g for g in req.groups if g not in by_group]
    if missing:
        raise ValueError(f"requirement groups without a shift plan: {missing}")
    out = []
    for group in req.groups:
        plan = by_group[group]
        contracts: list[ContractData] = []
        problems: list[str] = []
        for contract in rules.contracts:
            data = _contract_data(req, plan, contract, rules)
            if isinstance(data, str):
                problems.append(data)
            else:
                contracts.append(data)
        required_s = np.ceil(req.flat(group) * req.interval_s - 1e-6).astype(np.int64)
        out.append(GroupData(group, plan, required_s, tuple(contracts), tuple(problems)))
    return tuple(out)
