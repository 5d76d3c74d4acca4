"""Shift scheduling: how many agents start each shift so every interval's requirement is covered.

A planner describes, per agent group (a site, a skill mix), the shifts it may publish
(:class:`ShiftPlan` with :class:`ShiftTemplate` entries: length, a break rule, the window of allowed
start times in the group's local time, cost per paid hour, count limits) and the staffing search
gives the agents required in each interval. :func:`schedule_shifts` chooses the shifts with OR-Tools
CP-SAT; :func:`greedy_schedule` is the yardstick baseline.

Time
----
Requirements are on one **UTC interval grid**: ``requirements[g][i]`` is the agents group ``g``
needs on duty in ``[start_s + i * interval_s, start_s + (i + 1) * interval_s)`` (epoch seconds,
as the simulator's intervals). Shift *start times* are local wall-clock times in the plan's
``time_zone`` (DST-correct: a 09:00 template starts at 09:00 local on both sides of a change; a
start time in the spring-forward gap resolves as :mod:`routing.shifts` does); a shift lasts
``length_h`` of elapsed time. Every start on an allowed weekday whose shift overlaps the horizon
is a candidate, including shifts that began before it (paid in full).

Breaks
------
A template may have one break of ``length_min`` minutes starting ``earliest_after_min`` to
``latest_after_min`` after the shift starts, on a ``step_min`` grid. The break start is a decision,
like the shift start: a candidate is (template, start, break start), so the solver staggers breaks
where the requirement is high. An agent on break is not on duty; coverage is counted to the second
(``agent-seconds on duty in the interval / interval_s``), so a break covering half an interval
removes half an agent there. An unpaid break (the default) is not in the paid hours.

Model (CP-SAT)
--------------
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
(HiGHS) rounded up then pruned of agents no interval needs. The hint is kept for a group when the
solver does not beat it in time. Measured on 6 groups x 100 quarter-hours x ~1,600 candidates
each (2 workers): LP bound 1,472 cost units; greedy 1,791; CP-SAT as one joint model 1,786 in
10 s; per group from the greedy hint ~1,540-1,700; per group from the LP hint 1,527 in 5 s and
1,485 in 20 s.

Statuses: see :class:`ScheduleStatus`. Limits that make full coverage impossible are a result,
never an exception: its ``shortfalls`` and ``message`` name the intervals and by how much.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from routing.schemas import check_unique
from routing.shifts import zone
from simulator.scenario.shift_plans import ShiftPlan, ShiftTemplate

if TYPE_CHECKING:  # CP-SAT and scipy.optimize load on first use
    from ortools.sat.python import cp_model

__all__ = [
    "ChosenShift",
    "ScheduleResult",
    "ScheduleStatus",
    "Shortfall",
    "greedy_schedule",
    "paid_hours_lower_bound",
    "schedule_shifts",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_COST_SCALE: Final = 1000  # costs enter the objective in thousandths of a currency unit


# ------------------------------------------------------------------------------------------ result
class ScheduleStatus(StrEnum):
    """How a schedule was reached.

    * ``OPTIMAL``: proven best: every interval covered at the least cost (with a penalty: the least
      cost + penalty, which may leave short intervals).
    * ``FEASIBLE``: a schedule found within the time limit, not proven best. With ``shortfalls`` it
      is unknown whether full coverage is possible.
    * ``INFEASIBLE``: covering every interval is proven impossible within the limits; the shifts
      are the least short (then cheapest) schedule found and ``shortfalls`` name the gaps. With no
      shifts at all, the limits contradict each other (the message says which).
    * ``TIME_LIMIT``: the solver found nothing within the time limit (for at least one group); the
      shifts there are the baseline's (greedy or rounded LP).
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"


