"""The scheduling problem's data: every candidate shift and what it covers, built once.

A **candidate** is (group, template, start, break start): every start the template allows on an
allowed weekday whose shift overlaps the horizon, times every break start its rule allows.
:func:`build_data` turns the requirements and the plans into a :class:`ScheduleData` on the UTC
interval grid (integer agent-seconds, so the solver's arithmetic is exact); the baselines, the
CP-SAT model and the result reader all read it, and :func:`short_s` and :func:`better` compare
schedules over it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

from routing.schemas import check_unique
from routing.shifts import zone
from simulator.scenario.shift_plans import ShiftPlan, ShiftTemplate

__all__ = [
    "COST_SCALE",
    "Candidate",
    "ScheduleData",
    "better",
    "build_data",
    "local_starts",
    "plan_can_cover",
    "plan_covers",
    "short_s",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

COST_SCALE: Final = 1000  # costs enter the objective in thousandths of a currency unit


@dataclass(frozen=True, slots=True)
class Candidate:
    """One shift an agent may work: plan ``group`` (index), its ``template`` (index), starting at
    ``start_s`` (epoch seconds), with its break from ``break_start_s`` (None: no break)."""

    group: int
    template: int
    start_s: int
    break_start_s: int | None


@dataclass(frozen=True, slots=True, eq=False)
class ScheduleData:
    """Everything the model and the greedy baseline read, built once."""

    plans: tuple[ShiftPlan, ...]
    start_s: int
    interval_s: int
    n: int
    required_s: IntArray  # (groups x intervals) agent-seconds required
    candidates: tuple[Candidate, ...]
    on_duty_s: IntArray  # (candidates x intervals) seconds on duty
    cost: IntArray  # per candidate, in 1/COST_SCALE currency units
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


def local_starts(template: ShiftTemplate, tz_name: str, lo_s: int, hi_s: int) -> list[int]:
    """Epoch seconds of the template's allowed starts whose shift overlaps ``[lo_s, hi_s)``.
    Raises nothing: the plan's time zone was validated with the plan."""
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


def build_data(
    requirements: Mapping[str, npt.ArrayLike], plans: Sequence[ShiftPlan], start_s: float, interval_min: int
) -> ScheduleData:
    """The candidates of every plan over the horizon of ``requirements`` (on the UTC grid from
    ``start_s``, ``interval_min`` apart), what each covers, costs and may take at most.

    Limits that cannot hold (a ``min_count`` without an allowed start) are collected in
    ``problems``, not raised. Raise a ValueError if ``interval_min`` is not an int from 1 to 1440,
    ``start_s`` is not finite, plan groups repeat, requirements and plans name different groups,
    or a requirement is not a finite, non-negative 1-D array of the common length > 0.
    """
    if isinstance(interval_min, bool) or not isinstance(interval_min, int) or not 1 <= interval_min <= 1440:
        raise ValueError(f"interval_min(={interval_min!r}) must be an int from 1 to 1440.")
    if not math.isfinite(start_s):
        raise ValueError(f"start_s(={start_s}) must be finite (epoch seconds).")
    required, n = _required(requirements, plans)
    interval_s = interval_min * 60
    lo = round(start_s)
    hi = lo + n * interval_s
    required_s = np.ceil(required * interval_s - 1e-6).astype(np.int64)
    cands: list[Candidate] = []
    problems: list[str] = []
    for g, plan in enumerate(plans):
        for t, tpl in enumerate(plan.templates):
            starts = local_starts(tpl, plan.time_zone, lo, hi)
            if not starts and tpl.min_count > 0:
                problems.append(
                    f"group {plan.group!r}: template {tpl.name!r} has min_count {tpl.min_count} "
                    "but no allowed start time within the horizon"
                )
            offsets = [None] if tpl.break_rule is None else list(tpl.break_rule.offsets_min)
            for s in starts:
                for off in offsets:
                    cands.append(Candidate(g, t, s, None if off is None else s + off * 60))
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
            round(tpl.cost_per_paid_hour * tpl.paid_h * COST_SCALE)
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
    return ScheduleData(
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


def short_s(data: ScheduleData, g: int, counts: IntArray) -> int:
    """Agent-seconds group ``g`` is short under ``counts`` (over all candidates). Raises nothing."""
    idx = data.by_group[g]
    on = counts[idx] @ data.on_duty_s[idx] if idx.size else np.zeros(data.n, np.int64)
    return int(np.maximum(data.required_s[g] - on, 0).sum())


def better(data: ScheduleData, g: int, a: IntArray, b: IntArray, penalty: int | None) -> bool:
    """Whether schedule ``a`` beats ``b`` for group ``g`` (both over all candidates): less short,
    then cheaper; with a ``penalty`` (per agent-hour short, in 1/COST_SCALE units), a lower
    ``3600 x cost + penalty x agent-seconds short``. Raises nothing."""
    idx = data.by_group[g]
    cost_a, cost_b = int(a[idx] @ data.cost[idx]), int(b[idx] @ data.cost[idx])
    short_a, short_b = short_s(data, g, a), short_s(data, g, b)
    if penalty is None:
        return (short_a, cost_a) < (short_b, cost_b)
    return 3600 * cost_a + penalty * short_a < 3600 * cost_b + penalty * short_b


def plan_covers(plan: ShiftPlan, at_s: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Per instant of ``at_s`` (epoch seconds), :func:`plan_can_cover`: each template's starts
    are listed once over the instants' span, so a week of intervals costs one pass per template
    instead of one per interval. Raise a ValueError if an instant is not finite."""
    at = np.floor(np.asarray(at_s, dtype=np.float64))
    if at.size == 0:
        return np.zeros(at.shape, dtype=np.bool_)
    if not np.all(np.isfinite(at)):
        raise ValueError("at_s must be finite epoch seconds")
    lo, hi = int(at.min()), int(at.max()) + 1
    out = np.zeros(at.shape, dtype=np.bool_)
    for template in plan.templates:
        starts = np.array(local_starts(template, plan.time_zone, lo, hi), dtype=np.float64)
        if starts.size == 0:
            continue
        # the latest start at or before an instant has the latest end (one length per template)
        latest = np.searchsorted(starts, at, side="right") - 1
        on = latest >= 0
        out |= on & (starts[np.maximum(latest, 0)] + template.length_min * 60 > at)
    return out


def plan_can_cover(plan: ShiftPlan, at_s: float) -> bool:
    """Whether some shift the plan allows would have an agent on duty at ``at_s`` (epoch seconds),
    breaks aside: the staffing search only staffs a group in intervals its shifts can reach.

    Raise a ValueError (NaN) or an OverflowError (infinite) if ``at_s`` is not finite."""
    lo = math.floor(at_s)
    return any(local_starts(t, plan.time_zone, lo, lo + 1) for t in plan.templates)
