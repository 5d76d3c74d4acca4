"""The capacity report's tables: built once from a :class:`CapacityPlan`, written as CSV and shown in
the HTML.

A :class:`Table` is a header and rows of plain strings (numbers already formatted for a machine by
the metric catalogue's :func:`~simulator.metric_catalogue.cell`: ``.`` decimals, no thousands
separators, empty cell for a value that does not exist; 4 decimals for shares, 2 for seconds and
counts). Labels and units are the catalogue's. Times are ISO 8601 with offset: interval starts in
the scenario's time zone, shift times in their own zone.

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
* ``misses.csv`` -- interval_start, segment (empty for a pool target), metric, value, target,
  shortfall (in the metric's unit and decimals); one row per ``plan.misses``;
* ``segment_verdicts.csv`` -- segment, own_targets (1 when the segment sets its own), metric,
  goal, bound (``min`` or ``max``), value, ci_low, ci_high, met (1/0); one row per segment and
  target, for the verified roster over the horizon;
* ``eta_accuracy.csv`` -- segment (``all`` last), queued, unknown, censored, then
  :data:`~simulator.metric_catalogue.ETA_METRICS` from ``eta_measured`` on, for the verified
  roster; no rows without records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from reports.plan_data import current_short, group_total, requirements, rosters, verified_eta_pairs
from routing.shifts import zone
from simulator.eta_accuracy import eta_accuracy_by_segment
from simulator.metric_catalogue import ETA_METRICS, Metric, cell, metric
from simulator.planning.result import CapacityPlan
from simulator.replications import Estimate, estimate_columns

__all__ = [
    "ETA_TABLE_METRICS",
    "INTERVAL_METRICS",
    "KPI_METRICS",
    "SEGMENT_METRICS",
    "TABLE_NAMES",
    "Table",
    "build_tables",
]

#: Metrics of the KPI summary (``kpis.csv`` and report section 3), in the order a manager reads
#: them; labels and units are the catalogue's.
KPI_METRICS = (
    "service_level",
    "service_level_answered",
    "asa_s",
    "p50_handoff_s",
    "p95_handoff_s",
    "abandon_rate",
    "deferral_rate",
    "occupancy",
    "offered",
    "accepted",
)
#: Metrics of the per-segment table.
SEGMENT_METRICS = ("offered", "service_level", "asa_s", "p95_handoff_s", "abandon_rate")
#: Per-interval simulated metrics of ``intervals.csv``.
INTERVAL_METRICS = ("service_level", "abandon_rate", "occupancy", "asa_s")
TABLE_NAMES = (
    "requirements",
    "shifts",
    "kpis",
    "segments",
    "segment_verdicts",
    "intervals",
    "misses",
    "eta_accuracy",
)


@dataclass(frozen=True, slots=True)
class Table:
    """A header and its rows, every cell a string."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _iso(epoch_s: float, tz_name: str) -> str:
    return datetime.fromtimestamp(float(epoch_s), zone(tz_name)).isoformat()


def _estimate_cells(e: Estimate, m: Metric) -> tuple[str, str, str]:
    lo, hi = e.ci95 if e.ci95 is not None else (math.nan, math.nan)
    return m.cell(e.mean), m.cell(lo), m.cell(hi)


def requirements_table(plan: CapacityPlan) -> Table:
    tz = plan.scenario.time_zone
    rows = [
        (
            _iso(r.interval_start_s, tz),
            r.group,
            cell(r.required),
            cell(r.lower_bound),
            cell(r.scheduled_current, 2),
            cell(r.scheduled_recommended, 2),
        )
        for r in requirements(plan)
    ]
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
    for name in KPI_METRICS:
        m = metric(name)
        row = [m.name, m.label, m.unit]
        means = []
        for _, result in runs:
            e = result.overall(name)
            means.append(e.mean)
            row += _estimate_cells(e, m)
        row += [m.cell(mean - means[0]) for mean in means[1:]]
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
            for name in SEGMENT_METRICS:
                row += _estimate_cells(result.segment(segment, name), metric(name))
            rows.append(tuple(row))
    return Table(tuple(header), tuple(rows))


