"""The capacity report's charts: one function per chart, each returning a matplotlib ``Figure``.

Every chart is sized for A4 portrait (:data:`WIDTH_IN` wide) with 8-10 pt text, has a title,
axis labels with units and a legend outside the data, and shows interval times in the scenario's
time zone (:mod:`reports.charts.style`, :mod:`reports.charts.time_axis`). Metric labels and
number formats are the catalogue's; target lines are the scenario's targets. In report order:

* :func:`demand_vs_staffing` (section 4, :mod:`~reports.charts.staffing`),
  :func:`handoff_distribution` (5, :mod:`~reports.charts.handoff`),
  :func:`interval_performance` (6, :mod:`~reports.charts.performance`),
  :func:`shift_coverage` and, for a horizon of several days, :func:`week_heatmap` (7,
  :mod:`~reports.charts.shifts`, :mod:`~reports.charts.week`),
  :func:`segment_breakdown` (8, :mod:`~reports.charts.segments`),
  :func:`eta_calibration` (9, :mod:`~reports.charts.eta`),
  :func:`comparison` (10, :mod:`~reports.charts.comparison`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports.charts.comparison import comparison
from reports.charts.eta import eta_calibration
from reports.charts.handoff import handoff_distribution, handoff_times
from reports.charts.performance import interval_performance
from reports.charts.segments import segment_breakdown
from reports.charts.shifts import shift_coverage
from reports.charts.staffing import demand_vs_staffing
from reports.charts.style import WIDTH_IN
from reports.charts.week import week_heatmap
from reports.plan_data import verified as _verified

if TYPE_CHECKING:
    from collections.abc import Callable

    from matplotlib.figure import Figure

    from simulator.planning.result import CapacityPlan

__all__ = [
    "CHARTS",
    "WIDTH_IN",
    "comparison",
    "demand_vs_staffing",
    "eta_calibration",
    "handoff_distribution",
    "handoff_times",
    "interval_performance",
    "render_charts",
    "segment_breakdown",
    "shift_coverage",
    "week_heatmap",
]

#: (file name, caption) of every chart, in report order.
CHARTS = (
    ("demand_vs_staffing", "Demand vs staffing per interval"),
    ("handoff_distribution", "Handoff-time distribution"),
    ("interval_performance", "Service level, abandonment and occupancy per interval"),
    ("shift_coverage", "Recommended shift coverage"),
    ("week_heatmap", "Week heatmap: agents on duty, required vs scheduled"),
    ("segment_breakdown", "Per-segment breakdown"),
    ("eta_calibration", "ETA given on queueing vs actual wait"),
    ("comparison", "Comparison"),
)

_MAKERS: dict[str, Callable[[CapacityPlan], Figure]] = {
    "demand_vs_staffing": demand_vs_staffing,
    "handoff_distribution": handoff_distribution,
    "interval_performance": interval_performance,
    "shift_coverage": shift_coverage,
    "week_heatmap": week_heatmap,
    "segment_breakdown": segment_breakdown,
    "eta_calibration": eta_calibration,
    "comparison": comparison,
}


def render_charts(plan: CapacityPlan) -> dict[str, Figure]:
    """Every chart the plan has data for, keyed by file name in report order. Left out:
    ``shift_coverage`` without a schedule, ``week_heatmap`` without a schedule or weekly patterns
    or for a horizon of a day or less, ``comparison`` without a recommended roster or a
    compared scenario, ``handoff_distribution`` when no roster kept its records,
    ``eta_calibration`` when the verified roster kept none."""
    skip: set[str] = set()
    if plan.schedule is None:
        skip.add("shift_coverage")
    if plan.schedule is None and plan.weekly_roster is None:
        skip.add("week_heatmap")
    if plan.scenario.duration_h <= 24:
        skip.add("week_heatmap")
    if plan.recommended is None and plan.compare is None:
        skip.add("comparison")
    if not plan.current.records and not (plan.recommended and plan.recommended.records):
        skip.add("handoff_distribution")
    if not _verified(plan)[1].records:
        skip.add("eta_calibration")
    return {name: _MAKERS[name](plan) for name, _ in CHARTS if name not in skip}
