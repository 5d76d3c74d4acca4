"""Section 6, results per interval: the chart, and every interval that still misses a target."""

from __future__ import annotations

from collections.abc import Mapping

from reports.html_parts import chart, html_table
from reports.plan_data import ROSTER_LABELS, verified
from reports.report_text import local_time
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan

__all__ = ["render"]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The chart, then the misses (interval, metric, simulated, target, short by) or that there
    are none."""
    sc = plan.scenario
    if not plan.misses:
        which = ROSTER_LABELS[verified(plan)[0]]
        return (
            chart("interval_performance", pngs) + f"<p>The {which} meets every target in every interval.</p>"
        )
    rows = []
    for miss in sorted(plan.misses, key=lambda m: (m.interval_start_s, m.metric)):
        m = metric(miss.metric)
        end = miss.interval_start_s + sc.interval_s
        rows.append(
            (
                f"{local_time(miss.interval_start_s, sc)}–{local_time(end, sc)}",
                m.label,
                m.text(miss.value),
                m.text(miss.target),
                m.delta_text(miss.shortfall).lstrip("+"),
            )
        )
    return (
        chart("interval_performance", pngs)
        + "<h3>Intervals that still miss a target</h3>"
        + html_table(("interval (local)", "metric", "simulated", "target", "short by"), rows, numeric_from=2)
    )
