"""The ETA-accuracy chart: the wait the router predicted when it queued an escalation against the
wait that followed, for the roster the plan's verdict is about."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

import reports.charts.style as style
from reports.plan_data import ROSTER_LABELS, verified, verified_eta_pairs
from simulator.eta_accuracy import WITHIN_S, calibration
from simulator.planning.result import CapacityPlan

__all__ = ["eta_calibration"]


def eta_calibration(plan: CapacityPlan) -> Figure:
    """Predicted vs actual wait to a first offer: every measured escalation as a dot, the median
    and quartiles of the actual wait per bin of predicted wait, the diagonal of a perfect ETA and
    the +-30 s band around it.

    Raise a ValueError when the verified roster kept no records."""
    pairs = verified_eta_pairs(plan)
    if pairs is None:
        raise ValueError("eta_calibration needs replications run with keep_records=True")
    key, _ = verified(plan)
    measured = pairs.measured
    predicted, actual = pairs.predicted_s[measured], pairs.actual_s[measured]
    fig = style.figure(3.6)
    ax = fig.subplots(1, 1)
    style.axes(
        ax,
        f"ETA given on queueing vs actual wait ({ROSTER_LABELS[key]})",
        "predicted wait to an offer (s)",
        "actual wait to an offer (s)",
    )
    top = float(np.quantile(np.concatenate((predicted, actual)), 0.99)) if predicted.size else 60.0
    top = max(60.0, top * 1.05)
    line = np.array([0.0, top])
    ax.fill_between(
        line, line - WITHIN_S, line + WITHIN_S, color="#2ca02c", alpha=0.12, label=f"within +-{WITHIN_S:g} s"
    )
    ax.plot(line, line, color=style.TARGET, linestyle="--", linewidth=1.0, label="perfect ETA")
    if predicted.size:
        ax.scatter(
            np.minimum(predicted, top),
            np.minimum(actual, top),
            s=6,
            alpha=0.25,
            color=style.CURRENT,
            linewidths=0,
            label=f"queued escalations ({predicted.size:,})",
        )
        cal = calibration(pairs)
        ax.errorbar(
            cal.predicted_s,
            cal.actual_median_s,
            yerr=np.vstack([cal.actual_median_s - cal.actual_q25_s, cal.actual_q75_s - cal.actual_median_s]),
            fmt="o-",
            color=style.RECOMMENDED,
            markersize=4,
            linewidth=1.2,
            capsize=2,
            label="median actual per ETA bin (bars: quartiles)",
        )
    else:
        ax.text(0.5, 0.5, "no escalation was queued", ha="center", transform=ax.transAxes)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    style.legend_below(fig, ax, ncols=2)
    return fig
