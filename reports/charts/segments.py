"""Section 8's chart: results per demand segment, current vs recommended roster."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

import reports.charts.style as style
from reports.report_text import target_of
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan

__all__ = ["SEGMENT_CHART_METRICS", "segment_breakdown"]

#: The panels, left to right.
SEGMENT_CHART_METRICS = ("service_level", "asa_s", "abandon_rate")


def segment_breakdown(plan: CapacityPlan) -> Figure:
    """Service level, ASA and abandonment per demand segment (horizontal bars with 95 % CIs),
    current vs recommended roster, with the scenario's targets: who waits longest, which skill is
    the bottleneck."""
    runs = style.verified_runs(plan)
    segments = list(plan.current.runs[0].segments)
    fig = style.figure(max(2.6, 1.4 + 0.3 * len(segments) * len(runs)))
    axes = fig.subplots(1, len(SEGMENT_CHART_METRICS), sharey=True)
    y = np.arange(len(segments), dtype=np.float64)
    height = 0.8 / len(runs)
    for ax, name in zip(axes, SEGMENT_CHART_METRICS, strict=True):
        m = metric(name)
        style.axes(ax, style.panel_title(m), style.unit_label(m), None)
        ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
        ax.grid(False, axis="y")
        for j, (label, result, colour) in enumerate(runs):
            means, lo, hi = style.error_bars([result.segment(s, name) for s in segments])
            ax.barh(
                y - 0.4 + height * (j + 0.5),
                np.nan_to_num(means),
                height=height * 0.9,
                color=colour,
                label=label,
                xerr=np.nan_to_num(np.vstack([lo, hi])),
                error_kw={"elinewidth": 0.8, "capsize": 2},
            )
        target = target_of(plan.scenario.service_level, name)
        if target is not None:
            ax.axvline(target.goal, color=style.TARGET, linestyle="--", linewidth=1.2, label="target / cap")
        if m.share:
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.set_xlim(0, 1.0 if name == "service_level" else None)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    axes[0].set_yticks(y, segments)
    axes[0].set_ylabel("demand segment", fontsize=style.LABEL_PT)
    axes[0].invert_yaxis()
    fig.suptitle(
        "Per-segment results (bars: mean over replications; whiskers: 95 % CI; "
        f"service level within {plan.scenario.service_level.threshold_s:g} s)",
        fontsize=style.TITLE_PT,
        x=0.01,
        ha="left",
    )
    style.legend_below(fig, list(axes), ncols=3)
    return fig
