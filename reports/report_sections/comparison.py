"""Section 9, the comparison: the KPI means of every simulated roster side by side, with each
one's change against the current roster."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from reports.html_parts import chart, html_table
from reports.plan_data import ROSTER_LABELS, rosters
from reports.report_tables import KPI_METRICS
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan

__all__ = ["render"]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The comparison chart and table, or why there is nothing to compare."""
    runs = rosters(plan)
    if len(runs) < 2:
        return (
            chart("comparison", pngs)
            + "<p>Nothing to compare: the plan has neither a recommended roster nor a compared scenario.</p>"
        )
    labels = [ROSTER_LABELS[k] for k, _ in runs]
    header = ["metric", *labels, *(f"Δ {label} vs current" for label in labels[1:])]
    rows = []
    for name in KPI_METRICS:
        m = metric(name)
        means = [r.overall(name).mean for _, r in runs]
        rows.append([m.label, *(m.text(v) for v in means), *(m.delta_text(v - means[0]) for v in means[1:])])
    who = ""
    if plan.compare is not None:
        who = f"<p>Compared scenario: <b>{escape(plan.compare.scenario.name)}</b>.</p>"
    return chart("comparison", pngs) + who + html_table(header, rows, cls="kpi")