def segment_verdicts_table(plan: CapacityPlan) -> Table:
    header = ("segment", "own_targets", "metric", "goal", "bound", "value", "ci_low", "ci_high", "met")
    rows = []
    for verdict in plan.segment_verdicts:
        for check in verdict.checks:
            m = metric(check.metric)
            lo, hi = check.ci95 if check.ci95 is not None else (math.nan, math.nan)
            rows.append(
                (
                    verdict.segment,
                    "1" if verdict.own else "0",
                    check.metric,
                    m.cell(check.goal),
                    "min" if check.higher_is_better else "max",
                    m.cell(check.value),
                    m.cell(lo),
                    m.cell(hi),
                    "1" if check.met else "0",
                )
            )
    return Table(header, tuple(rows))


def intervals_table(plan: CapacityPlan) -> Table:
    tz = plan.scenario.time_zone
    starts = plan.interval_start_s.tolist()
    n = len(starts)
    required = group_total(plan.required, n)
    current = group_total(plan.scheduled_current, n)
    recommended = group_total(plan.scheduled_recommended, n) if plan.scheduled_recommended else None
    workload = group_total(plan.workload_erlangs, n)
    short = current_short(plan)
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
        for name in INTERVAL_METRICS:
            m = metric(name)
            mean, low, high = estimate_columns(result.per_interval(name), share=m.share)
            header += [f"{name}_{key}", f"{name}_{key}_ci_low", f"{name}_{key}_ci_high"]
            columns += [[m.cell(v) for v in mean], [m.cell(v) for v in low], [m.cell(v) for v in high]]
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
                "1" if short[k] else "0",
                *(col[k] for col in columns),
            )
        )
    return Table(tuple(header), tuple(rows))


def misses_table(plan: CapacityPlan) -> Table:
    tz = plan.scenario.time_zone
    header = ("interval_start", "segment", "metric", "value", "target", "shortfall")
    rows = []
    for miss in sorted(plan.misses, key=lambda m: (m.interval_start_s, m.metric, m.segment or "")):
        m = metric(miss.metric)  # decimals of the metric: 4 for shares, 2 for seconds
        rows.append(
            (
                _iso(miss.interval_start_s, tz),
                miss.segment or "",
                miss.metric,
                m.cell(miss.value),
                m.cell(miss.target),
                m.cell(miss.shortfall),
            )
        )
    return Table(header, tuple(rows))


def build_tables(plan: CapacityPlan) -> dict[str, Table]:
    """Every table of the report, keyed by :data:`TABLE_NAMES`."""
    return {
        "requirements": requirements_table(plan),
        "shifts": shifts_table(plan),
        "kpis": kpis_table(plan),
        "segments": segments_table(plan),
        "segment_verdicts": segment_verdicts_table(plan),
        "intervals": intervals_table(plan),
        "misses": misses_table(plan),
        "eta_accuracy": eta_accuracy_table(plan),
    }


#: The columns of ``eta_accuracy.csv`` after segment, queued, unknown and censored.
ETA_TABLE_METRICS = tuple(m for m in ETA_METRICS if m != "eta_queued")


def eta_accuracy_table(plan: CapacityPlan) -> Table:
    header = ("segment", "queued", "unknown", "censored", *ETA_TABLE_METRICS)
    pairs = verified_eta_pairs(plan)
    if pairs is None:
        return Table(header, ())
    rows = []
    for segment, acc in eta_accuracy_by_segment(pairs).items():
        values = acc.metrics()
        rows.append(
            (
                segment,
                str(acc.queued),
                str(acc.unknown),
                str(acc.censored),
                *(metric(name).cell(values[name]) for name in ETA_TABLE_METRICS),
            )
        )
    return Table(header, tuple(rows))
