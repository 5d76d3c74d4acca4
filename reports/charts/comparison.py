"""Section 9's chart: key metrics side by side for every simulated roster."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

import reports.charts.style as style
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan
from simulator.replications import Replications

__all__ = ["KEY_METRICS", "compared_runs", "comparison"]

#: The panels of the comparison chart, row by row (2 x 3).
KEY_METRICS = ("service_level", "asa_s", "p95_handoff_s", "abandon_rate", "occupancy", "offered")


def compared_runs(plan: CapacityPlan) -> list[tuple[str, Replications, str]]:
    """The rosters compared in section 9: current, recommended, and ``plan.compare`` if present."""
    runs = style.verified_runs(plan)
    if plan.compare is not None:
        runs.append((f"compared: {plan.compare.scenario.name}", plan.compare, style.COMPARE))
    return runs


def comparison(plan: CapacityPlan) -> Figure:
    """Key metrics side by side (bars with 95 % CIs) for the current roster, the recommended one
    and the compared scenario (when given), with each bar's change against the current roster."""
    runs = compared_runs(plan)
    fig = style.figure(4.9)
    axes = fig.subplots(2, 3).ravel()
    x = np.arange(len(runs))
    for ax, name in zip(axes, KEY_METRICS, strict=True):
        m = metric(name)
        style.axes(ax, style.panel_title(m), None, style.unit_label(m))
        means, lo, hi = style.error_bars([r.overall(name) for _, r, _ in runs])
        ax.bar(
            x,
            np.nan_to_num(means),
            color=[c for _, _, c in runs],
            width=0.65,
            yerr=np.nan_to_num(np.vstack([lo, hi])),
            error_kw={"elinewidth": 0.8, "capsize": 3},
        )
        if m.share:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        top = float(np.nanmax(means + hi, initial=0.0)) if np.any(np.isfinite(means)) else 1.0
        ax.set_ylim(0, max(top, 0.01 if m.share else 1e-9) * 1.4)
        if m.share:  # no tick above 100 %: the headroom is for the labels
            ax.set_yticks([t for t in (0, 0.25, 0.5, 0.75, 1.0) if t <= ax.get_ylim()[1]])
        else:
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        for i in range(len(runs)):
            if not math.isfinite(means[i]):
                continue
            text = m.text(means[i])
            if i > 0 and math.isfinite(means[0]):
                text += "\n" + m.delta_text(means[i] - means[0])
            ax.text(x[i], means[i] + hi[i], text, ha="center", va="bottom", fontsize=7.5)
        ax.set_xticks([])
        ax.set_xlim(-0.6, len(runs) - 0.4)
        for i, (lab, _, colour) in enumerate(runs):
            ax.bar([i], [0], color=colour, label=lab)  # legend entries only
    style.legend_below(fig, list(axes), ncols=3)
    fig.suptitle(
        "Key metrics side by side (whiskers: 95 % CI; second line: change vs the current roster)",
        fontsize=style.TITLE_PT,
        x=0.01,
        ha="left",
    )
    return fig
