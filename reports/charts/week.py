"""Section 7's week heatmap: agents on duty per interval, required vs scheduled, one row per day.

For a horizon of several days the line charts of a day turn into a smear; a heatmap with the
local days as rows and the time of day as columns shows a week at a glance: where the schedule
has fewer agents on duty than required (red in the third panel) and where it has spare.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from numpy.typing import NDArray

import reports.charts.style as style
from reports.plan_data import week_on_duty
from routing.shifts import zone
from simulator.planning.result import CapacityPlan

__all__ = ["day_grid", "week_heatmap"]

FloatArray = NDArray[np.float64]


def day_grid(plan: CapacityPlan, values: FloatArray) -> tuple[FloatArray, list[date]]:
    """``values`` (one per interval of the plan's grid) as a (local days x intervals of a day)
    matrix, NaN where the horizon has no interval, and the local dates of the rows. An interval
    repeated by a DST fall-back keeps its later value."""
    sc = plan.scenario
    tz = zone(sc.time_zone)
    per_day = 1440 // sc.interval_min
    local = [datetime.fromtimestamp(float(t), tz) for t in plan.interval_start_s]
    first = local[0].date() if local else date.today()
    days = (local[-1].date() - first).days + 1 if local else 0
    grid = np.full((days, per_day), np.nan)
    for value, when in zip(values.tolist(), local, strict=True):
        grid[(when.date() - first).days, (when.hour * 60 + when.minute) // sc.interval_min] = value
    return grid, [date.fromordinal(first.toordinal() + d) for d in range(days)]


def week_heatmap(plan: CapacityPlan) -> Figure:
    """Three heatmaps on one time-of-day axis: agents required on duty, agents the weekly patterns
    (or, without them, the recommended shifts) put on duty, and scheduled minus required (red:
    short, blue: spare). Raise a ValueError when the plan has neither."""
    week = week_on_duty(plan)
    if week is None:
        raise ValueError("week_heatmap needs a plan with a schedule or weekly patterns")
    required, scheduled, source = week
    need, days = day_grid(plan, required)
    have, _ = day_grid(plan, scheduled)
    gap = have - need
    sc = plan.scenario
    fig = style.figure(1.2 + 3 * (0.6 + 0.2 * len(days)))
    axes = fig.subplots(3, 1, sharex=True)
    top = max(float(np.nanmax(need, initial=0)), float(np.nanmax(have, initial=0)), 1.0)
    extent = (0.0, 24.0, len(days), 0.0)
    labels = [f"{d:%a %d %b}" for d in days]
    panels = (
        (need, "agents required on duty", {"cmap": "Greys", "vmin": 0.0, "vmax": top}),
        (have, f"agents on duty, {source}", {"cmap": "Greys", "vmin": 0.0, "vmax": top}),
    )
    for ax, (grid, title, kw) in zip(axes[:2], panels, strict=True):
        image = ax.imshow(grid, aspect="auto", interpolation="nearest", extent=extent, **kw)
        fig.colorbar(image, ax=ax, label="agents", pad=0.01)
        style.axes(ax, title)
    span = max(float(np.nanmax(np.abs(gap), initial=0)), 0.5)
    image = axes[2].imshow(
        gap,
        aspect="auto",
        interpolation="nearest",
        extent=extent,
        cmap="RdBu",
        norm=TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span),
    )
    fig.colorbar(image, ax=axes[2], label="agents", pad=0.01)
    style.axes(axes[2], "scheduled minus required (red: short, blue: spare)", f"time of day ({sc.time_zone})")
    for ax in axes:
        ax.set_yticks(np.arange(len(days)) + 0.5, labels)
        ax.set_xticks(np.arange(0, 25, 3))
        ax.grid(False)
    fig.suptitle(
        f"Week heatmap: agents on duty per {sc.interval_min}-min interval, one row per local day",
        fontsize=style.TITLE_PT,
        x=0.01,
        ha="left",
    )
    return fig
