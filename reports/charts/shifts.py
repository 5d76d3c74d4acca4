"""Section 7's chart: agents on duty per group, stacked by recommended shift, against the need."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

import reports.charts.style as style
from reports.charts.time_axis import date_numbers, interval_edges, time_axis
from reports.plan_data import on_plan_grid
from routing.shifts import zone
from simulator.planning.result import CapacityPlan
from simulator.planning.scheduling import ChosenShift

__all__ = ["schedule_required", "shift_coverage", "shift_on_duty"]

FloatArray = NDArray[np.float64]

#: Colours of the shift templates, in template-name order (repeating beyond eight).
_PALETTE = ("#4c78a8", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac")


def shift_on_duty(shift: ChosenShift, edges_s: FloatArray) -> FloatArray:
    """Agents of ``shift`` on duty per interval (its count times the share of the interval worked)."""
    lo, hi = edges_s[:-1], edges_s[1:]
    width = hi - lo

    def overlap(a: float, b: float) -> FloatArray:
        out: FloatArray = np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)
        return out

    on = overlap(shift.start_s, shift.end_s)
    if shift.break_start is not None and shift.break_end is not None:
        on = on - overlap(shift.break_start.timestamp(), shift.break_end.timestamp())
    duty: FloatArray = shift.count * on / width
    return duty


def schedule_required(plan: CapacityPlan, group: str) -> FloatArray | None:
    """The schedule's requirement for ``group`` (agents on duty: the on-queue requirement grossed
    up for shrinkage) on the plan's interval grid, matched by interval start (the schedule's grid
    may be longer, e.g. include the warm-up); NaN where the schedule has no such interval."""
    sched = plan.schedule
    if sched is None or group not in sched.required:
        return None
    return on_plan_grid(plan, np.asarray(sched.interval_starts_s, dtype=np.float64), sched.required[group])


def shift_coverage(plan: CapacityPlan) -> Figure:
    """Per group, agents on duty stacked by recommended shift (start-end local, template, count)
    against what the schedule had to cover (agents on duty; solid) and, where it differs, the
    agents required on the queue (dotted; before shrinkage). Raise a ValueError when the plan has
    no schedule."""
    if plan.schedule is None:
        raise ValueError("shift_coverage needs a plan with a schedule")
    sc = plan.scenario
    tz = zone(sc.time_zone)
    edges_s = interval_edges(plan)
    edges = date_numbers(edges_s, tz)
    groups = list(plan.required)
    ncols = 1 if len(groups) <= 3 else 2
    nrows = math.ceil(len(groups) / ncols)
    fig = style.figure(max(2.6, 0.4 + 2.0 * nrows) if ncols == 1 else 0.9 + 1.4 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
    templates = sorted({s.template for s in plan.schedule.shifts})
    colour_of = {t: _PALETTE[i % len(_PALETTE)] for i, t in enumerate(templates)}
    for ax, group in zip(axes, groups, strict=False):
        style.axes(ax, f"{group}", None, "agents on duty")
        base = np.zeros(edges_s.size - 1)
        shifts = sorted((s for s in plan.schedule.shifts if s.group == group), key=lambda s: s.start_s)
        for s in shifts:
            duty = shift_on_duty(s, edges_s)
            if not np.any(duty > 0):
                continue
            ax.stairs(
                base + duty,
                edges,
                baseline=base,
                fill=True,
                facecolor=colour_of[s.template],
                edgecolor="white",  # thin white borders: one block per shift
                linewidth=0.6,
                label=f"shift template {s.template}",
            )
            on = np.flatnonzero(duty > 0)
            mid = (int(on[0]) + int(on[-1])) // 2  # label in the middle of the visible span
            if duty[mid] >= 1.5 and ncols == 1:
                ax.text(
                    (edges[on[0]] + edges[on[-1] + 1]) / 2,
                    base[mid] + duty[mid] / 2,
                    f"{s.start.astimezone(tz):%H:%M}-{s.end.astimezone(tz):%H:%M}  x{s.count}",
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="black",
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "facecolor": "white",
                        "edgecolor": "none",
                        "alpha": 0.7,
                    },
                )
            base = base + duty
        on_queue = np.asarray(plan.required[group], dtype=np.float64)
        on_duty = schedule_required(plan, group)
        if on_duty is not None:
            ax.stairs(
                on_duty, edges, color=style.REQUIRED, linewidth=1.8, label="required on duty (schedule input)"
            )
        if on_duty is None or not np.allclose(on_duty, on_queue, equal_nan=True):
            ax.stairs(
                on_queue,
                edges,
                color=style.REQUIRED,
                linewidth=1.2,
                linestyle=":",
                label="required on the queue",
            )
        top = max(float(np.max(base, initial=0)), float(np.max(on_queue, initial=0)))
        if on_duty is not None:
            top = max(top, float(np.nanmax(on_duty, initial=0)))
        ax.set_ylim(0, max(1.0, top) * 1.2)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        time_axis(ax, plan, label=False, max_ticks=12 if ncols == 1 else 6)
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
    fig.suptitle(
        "Recommended shifts: agents on duty per group, stacked by shift (labels: local start-end, agents)",
        fontsize=style.TITLE_PT,
        x=0.01,
        ha="left",
    )
    for ax in axes[max(0, len(groups) - ncols) : len(groups)]:
        ax.set_xlabel(f"local time ({sc.time_zone})", fontsize=style.LABEL_PT)
        ax.xaxis.set_tick_params(labelbottom=True)
    style.legend_below(fig, list(axes), ncols=2)
    return fig
