"""Section 4's chart: escalations offered per interval against the agents on the queue."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

import reports.charts.style as style
from reports.charts.time_axis import date_numbers, interval_edges, time_axis
from reports.plan_data import current_short, group_total
from routing.shifts import zone
from simulator.planning.result import CapacityPlan

__all__ = ["demand_vs_staffing"]


def demand_vs_staffing(plan: CapacityPlan) -> Figure:
    """Offered escalations per interval (bars, left axis) against agents on the queue (right axis):
    required (sum over groups of ``plan.required``), scheduled under the current roster and under
    the recommended shifts. Intervals where the current roster is below the requirement are
    marked by a red strip along the top."""
    sc = plan.scenario
    n = plan.interval_start_s.size
    edges = date_numbers(interval_edges(plan), zone(sc.time_zone))
    fig = style.figure(4.1)
    ax = fig.add_subplot()
    style.axes(
        ax,
        f"Demand vs staffing per {sc.interval_min}-min interval",
        None,
        f"escalations offered per {sc.interval_min} min",
    )
    ax.bar(
        edges[:-1],
        plan.offered_per_interval,
        width=np.diff(edges),
        align="edge",
        color=style.DEMAND,
        edgecolor="white",
        linewidth=0.5,
        label="offered escalations (left axis)",
    )
    ax.set_ylim(0, max(1.0, float(np.max(plan.offered_per_interval, initial=0.0))) * 1.22)
    time_axis(ax, plan)

    ax2 = ax.twinx()
    ax2.tick_params(labelsize=style.TICK_PT)
    ax2.set_ylabel("agents on the queue (right axis)", fontsize=style.LABEL_PT)
    ax2.spines["top"].set_visible(False)
    required = group_total(plan.required, n)
    current = group_total(plan.scheduled_current, n)
    for k in np.flatnonzero(current_short(plan)).tolist():  # a strip along the top: never over data
        ax2.axvspan(
            edges[k],
            edges[k + 1],
            ymin=0.94,
            ymax=1.0,
            color=style.SHORT_STRIP,
            linewidth=0,
            label="current roster short of required (red strip)",
        )
    ax2.stairs(required, edges, color=style.REQUIRED, linewidth=2.0, label="required agents, all groups")
    ax2.stairs(
        current, edges, color=style.CURRENT, linewidth=1.8, linestyle="--", label="scheduled, current roster"
    )
    top = max(float(np.max(required, initial=0.0)), float(np.max(current, initial=0.0)))
    if plan.scheduled_recommended:
        recommended = group_total(plan.scheduled_recommended, n)
        ax2.stairs(
            recommended, edges, color=style.RECOMMENDED, linewidth=1.8, label="scheduled, recommended shifts"
        )
        top = max(top, float(np.max(recommended, initial=0.0)))
    ax2.set_ylim(0, max(1.0, top) * 1.22)
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    time_axis(ax2, plan, label=False)
    style.legend_below(fig, [ax, ax2], ncols=3)
    return fig
