"""The capacity report's tables: built once from a :class:`CapacityPlan`, written as CSV and shown in
the HTML.

A :class:`Table` is a header and rows of plain strings (numbers already formatted for a machine:
``.`` decimals, no thousands separators, empty cell for a value that does not exist). Times are ISO
8601 with offset: interval starts in the scenario's time zone, shift times in their own zone.

* ``requirements.csv`` -- interval_start, group, required, lower_bound, scheduled_current,
  scheduled_recommended; one row per interval and group;
* ``shifts.csv`` -- group, template, start, end, time_zone, count, break_start, break_end, paid_h;
  one row per recommended shift;
* ``kpis.csv`` -- metric, label, unit, then ``<roster>_mean``, ``_ci_low``, ``_ci_high`` per roster
  (current, recommended, compare) and ``<roster>_change`` (against current); one row per
  :data:`KPI_METRICS` entry;
* ``segments.csv`` -- segment, roster, then each of :data:`SEGMENT_METRICS` with ``_ci_low`` and
  ``_ci_high``; one row per segment and roster;
* ``intervals.csv`` -- interval_start, offered_expected, workload_erlangs, required,
  scheduled_current, scheduled_recommended, current_short (1/0), then ``<metric>_<roster>`` with
  CI columns for :data:`INTERVAL_METRICS` (current and recommended); one row per interval;
* ``misses.csv`` -- interval_start, metric, value, target, shortfall; one row per ``plan.misses``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from routing.shifts import zone
from simulator.metrics import SHARES
from simulator.planning.result import CapacityPlan
from simulator.replications import Estimate, Replications, estimate_columns

__all__ = [
    "INTERVAL_METRICS",
    "KPI_METRICS",
    "SEGMENT_METRICS",
    "TABLE_NAMES",
    "Table",
    "build_tables",
    "cell",
    "rosters",
]

#: (metric, label, unit) of the KPI summary, in the order a manager reads them.
KPI_METRICS = (
    ("service_level", "service level (accepted within threshold / offered)", "share"),
    ("service_level_answered", "service level of accepted escalations", "share"),
    ("asa_s", "ASA: mean handoff time", "s"),
    ("p50_handoff_s", "p50 handoff time", "s"),
    ("p95_handoff_s", "p95 handoff time", "s"),
    ("abandon_rate", "abandoned / offered", "share"),
    ("deferral_rate", "deferred (callback / ticket) / offered", "share"),
    ("occupancy", "occupancy (busy / staffed slot time)", "share"),
    ("offered", "offered escalations", "count"),
    ("accepted", "accepted by an agent", "count"),
)
#: Metrics of the per-segment table.
SEGMENT_METRICS = ("offered", "service_level", "asa_s", "p95_handoff_s", "abandon_rate")
#: Per-interval simulated metrics of ``intervals.csv``.
INTERVAL_METRICS = ("service_level", "abandon_rate", "occupancy", "asa_s")
TABLE_NAMES = ("requirements", "shifts", "kpis", "segments", "intervals", "misses")


@dataclass(frozen=True, slots=True)
class Table:
    """A header and its rows, every cell a string."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def cell(value: float | int | None, digits: int = 4) -> str:
    """A number for a CSV cell: empty when missing or not finite, trailing zeros dropped."""
    if value is None:
        return ""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    v = float(value)
    if not math.isfinite(v):
        return ""
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _iso(epoch_s: float, tz_name: str) -> str:
    return datetime.fromtimestamp(float(epoch_s), zone(tz_name)).isoformat()


def rosters(plan: CapacityPlan) -> list[tuple[str, Replications]]:
    """(key, replications) of every simulated roster: current, recommended, compare (if present)."""
    out = [("current", plan.current)]
    if plan.recommended is not None:
        out.append(("recommended", plan.recommended))
    if plan.compare is not None:
        out.append(("compare", plan.compare))
    return out


def _estimate_cells(e: Estimate, digits: int) -> tuple[str, str, str]:
    lo, hi = e.ci95 if e.ci95 is not None else (math.nan, math.nan)
    return cell(e.mean, digits), cell(lo, digits), cell(hi, digits)


def _digits(unit: str) -> int:
    return 4 if unit == "share" else 2


def requirements_table(plan: CapacityPlan) -> Table:
    tz = plan.scenario.time_zone
    rows = []
    for group, required in plan.required.items():
        lower = plan.lower_bound.get(group)
        current = plan.scheduled_current.get(group)
        recommended = plan.scheduled_recommended.get(group)
        for k, start in enumerate(plan.interval_start_s.tolist()):
            rows.append(
                (
                    _iso(start, tz),
                    group,
                    cell(int(required[k])),
                    "" if lower is None else cell(int(lower[k])),
                    "" if current is None else cell(float(current[k]), 2),
                    "" if recommended is None else cell(float(recommended[k]), 2),
                )
            )
    header = (
        "interval_start",
        "group",
        "required",
        "lower_bound",
        "scheduled_current",
        "scheduled_recommended",
    )
    return Table(header, tuple(rows))