@dataclass(frozen=True, slots=True)
class ChosenShift:
    """``count`` agents of ``group`` working ``template`` from ``start`` to ``end`` (aware
    datetimes in ``time_zone``), with a break from ``break_start`` to ``break_end`` if any."""

    group: str
    template: str
    start: datetime
    end: datetime
    time_zone: str
    count: int
    break_start: datetime | None
    break_end: datetime | None
    paid_h: float

    @property
    def start_s(self) -> float:
        return self.start.timestamp()

    @property
    def end_s(self) -> float:
        return self.end.timestamp()


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Interval ``interval`` of ``group`` (starting ``start``, UTC) needs ``required`` agents on
    duty but the schedule gives ``covered``: ``short`` agents missing."""

    group: str
    interval: int
    start: datetime
    required: float
    covered: float
    short: float


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """A schedule and what it covers. Arrays are per interval of the UTC grid (agents on duty).

    ``coverage[g]``: agents of ``g`` on duty (agent-seconds on duty / interval_s);
    ``under_coverage[g]``: ``max(required - coverage, 0)``; ``paid_hours`` and ``cost`` over every
    chosen shift (in full, also outside the horizon); ``method``: ``"cp-sat"``, ``"baseline"`` (the
    solver found nothing in time) or ``"greedy"`` (:func:`greedy_schedule`).
    """

    status: ScheduleStatus
    message: str
    method: str
    shifts: tuple[ChosenShift, ...]
    interval_starts_s: FloatArray
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


def paid_hours_lower_bound(requirements: Mapping[str, npt.ArrayLike], interval_min: int) -> float:
    """Paid hours any schedule covering every interval needs at least: the required agent-hours,
    ``sum(requirements) x interval_min / 60`` (paid time >= time on duty >= required time)."""
    return (
        sum(float(np.sum(np.asarray(r, dtype=np.float64))) for r in requirements.values()) * interval_min / 60
    )


# -------------------------------------------------------------------------------------------- data
@dataclass(frozen=True, slots=True)
class _Candidate:
    group: int
    template: int
    start_s: int
    break_start_s: int | None


@dataclass(frozen=True, slots=True, eq=False)
class _Data:
    """Everything the model and the greedy baseline read, built once."""

    plans: tuple[ShiftPlan, ...]
    start_s: int
    interval_s: int
    n: int
    required_s: IntArray  # (groups x intervals) agent-seconds required
    candidates: tuple[_Candidate, ...]
    on_duty_s: IntArray  # (candidates x intervals) seconds on duty
    cost: IntArray  # per candidate, in 1/_COST_SCALE currency units
    upper: IntArray  # per candidate, bound on x[c]
    template_of: IntArray  # per candidate, its template's index in its plan
    by_group: tuple[IntArray, ...]  # candidate indices per group
    by_template: tuple[tuple[IntArray, ...], ...]  # [group][template] candidate indices
    problems: tuple[str, ...]  # limits that cannot hold, found while building


def _overlap(a: IntArray, b: IntArray, lo: IntArray, hi: IntArray) -> IntArray:
    """Seconds of ``[a, b)`` (per row) inside each ``[lo, hi)`` (per column)."""
    out: IntArray = np.clip(
        np.minimum(b[:, None], hi[None, :]) - np.maximum(a[:, None], lo[None, :]), 0, None
    )
    return out


def _local_starts(template: ShiftTemplate, tz_name: str, lo_s: int, hi_s: int) -> list[int]:
    """Epoch seconds of the template's allowed starts whose shift overlaps ``[lo_s, hi_s)``."""
    tz = zone(tz_name)
    length_s = template.length_min * 60
    first = datetime.fromtimestamp(lo_s - length_s, tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(hi_s, tz).date()
    starts: set[int] = set()
    day: date = first
    while day <= last:
        if template.days is None or day.weekday() in template.days:
            midnight = datetime(day.year, day.month, day.day)
            for minute in template.start_minutes():
                s = round((midnight + timedelta(minutes=minute)).replace(tzinfo=tz).timestamp())
                if s < hi_s and s + length_s > lo_s:
                    starts.add(s)
        day += timedelta(days=1)
    return sorted(starts)


def _required(
    requirements: Mapping[str, npt.ArrayLike], plans: Sequence[ShiftPlan]
) -> tuple[FloatArray, int]:
    names = [p.group for p in plans]
    check_unique("plans", "group", names)
    missing = [g for g in names if g not in requirements]
    extra = [g for g in requirements if g not in names]
    if missing or extra:
        raise ValueError(
            f"requirements and plans must name the same groups: missing {missing}, unplanned {extra}"
        )
    arrays = [np.asarray(requirements[g], dtype=np.float64) for g in names]
    lengths = {a.shape for a in arrays}
    if len(lengths) != 1 or arrays[0].ndim != 1 or arrays[0].size == 0:
        raise ValueError(f"requirements must be 1-D arrays of one length > 0, got shapes {sorted(lengths)}")
    for g, a in zip(names, arrays, strict=True):
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ValueError(f"requirements[{g!r}] must be finite and >= 0, got {a}")
    return np.stack(arrays), arrays[0].size


def _build_data(
    requirements: Mapping[str, npt.ArrayLike], plans: Sequence[ShiftPlan], start_s: float, interval_min: int
) -> _Data:
    if isinstance(interval_min, bool) or not isinstance(interval_min, int) or not 1 <= interval_min <= 1440:
        raise ValueError(f"interval_min(={interval_min!r}) must be an int from 1 to 1440.")
    if not math.isfinite(start_s):
        raise ValueError(f"start_s(={start_s}) must be finite (epoch seconds).")
    required, n = _required(requirements, plans)
    interval_s = interval_min * 60
    lo = round(start_s)
    hi = lo + n * interval_s
    required_s = np.ceil(required * interval_s - 1e-6).astype(np.int64)
    cands: list[_Candidate] = []
    problems: list[str] = []
    for g, plan in enumerate(plans):
        for t, tpl in enumerate(plan.templates):
            starts = _local_starts(tpl, plan.time_zone, lo, hi)
            if not starts and tpl.min_count > 0:
                problems.append(
                    f"group {plan.group!r}: template {tpl.name!r} has min_count {tpl.min_count} "
                    "but no allowed start time within the horizon"
                )
            offsets = [None] if tpl.break_rule is None else list(tpl.break_rule.offsets_min)
            for s in starts:
                for off in offsets:
                    cands.append(_Candidate(g, t, s, None if off is None else s + off * 60))
    grid_lo = lo + np.arange(n, dtype=np.int64) * interval_s
    grid_hi = grid_lo + interval_s
    starts_a = np.array([c.start_s for c in cands], dtype=np.int64)
    ends_a = starts_a + np.array(
        [plans[c.group].templates[c.template].length_min * 60 for c in cands], dtype=np.int64
    )
    b_start = np.array([c.break_start_s if c.break_start_s is not None else 0 for c in cands], dtype=np.int64)
    b_end = b_start + np.array(
        [
            (rule.length_min * 60 if (rule := plans[c.group].templates[c.template].break_rule) else 0)
            for c in cands
        ],
        dtype=np.int64,
    )
    on_duty = _overlap(starts_a, ends_a, grid_lo, grid_hi) - _overlap(b_start, b_end, grid_lo, grid_hi)
    cost = np.array(
        [
            round(tpl.cost_per_paid_hour * tpl.paid_h * _COST_SCALE)
            for tpl in (plans[c.group].templates[c.template] for c in cands)
        ],
        dtype=np.int64,
    )
    upper = np.zeros(len(cands), dtype=np.int64)
    for k, c in enumerate(cands):
        plan = plans[c.group]
        tpl = plan.templates[c.template]
        row = on_duty[k]
        touched = row > 0
        need = int(np.max(-(-required_s[c.group][touched] // row[touched]))) if touched.any() else 0
        bound = max(need, tpl.min_count, plan.min_headcount)
        for cap in (tpl.max_count, plan.max_headcount):
            if cap is not None:
                bound = min(bound, cap)
        upper[k] = bound
    group_of = np.array([c.group for c in cands], dtype=np.int64)
    template_of = np.array([c.template for c in cands], dtype=np.int64)
    by_group = tuple(np.flatnonzero(group_of == g) for g in range(len(plans)))
    by_template = tuple(
        tuple(np.flatnonzero((group_of == g) & (template_of == t)) for t in range(len(plan.templates)))
        for g, plan in enumerate(plans)
    )
    return _Data(
        tuple(plans),
        lo,
        interval_s,
        n,
        required_s,
        tuple(cands),
        on_duty.reshape(len(cands), n),
        cost,
        upper,
        template_of,
        by_group,
        by_template,
        tuple(problems),
    )


# ---------------------------------------------------------------------------------------- result
def _when(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%d %H:%M")


def _runs(data: _Data, short: Sequence[Shortfall]) -> list[str]:
    """Consecutive intervals of one group with the same shortage, as ``start-end short k``."""
    out: list[str] = []
    i = 0
    while i < len(short):
        j = i
        while (
            j + 1 < len(short)
            and short[j + 1].group == short[i].group
            and short[j + 1].interval == short[j].interval + 1
            and abs(short[j + 1].short - short[i].short) < 1e-9
        ):
            j += 1
        end_s = short[j].start.timestamp() + data.interval_s
        out.append(
            f"{_when(short[i].start.timestamp())}-{datetime.fromtimestamp(end_s, UTC):%H:%M} UTC "
            f"short {short[i].short:g} agent{'s' if short[i].short != 1 else ''}"
        )
        i = j + 1
    return out


def _shortfall_text(data: _Data, shortfalls: Sequence[Shortfall]) -> str:
    parts = []
    for g, plan in enumerate(data.plans):
        mine = [s for s in shortfalls if s.group == plan.group]
        if not mine:
            continue
        limits = [f"max_headcount {plan.max_headcount}"] if plan.max_headcount is not None else []
        limits += [f"{t.name}.max_count {t.max_count}" for t in plan.templates if t.max_count is not None]
        windows = ", ".join(
            f"{t.name} {t.earliest_start:%H:%M}-{t.latest_start:%H:%M}" for t in plan.templates
        )
        hours = sum(s.short for s in mine) * data.interval_s / 3600
        bounds = "; ".join(limits) or "no max limit"
        parts.append(
            f"group {plan.group!r} ({bounds}; starts {windows} {plan.time_zone}): "
            f"{len(mine)} interval{'s' if len(mine) != 1 else ''} short, {hours:g} agent-hours in all: "
            + "; ".join(_runs(data, mine))
        )
        del g
    return " | ".join(parts)


def _result(
    data: _Data, counts: IntArray, status: ScheduleStatus, method: str, note: str = "", message: str = ""
) -> ScheduleResult:
    """Read a schedule (agents per candidate) into a :class:`ScheduleResult`."""
    interval_s = data.interval_s
    starts = data.start_s + np.arange(data.n, dtype=np.float64) * interval_s
    required: dict[str, FloatArray] = {}
    coverage: dict[str, FloatArray] = {}
    under: dict[str, FloatArray] = {}
    headcount: dict[str, int] = {}
    shortfalls: list[Shortfall] = []
    shifts: list[ChosenShift] = []
    paid_h = 0.0
    cost = 0.0
    for g, plan in enumerate(data.plans):
        idx = data.by_group[g]
        on_duty_s = counts[idx] @ data.on_duty_s[idx] if idx.size else np.zeros(data.n, np.int64)
        short_s = np.maximum(data.required_s[g] - on_duty_s, 0)
        required[plan.group] = data.required_s[g] / interval_s
        coverage[plan.group] = on_duty_s / interval_s
        under[plan.group] = short_s / interval_s
        headcount[plan.group] = int(counts[idx].sum())
        for i in np.flatnonzero(short_s > 0):
            shortfalls.append(
                Shortfall(
                    plan.group,
                    int(i),
                    datetime.fromtimestamp(float(starts[i]), UTC),
                    float(required[plan.group][i]),
                    float(coverage[plan.group][i]),
                    float(under[plan.group][i]),
                )
            )
        tz = zone(plan.time_zone)
        for k in idx[np.argsort([data.candidates[c].start_s for c in idx], kind="stable")]:
            count = int(counts[k])
            if count == 0:
                continue
            cand = data.candidates[k]
            tpl = plan.templates[cand.template]
            rule = tpl.break_rule
            b_start = b_end = None
            if cand.break_start_s is not None and rule is not None:
                b_start = datetime.fromtimestamp(cand.break_start_s, tz)
                b_end = datetime.fromtimestamp(cand.break_start_s + rule.length_min * 60, tz)
            shifts.append(
                ChosenShift(
                    plan.group,
                    tpl.name,
                    datetime.fromtimestamp(cand.start_s, tz),
                    datetime.fromtimestamp(cand.start_s + tpl.length_min * 60, tz),
                    plan.time_zone,
                    count,
                    b_start,
                    b_end,
                    tpl.paid_h,
                )
            )
            paid_h += count * tpl.paid_h
            cost += count * tpl.paid_h * tpl.cost_per_paid_hour
    total = sum(s.count for s in shifts)
    summary = f"{total} agents on {len(shifts)} shift starts, {paid_h:g} paid hours, cost {cost:.2f}"
    if not message and shortfalls:
        lead = {
            ScheduleStatus.INFEASIBLE: "cannot cover every interval within the limits",
            ScheduleStatus.OPTIMAL: "leaves intervals short where covering costs more than the penalty",
        }.get(status, "intervals left short (full coverage neither found nor proven impossible in time)")
        message = f"{lead}: {_shortfall_text(data, shortfalls)}. Schedule: {summary}"
    elif not message:
        message = f"every interval covered: {summary}"
    if note:
        message = f"{message} ({note})"
    return ScheduleResult(
        status=status,
        message=message,
        method=method,
        shifts=tuple(shifts),
        interval_starts_s=starts,
        interval_min=interval_s // 60,
        required=required,
        coverage=coverage,
        under_coverage=under,
        headcount=headcount,
        paid_hours=paid_h,
        cost=cost,
        shortfalls=tuple(shortfalls),
    )


def _empty_result(data: _Data, reason: str) -> ScheduleResult:
    """No schedule: the limits contradict each other (``reason`` says how)."""
    none = np.zeros(len(data.candidates), np.int64)
    message = f"the limits contradict each other, no schedule: {reason}"
    return _result(data, none, ScheduleStatus.INFEASIBLE, "cp-sat", message=message)


# ---------------------------------------------------------------------------------------- greedy
def _room(data: _Data, counts: IntArray, g: int, cands: IntArray) -> npt.NDArray[np.bool_]:
    """Which of group ``g``'s candidates can take one more agent under every max limit."""
    plan = data.plans[g]
    ok = counts[cands] < data.upper[cands]
    if plan.max_headcount is not None and counts[data.by_group[g]].sum() >= plan.max_headcount:
        return np.zeros(cands.size, bool)
    for t, tpl in enumerate(plan.templates):
        if tpl.max_count is not None and counts[data.by_template[g][t]].sum() >= tpl.max_count:
            ok &= data.template_of[cands] != t
    return ok


def _prune(data: _Data, g: int, counts: IntArray) -> None:
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


def _greedy_counts(data: _Data) -> IntArray:
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


def _rounded_lp_counts(data: _Data, g: int) -> IntArray | None:
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
    from scipy.optimize import linprog

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


def _baseline_counts(data: _Data, penalty: int | None) -> IntArray:
    """Per group, the better of the greedy schedule and the rounded LP one: the solver's hint."""
    counts = _greedy_counts(data)
    for g in range(len(data.plans)):
        rounded = _rounded_lp_counts(data, g)
        if rounded is not None and _better(data, g, rounded, counts, penalty):
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
    data = _build_data(requirements, plans, start_s, interval_min)
    return _result(data, _greedy_counts(data), ScheduleStatus.FEASIBLE, "greedy")


# ----------------------------------------------------------------------------------------- CP-SAT
# One model per group (see the module docstring for why and for the figures).


@dataclass(slots=True)
class _Vars:
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


def _variables(model: cp_model.CpModel, data: _Data, g: int) -> _Vars:
    x = {int(c): model.new_int_var(0, int(data.upper[c]), f"x{c}") for c in data.by_group[g]}
    under = {
        i: model.new_int_var(0, int(data.required_s[g, i]), f"u{i}")
        for i in range(data.n)
        if data.required_s[g, i] > 0
    }
    return _Vars(x, under)


def _add_coverage(model: cp_model.CpModel, data: _Data, g: int, v: _Vars) -> None:
    """The group's agent-seconds on duty in each interval, plus its shortfall, reach the
    requirement: ``sum_c on_duty_s[c, i] x[c] + under[i] >= required_s[g, i]``."""
    cands = data.by_group[g]
    for i, short in v.under.items():
        column = data.on_duty_s[cands, i]
        terms = [(int(s), v.x[int(c)]) for c, s in zip(cands, column, strict=True) if s > 0]
        model.add(sum(coef * var for coef, var in terms) + short >= int(data.required_s[g, i]))


def _add_template_counts(model: cp_model.CpModel, data: _Data, g: int, v: _Vars) -> None:
    """Agents on each template over the horizon lie within ``[min_count, max_count]``."""
    for t, tpl in enumerate(data.plans[g].templates):
        total = sum(v.x[int(c)] for c in data.by_template[g][t])
        if tpl.min_count > 0:
            model.add(total >= tpl.min_count)
        if tpl.max_count is not None:
            model.add(total <= tpl.max_count)


def _add_headcount(model: cp_model.CpModel, data: _Data, g: int, v: _Vars) -> None:
    """Agents (= shifts) of the group lie within ``[min_headcount, max_headcount]``."""
    plan = data.plans[g]
    total = sum(v.x.values())
    if plan.min_headcount > 0:
        model.add(total >= plan.min_headcount)
    if plan.max_headcount is not None:
        model.add(total <= plan.max_headcount)


def _cost_expr(data: _Data, v: _Vars) -> Any:
    return sum(int(data.cost[c]) * var for c, var in v.x.items())


def _under_expr(v: _Vars) -> Any:
    return sum(v.under.values())


def _hint(model: cp_model.CpModel, v: _Vars, counts: Mapping[int, int]) -> None:
    model.clear_hints()  # type: ignore[no-untyped-call]
    for c, var in v.x.items():
        model.add_hint(var, counts.get(c, 0))


class _Budget:
    """Solver seconds left, shared out over the solves still to come (CP-SAT's own wall time,
    so no clock is read here)."""

    def __init__(self, seconds: float) -> None:
        self.left_s = seconds

    def share(self, solves_left: int) -> float:
        return max(self.left_s / max(solves_left, 1), 0.01)

    def spend(self, solver: cp_model.CpSolver) -> None:
        self.left_s -= solver.wall_time


def _solve(model: cp_model.CpModel, time_limit_s: float, workers: int, seed: int) -> tuple[Any, Any]:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver, solver.solve(model)


def _solve_group(
    data: _Data,
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
    baseline_short = _short_s(data, g, baseline)
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
        if _short_s(data, g, _spread(data, cands, first)) <= baseline_short:
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


def _spread(data: _Data, cands: IntArray, counts: IntArray) -> IntArray:
    """Counts over one group's candidates -> counts over all candidates."""
    out = np.zeros(len(data.candidates), np.int64)
    out[cands] = counts
    return out


def _short_s(data: _Data, g: int, counts: IntArray) -> int:
    """Agent-seconds group ``g`` is short under ``counts`` (over all candidates)."""
    idx = data.by_group[g]
    on = counts[idx] @ data.on_duty_s[idx] if idx.size else np.zeros(data.n, np.int64)
    return int(np.maximum(data.required_s[g] - on, 0).sum())


def _better(data: _Data, g: int, a: IntArray, b: IntArray, penalty: int | None) -> bool:
    """Whether schedule ``a`` beats ``b`` for group ``g`` (both over all candidates)."""
    idx = data.by_group[g]
    cost_a, cost_b = int(a[idx] @ data.cost[idx]), int(b[idx] @ data.cost[idx])
    short_a, short_b = _short_s(data, g, a), _short_s(data, g, b)
    if penalty is None:
        return (short_a, cost_a) < (short_b, cost_b)
    return 3600 * cost_a + penalty * short_a < 3600 * cost_b + penalty * short_b


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
    beat it in time.

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
    data = _build_data(requirements, plans, start_s, interval_min)
    if data.problems:
        return _empty_result(data, "; ".join(data.problems))
    # cost (1/_COST_SCALE units) x 3600 vs penalty per agent-second x 3600: all integers
    penalty = None if under_penalty_per_agent_h is None else round(under_penalty_per_agent_h * _COST_SCALE)
    baseline = _baseline_counts(data, penalty)
    budget = _Budget(time_limit_s)
    counts = np.zeros(len(data.candidates), np.int64)
    outcomes: list[_Outcome] = []
    notes: list[str] = []
    for g, plan in enumerate(data.plans):
        out = _solve_group(data, g, baseline, budget, len(data.plans) - g, workers, seed, penalty)
        counts[data.by_group[g]] = out.counts
        if out.found and _better(data, g, baseline, counts, penalty):
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
        return _result(data, counts, ScheduleStatus.INFEASIBLE, method, message=message)
    return _result(data, counts, status, method, "; ".join(notes))


def _status(data: _Data, counts: IntArray, outcomes: Sequence[_Outcome], weighted: bool) -> ScheduleStatus:
    """Combine the groups' outcomes into one status (see :class:`ScheduleStatus`)."""
    if any(o.contradiction for o in outcomes):
        return ScheduleStatus.INFEASIBLE
    if weighted:
        if all(o.found and o.proven_cost for o in outcomes):
            return ScheduleStatus.OPTIMAL
    else:
        short = [_short_s(data, g, counts) > 0 for g in range(len(outcomes))]
        if any(short):
            if all(o.proven_cover for o, s in zip(outcomes, short, strict=True) if s):
                return ScheduleStatus.INFEASIBLE
        elif all(o.proven_cost for o in outcomes):
            return ScheduleStatus.OPTIMAL
    if any(not o.found for o in outcomes):
        return ScheduleStatus.TIME_LIMIT
    return ScheduleStatus.FEASIBLE


def plan_can_cover(plan: ShiftPlan, at_s: float) -> bool:
    """Whether some shift the plan allows would have an agent on duty at ``at_s`` (epoch seconds),
    breaks aside: the staffing search only staffs a group in intervals its shifts can reach."""
    lo = math.floor(at_s)
    return any(_local_starts(t, plan.time_zone, lo, lo + 1) for t in plan.templates)
