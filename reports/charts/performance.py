"""Section 6's chart: service level, abandonment and occupancy per interval, against the targets."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

import reports.charts.style as style
from reports.charts.time_axis import date_numbers, interval_edges, time_axis
from reports.report_text import target_of
from routing.shifts import zone
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan
from simulator.replications import estimate_columns

__all__ = ["INTERVAL_CHART_METRICS", "interval_performance"]

#: The panels, top to bottom (shares of something: the y axes are in %).
INTERVAL_CHART_METRICS = ("service_level", "abandon_rate", "occupancy")


def interval_performance(plan: CapacityPlan) -> Figure:
    """Service level, abandonment and occupancy per interval (means with 95 % CI bands over the
    replications), current vs recommended roster, with the scenario's target lines."""
    sc = plan.scenario
    edges = date_numbers(interval_edges(plan), zone(sc.time_zone))
    mids = (edges[:-1] + edges[1:]) / 2
    fig = style.figure(7.4)
    axes = fig.subplots(len(INTERVAL_CHART_METRICS), 1, sharex=True)
    for ax, name in zip(axes, INTERVAL_CHART_METRICS, strict=True):
        m = metric(name)
        title = m.label
        if name == "service_level":
            title += f", threshold {sc.service_level.threshold_s:g} s"
        style.axes(ax, title, None, style.unit_label(m))
        for label, result, colour in style.verified_runs(plan):
            mean, low, high = estimate_columns(result.per_interval(name), share=m.share)
            ax.fill_between(mids, low, high, color=colour, alpha=0.18, linewidth=0, label=f"95 % CI, {label}")
            marker = "o" if mids.size <= 40 else None  # dots help on a few intervals, clutter on many
            ax.plot(mids, mean, color=colour, linewidth=1.6, marker=marker, markersize=2.5, label=label)
        target = target_of(sc.service_level, name)
        goal = None if target is None else target.goal
        if target is not None:
            ax.axhline(target.goal, color=style.TARGET, linestyle="--", linewidth=1.2, label="target / cap")
            ax.annotate(
                f"{'target' if target.higher_is_better else 'cap'} {m.text(target.goal)}",
                xy=(1.0, target.goal),
                xycoords=("axes fraction", "data"),
                xytext=(2, 0),
                textcoords="offset points",
                va="center",
                fontsize=style.TICK_PT,
                color=style.TARGET,
            )
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(0, 1.05 if name != "abandon_rate" else _abandon_top(plan, goal))
        time_axis(ax, plan, label=ax is axes[-1])
    style.legend_below(fig, list(axes), ncols=3)
    return fig


def _abandon_top(plan: CapacityPlan, cap: float | None) -> float:
    """The top of the abandonment axis: room above the highest CI and the cap, at most 105 %."""
    highs = [cap or 0.0]
    for _, result, _ in style.verified_runs(plan):
        mean, _, high = estimate_columns(result.per_interval("abandon_rate"), share=True)  # NaN-safe
        highs.extend([float(np.nanmax(high, initial=0.0)), float(np.nanmax(mean, initial=0.0))])
    return min(1.05, max(0.1, 1.15 * max(highs)))
