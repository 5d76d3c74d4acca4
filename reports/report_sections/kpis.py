"""Section 3, the KPI summary: each of :data:`reports.report_tables.KPI_METRICS` per roster with
its 95 % CI, and the change of the second roster against the current one."""

from __future__ import annotations

from collections.abc import Mapping

from reports.html_parts import html_table
from reports.plan_data import ROSTER_LABELS, rosters
from reports.report_tables import KPI_METRICS
from simulator.console import estimate_text
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan

__all__ = ["render"]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The KPI table and how its figures were reached."""
    runs = rosters(plan)
    header = ["metric"]
    for key, _ in runs:
        header += [ROSTER_LABELS[key], "95 % CI"]
    if len(runs) > 1:
        header.append("change (recommended vs current)" if runs[1][0] == "recommended" else "change")
    rows = []
    for name in KPI_METRICS:
        m = metric(name)
        row = [m.label]
        estimates = [r.overall(name) for _, r in runs]
        for e in estimates:
            row += estimate_text(e, name)
        if len(runs) > 1:
            row.append(m.delta_text(estimates[1].mean - estimates[0].mean))
        rows.append(row)
    note = (
        "<p class=note>Means over replications with Student-t 95 % confidence intervals; every figure "
        "is after warm-up. Service level counts abandoned and deferred escalations against.</p>"
    )
    return html_table(header, rows, cls="kpi") + note
