"""What a shift schedule is: its status, the chosen shifts, the gaps, and the message.

:func:`read_result` turns agents per candidate (from the baselines or CP-SAT) into a
:class:`ScheduleResult` and writes its ``message``; nothing here loads OR-Tools or scipy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from routing.shifts import zone
from simulator.planning.scheduling.data import ScheduleData

__all__ = [
    "ChosenShift",
    "ScheduleResult",
    "ScheduleStatus",
    "Shortfall",
    "empty_result",
    "read_result",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
        """``start`` in epoch seconds."""
        return self.start.timestamp()

    @property
    def end_s(self) -> float:
        """``end`` in epoch seconds."""
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
    ``lower_bound_paid_hours`` / ``lower_bound_cost``: the LP relaxation's least paid hours and
    cost of any schedule no shorter than this one (:func:`~simulator.planning.scheduling.
    baselines.lp_lower_bound`; ``None`` when not computed): ``paid_hours`` is never below it.
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
    lower_bound_paid_hours: float | None = None
    lower_bound_cost: float | None = None

    @property
    def covered(self) -> bool:
        """Every interval of every group covered."""
        return not self.shortfalls

    @property
    def paid_hours_gap(self) -> float | None:
        """How far the paid hours are above the bound, as a share of the bound (0: proven least;
        ``None`` without a bound or with a bound of 0)."""
        bound = self.lower_bound_paid_hours
        if bound is None or bound <= 0:
            return None
        return (self.paid_hours - bound) / bound

    @property
    def cost_gap(self) -> float | None:
        """As :attr:`paid_hours_gap`, for the cost."""
        bound = self.lower_bound_cost
        if bound is None or bound <= 0:
            return None
        return (self.cost - bound) / bound


# ------------------------------------------------------------------------------ reading a schedule
def _when(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%d %H:%M")


def _runs(data: ScheduleData, short: Sequence[Shortfall]) -> list[str]:
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


def _shortfall_text(data: ScheduleData, shortfalls: Sequence[Shortfall]) -> str:
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


def read_result(
    data: ScheduleData,
    counts: IntArray,
    status: ScheduleStatus,
    method: str,
    note: str = "",
    message: str = "",
) -> ScheduleResult:
    """Read a schedule (agents per candidate) into a :class:`ScheduleResult`, writing its message
    (``message`` replaces it, ``note`` is appended in parentheses). Raises nothing."""
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


def empty_result(data: ScheduleData, reason: str) -> ScheduleResult:
    """No schedule: the limits contradict each other (``reason`` says how). Raises nothing."""
    none = np.zeros(len(data.candidates), np.int64)
    message = f"the limits contradict each other, no schedule: {reason}"
    return read_result(data, none, ScheduleStatus.INFEASIBLE, "cp-sat", message=message)
