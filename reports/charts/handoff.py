"""Section 5's chart: how long escalations waited for a human (histogram and ECDF)."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from numpy.typing import NDArray

import reports.charts.style as style
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan
from simulator.replications import Replications

__all__ = ["handoff_distribution", "handoff_range", "handoff_times"]

FloatArray = NDArray[np.float64]


def handoff_times(result: Replications) -> FloatArray:
    """Handoff times (s) of escalations accepted after warm-up, pooled over replications.

    Raise a ValueError when ``result`` kept no records."""
    if not result.records:
        raise ValueError("handoff_times needs replications run with keep_records=True")
    warmup_s = result.scenario.warmup_s
    parts = []
    for rec in result.records:
        after = rec.arrivals.created_s >= rec.start_s + warmup_s
        h = rec.handoff_s[after]
        parts.append(h[~np.isnan(h)])
    return np.concatenate(parts) if parts else np.zeros(0)


def handoff_range(handoff_s: FloatArray, threshold_s: float) -> tuple[float, float]:
    """(x range, bin width) in seconds of a handoff-time histogram: the p99 rounded up to 10 s,
    at least twice and at most ten times the threshold; 5-s bins up to 150 s, else 10-s."""
    p99 = float(np.quantile(handoff_s, 0.99)) if handoff_s.size else threshold_s
    cap = float(max(2 * threshold_s, math.ceil(min(p99, 10 * threshold_s) / 10) * 10))
    return cap, 5.0 if cap <= 150 else 10.0


def handoff_distribution(plan: CapacityPlan) -> Figure:
    """Histogram (share of accepted escalations per 5-s bin) and ECDF of handoff times after
    warm-up, current vs recommended roster, with the service-level threshold marked and the share
    of accepted escalations within it annotated. Times beyond the x range are counted in the last
    bin."""
    target = plan.scenario.service_level
    threshold = target.threshold_s
    within_metric = metric("service_level_answered")
    runs = style.verified_runs(plan)
    series = [(label, handoff_times(r), colour) for label, r, colour in runs if r.records]
    pooled = np.concatenate([h for _, h, _ in series]) if series else np.zeros(0)
    cap, bin_s = handoff_range(pooled, threshold)
    bins = np.arange(0.0, cap + bin_s, bin_s)

    fig = style.figure(3.5)
    ax_hist, ax_cdf = fig.subplots(1, 2)
    style.axes(
        ax_hist,
        "Handoff time: histogram",
        "handoff time (s), created -> accepted",
        f"share of accepted per {bin_s:g}-s bin (%)",
    )
    style.axes(
        ax_cdf,
        "Handoff time: cumulative share (ECDF)",
        "handoff time (s)",
        "share of accepted within x s (%)",
    )
    notes = []
    for label, h, colour in series:
        if h.size == 0:
            continue
        clipped = np.minimum(h, cap - 1e-9)
        weights = np.full(h.size, 1.0 / h.size)
        ax_hist.hist(clipped, bins=bins, weights=weights, histtype="stepfilled", alpha=0.25, color=colour)
        ax_hist.hist(
            clipped,
            bins=bins,
            weights=weights,
            histtype="step",
            linewidth=1.5,
            color=colour,
            label=f"{label} ({h.size:,} accepted)",
        )
        xs = np.sort(h)
        ys = np.arange(1, xs.size + 1) / xs.size
        ax_cdf.step(
            np.concatenate(([0.0], xs)),
            np.concatenate(([0.0], ys)),
            where="post",
            color=colour,
            linewidth=1.6,
            label="_same colours as the histogram",
        )
        within = float(np.count_nonzero(h <= threshold)) / h.size
        short = label.removesuffix(" roster")
        notes.append((f"{short}: {within_metric.text(within)} within {threshold:g} s", colour))
    for ax in (ax_hist, ax_cdf):
        ax.axvline(
            threshold,
            color=style.TARGET,
            linestyle="--",
            linewidth=1.2,
            label=f"{threshold:g}-s service-level threshold",
        )
        ax.set_xlim(0, cap)
    ax_hist.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_cdf.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_cdf.set_ylim(0, 1.02)
    ax_cdf.axhline(
        target.target,
        color=style.TARGET,
        linestyle=":",
        linewidth=1.0,
        label=f"service-level target {metric('service_level').text(target.target)}",
    )
    for i, (text, colour) in enumerate(notes):
        ax_cdf.text(
            0.97,
            0.06 + 0.1 * i,
            text,
            transform=ax_cdf.transAxes,
            ha="right",
            va="bottom",
            fontsize=style.LEGEND_PT,
            color=colour,
            bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": colour, "alpha": 0.9},
        )
    if not series:
        ax_hist.text(
            0.5, 0.5, "no records kept", ha="center", transform=ax_hist.transAxes, fontsize=style.LABEL_PT
        )
    style.legend_below(fig, [ax_hist, ax_cdf], ncols=3)
    return fig
