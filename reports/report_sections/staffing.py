"""Section 4, demand vs staffing: the chart, and where the current roster is below requirement."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

import numpy as np

from reports.html_parts import chart
from reports.plan_data import current_short, group_total
from reports.report_text import local_time
from simulator.planning.result import CapacityPlan

__all__ = ["render"]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The chart, then how many intervals are short and the largest gap."""
    n = plan.interval_start_s.size
    gap = group_total(plan.required, n) - group_total(plan.scheduled_current, n)
    short = np.flatnonzero(current_short(plan))
    if short.size == 0:
        return (
            chart("demand_vs_staffing", pngs)
            + "<p>The current roster has at least the required agents on the queue in every interval.</p>"
        )
    worst = int(short[np.argmax(gap[short])])
    return chart("demand_vs_staffing", pngs) + (
        f"<p>The current roster is below the requirement in <b>{short.size} of {n}</b> intervals "
        "(red strip); "
        f"the largest gap is {gap[worst]:.1f} agents at "
        f"{escape(local_time(plan.interval_start_s[worst], plan.scenario))}. "
        "Per interval and group: <code>tables/requirements.csv</code>, "
        "<code>tables/intervals.csv</code>.</p>"
    )