def shifts_table(plan: CapacityPlan) -> Table:
    header = ("group", "template", "start", "end", "time_zone", "count", "break_start", "break_end", "paid_h")
    shifts = () if plan.schedule is None else plan.schedule.shifts
    rows = tuple(
        (
            s.group,
            s.template,
            s.start.isoformat(),
            s.end.isoformat(),
            s.time_zone,
            str(s.count),
            "" if s.break_start is None else s.break_start.isoformat(),
            "" if s.break_end is None else s.break_end.isoformat(),
            cell(s.paid_h, 2),
        )
        for s in sorted(shifts, key=lambda s: (s.group, s.start_s, s.template))
    )
    return Table(header, rows)


def kpis_table(plan: CapacityPlan) -> Table:
    runs = rosters(plan)
    header = ["metric", "label", "unit"]
    for key, _ in runs:
        header += [f"{key}_mean", f"{key}_ci_low", f"{key}_ci_high"]
    header += [f"{key}_change" for key, _ in runs[1:]]
    rows = []
    for metric, label, unit in KPI_METRICS:
        row = [metric, label, unit]
        means = []
        for _, result in runs:
            e = result.overall(metric)
            means.append(e.mean)
            row += _estimate_cells(e, _digits(unit))
        row += [cell(m - means[0], _digits(unit)) for m in means[1:]]
        rows.append(tuple(row))
    return Table(tuple(header), tuple(rows))


def segments_table(plan: CapacityPlan) -> Table:
    header = ["segment", "roster"]
    for m in SEGMENT_METRICS:
        header += [m, f"{m}_ci_low", f"{m}_ci_high"]
    rows = []
    for segment in plan.current.runs[0].segments:
        for key, result in rosters(plan):
            if segment not in result.runs[0].segments:
                continue
            row = [segment, key]
            for m in SEGMENT_METRICS:
                row += _estimate_cells(result.segment(segment, m), 4 if m in SHARES else 2)
            rows.append(tuple(row))
    return Table(tuple(header), tuple(rows))


def _total(arrays: dict[str, np.ndarray], n: int) -> np.ndarray:
    out = np.zeros(n)
    for values in arrays.values():
        out = out + np.asarray(values, dtype=np.float64)
    return out


def intervals_table(plan: CapacityPlan) -> Table:
    tz = plan.scenario.time_zone
    starts = plan.interval_start_s.tolist()
    n = len(starts)
    required = _total(dict(plan.required), n)
    current = _total(dict(plan.scheduled_current), n)
    recommended = _total(dict(plan.scheduled_recommended), n) if plan.scheduled_recommended else None
    workload = _total(dict(plan.workload_erlangs), n)
    header = [
        "interval_start",
        "offered_expected",
        "workload_erlangs",
        "required",
        "scheduled_current",
        "scheduled_recommended",
        "current_short",
    ]
    columns: list[list[str]] = []
    for key, result in rosters(plan)[:2]:  # the compared scenario may have another grid
        for m in INTERVAL_METRICS:
            mean, low, high = estimate_columns(result.per_interval(m), share=m in SHARES)
            d = 4 if m in SHARES else 2
            header += [f"{m}_{key}", f"{m}_{key}_ci_low", f"{m}_{key}_ci_high"]
            columns += [[cell(v, d) for v in mean], [cell(v, d) for v in low], [cell(v, d) for v in high]]
    rows = []
    for k, start in enumerate(starts):
        rows.append(
            (
                _iso(start, tz),
                cell(float(plan.offered_per_interval[k]), 2),
                cell(float(workload[k]), 3),
                cell(float(required[k]), 2),
                cell(float(current[k]), 2),
                "" if recommended is None else cell(float(recommended[k]), 2),
                "1" if current[k] < required[k] - 1e-9 else "0",
                *(col[k] for col in columns),
            )
        )
    return Table(tuple(header), tuple(rows))


def misses_table(plan: CapacityPlan) -> Table:
    tz = plan.scenario.time_zone
    header = ("interval_start", "metric", "value", "target", "shortfall")
    rows = tuple(
        (_iso(m.interval_start_s, tz), m.metric, cell(m.value), cell(m.target), cell(m.shortfall))
        for m in sorted(plan.misses, key=lambda m: (m.interval_start_s, m.metric))
    )
    return Table(header, rows)


def build_tables(plan: CapacityPlan) -> dict[str, Table]:
    """Every table of the report, keyed by :data:`TABLE_NAMES`."""
    return {
        "requirements": requirements_table(plan),
        "shifts": shifts_table(plan),
        "kpis": kpis_table(plan),
        "segments": segments_table(plan),
        "intervals": intervals_table(plan),
        "misses": misses_table(plan),
    }
