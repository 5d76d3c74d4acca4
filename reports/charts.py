"""The capacity report's charts: one function per chart, each returning a matplotlib ``Figure``.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas, never pyplot, so no
global state (backend, current figure, rcParams) changes for other code. Every chart is sized for
A4 portrait (:data:`WIDTH_IN` wide) with 8-10 pt text, has a title, axis labels with units and a
legend outside the data, and shows interval times in the scenario's time zone.

Colours: the current roster is orange, the recommended one blue, a compared scenario grey; targets
are dashed dark red lines. Charts, in the report's order:

* :func:`demand_vs_staffing` (section 4), :func:`handoff_distribution` (5),
  :func:`interval_performance` (6), :func:`shift_coverage` (7), :func:`segment_breakdown` (8),
  :func:`comparison` (9).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, HourLocator, MinuteLocator, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter
from numpy.typing import NDArray

from routing.shifts import zone
from simulator.metrics import SHARES
from simulator.planning.result import CapacityPlan
from simulator.planning.scheduling import ChosenShift
from simulator.replications import Replications, estimate_columns

__all__ = [
    "CHARTS",
    "WIDTH_IN",
    "comparison",
    "demand_vs_staffing",
    "handoff_distribution",
    "handoff_times",
    "interval_performance",
    "segment_breakdown",
    "shift_coverage",
]

FloatArray = NDArray[np.float64]

WIDTH_IN = 7.5  # A4 portrait less margins
TITLE_PT = 10.5
LABEL_PT = 9.0
TICK_PT = 8.5
LEGEND_PT = 8.5

CURRENT = "#e07b00"
RECOMMENDED = "#1f5fa8"
COMPARE = "#7f7f7f"
REQUIRED = "#111111"
TARGET = "#a01818"
SHORT_STRIP = "#d62728"
DEMAND = "#b9cde5"

#: (file name, section title) of every chart, in report order.
CHARTS = (
    ("demand_vs_staffing", "Demand vs staffing per interval"),
    ("handoff_distribution", "Handoff-time distribution"),
    ("interval_performance", "Service level, abandonment and occupancy per interval"),
    ("shift_coverage", "Recommended shift coverage"),
    ("segment_breakdown", "Per-segment breakdown"),
    ("comparison", "Comparison"),
)


# ------------------------------------------------------------------------------------------ helpers
def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained", dpi=100)
    FigureCanvasAgg(fig)  # attaches itself to the figure: Agg, whatever the global backend
    return fig


def _style(ax: Axes, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None) -> None:
    if title:
        ax.set_title(title, fontsize=TITLE_PT, loc="left")
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=LABEL_PT)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=LABEL_PT)
    ax.tick_params(labelsize=TICK_PT)
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _edges(plan: CapacityPlan) -> FloatArray:
    """Interval edges (epoch seconds): starts plus the end of the last interval."""
    starts = np.asarray(plan.interval_start_s, dtype=np.float64)
    return np.append(starts, starts[-1] + plan.scenario.interval_s) if starts.size else starts


def _dates(epoch_s: Sequence[float] | FloatArray, tz: tzinfo) -> FloatArray:
    """Matplotlib date numbers of epoch seconds (aware datetimes, so the instant is exact)."""
    days = date2num([datetime.fromtimestamp(float(t), tz) for t in epoch_s])  # type: ignore[no-untyped-call]
    return np.asarray(days, dtype=np.float64)


def _time_axis(ax: Axes, plan: CapacityPlan, *, label: bool = True, max_ticks: int = 12) -> None:
    """Local clock times on the x axis: ticks every 1-6 h (15-min ticks for short horizons)."""
    tz: ZoneInfo = zone(plan.scenario.time_zone)
    edges = _edges(plan)
    span_h = (edges[-1] - edges[0]) / 3600 if edges.size else 1.0
    if span_h <= 3:
        ax.xaxis.set_major_locator(MinuteLocator(byminute=(0, 30), tz=tz))  # type: ignore[no-untyped-call]
    else:
        step = next((s for s in (1, 2, 3, 4, 6, 12) if span_h / s <= max_ticks), 24)
        ax.xaxis.set_major_locator(HourLocator(byhour=range(0, 24, step), tz=tz))  # type: ignore[no-untyped-call]
    multi_day = span_h > 24
    fmt = "%a %H:%M" if multi_day else "%H:%M"
    ax.xaxis.set_major_formatter(DateFormatter(fmt, tz=tz))  # type: ignore[no-untyped-call]
    if edges.size:
        lo, hi = _dates([edges[0], edges[-1]], tz)
        ax.set_xlim(lo, hi)
    if label:
        first = datetime.fromtimestamp(float(edges[0]), tz) if edges.size else None
        day = f", {first:%a %d %b %Y}" if first is not None and not multi_day else ""
        ax.set_xlabel(f"local time ({plan.scenario.time_zone}{day})", fontsize=LABEL_PT)


def _sum(arrays: dict[str, FloatArray] | dict[str, NDArray[np.int64]], n: int) -> FloatArray:
    total = np.zeros(n)
    for values in arrays.values():
        total = total + np.asarray(values, dtype=np.float64)
    return total


def _legend_below(fig: Figure, ax: Axes | Sequence[Axes], ncols: int = 4) -> None:
    axes = [ax] if isinstance(ax, Axes) else list(ax)
    handles, labels = [], []
    for a in axes:
        h, lab = a.get_legend_handles_labels()
        for hh, ll in zip(h, lab, strict=True):
            if ll not in labels and not ll.startswith("_"):
                handles.append(hh)
                labels.append(ll)
    if handles:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(ncols, len(labels)),
            fontsize=LEGEND_PT,
            frameon=False,
        )


def _pct(share: float) -> str:
    return "-" if not math.isfinite(share) else f"{100 * share:.0f} %"


def _runs(plan: CapacityPlan) -> list[tuple[str, Replications, str]]:
    """(label, replications, colour) of the current and recommended rosters."""
    out = [("current roster", plan.current, CURRENT)]
    if plan.recommended is not None:
        out.append(("recommended roster", plan.recommended, RECOMMENDED))
    return out


# -------------------------------------------------------------------------- 4. demand vs staffing
def demand_vs_staffing(plan: CapacityPlan) -> Figure:
    """Offered escalations per interval (bars, left axis) against agents on the queue (right axis):
    required (sum over groups of ``plan.required``), scheduled under the current roster and under
    the recommended shifts. Intervals where the current roster is below the requirement are
    shaded red."""
    sc = plan.scenario
    tz = zone(sc.time_zone)
    n = plan.interval_start_s.size
    edges = _dates(_edges(plan), tz)
    fig = _figure(4.1)
    ax = fig.add_subplot()
    _style(
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
        color=DEMAND,
        edgecolor="white",
        linewidth=0.5,
        label="offered escalations (left axis)",
    )
    ax.set_ylim(0, max(1.0, float(np.max(plan.offered_per_interval, initial=0.0))) * 1.22)
    _time_axis(ax, plan)

    ax2 = ax.twinx()
    ax2.tick_params(labelsize=TICK_PT)
    ax2.set_ylabel("agents on the queue (right axis)", fontsize=LABEL_PT)
    ax2.spines["top"].set_visible(False)
    required = _sum(plan.required, n)
    current = _sum(plan.scheduled_current, n)
    short = current < required - 1e-9
    for k in np.flatnonzero(short).tolist():  # a red strip along the top: readable, never over data
        ax2.axvspan(
            edges[k],
            edges[k + 1],
            ymin=0.94,
            ymax=1.0,
            color=SHORT_STRIP,
            linewidth=0,
            label="current roster short of required (red strip)",
        )
    ax2.stairs(required, edges, color=REQUIRED, linewidth=2.0, label="required agents, all groups")
    ax2.stairs(
        current, edges, color=CURRENT, linewidth=1.8, linestyle="--", label="scheduled, current roster"
    )
    if plan.scheduled_recommended:
        ax2.stairs(
            _sum(plan.scheduled_recommended, n),
            edges,
            color=RECOMMENDED,
            linewidth=1.8,
            label="scheduled, recommended shifts",
        )
    top = max(
        float(np.max(required, initial=0.0)),
        float(np.max(current, initial=0.0)),
        float(np.max(_sum(plan.scheduled_recommended, n), initial=0.0))
        if plan.scheduled_recommended
        else 0.0,
    )
    ax2.set_ylim(0, max(1.0, top) * 1.22)
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    _time_axis(ax2, plan, label=False)
    _legend_below(fig, [ax, ax2], ncols=3)
    return fig


# --------------------------------------------------------------------- 5. handoff-time distribution
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


def handoff_distribution(plan: CapacityPlan) -> Figure:
    """Histogram (share of accepted escalations per 5-s bin) and ECDF of handoff times after
    warm-up, current vs recommended roster, with the service-level threshold marked and the share
    of accepted escalations within it annotated. Times beyond the x range are counted in the last
    bin."""
    threshold = plan.scenario.service_level.threshold_s
    series = [(label, handoff_times(r), colour) for label, r, colour in _runs(plan) if r.records]
    pooled = np.concatenate([h for _, h, _ in series]) if series else np.zeros(0)
    p99 = float(np.quantile(pooled, 0.99)) if pooled.size else threshold
    cap = float(max(2 * threshold, math.ceil(min(p99, 10 * threshold) / 10) * 10))
    bin_s = 5.0 if cap <= 150 else 10.0
    bins = np.arange(0.0, cap + bin_s, bin_s)

    fig = _figure(3.5)
    ax_hist, ax_cdf = fig.subplots(1, 2)
    _style(
        ax_hist,
        "Handoff time: histogram",
        "handoff time (s), created -> accepted",
        f"share of accepted per {bin_s:g}-s bin (%)",
    )
    _style(
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
        notes.append((f"{short}: {_pct(within)} within {threshold:g} s", colour))
    for ax in (ax_hist, ax_cdf):
        ax.axvline(
            threshold,
            color=TARGET,
            linestyle="--",
            linewidth=1.2,
            label=f"{threshold:g}-s service-level threshold",
        )
        ax.set_xlim(0, cap)
    ax_hist.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_cdf.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_cdf.set_ylim(0, 1.02)
    ax_cdf.axhline(
        plan.scenario.service_level.target,
        color=TARGET,
        linestyle=":",
        linewidth=1.0,
        label=f"service-level target {_pct(plan.scenario.service_level.target)}",
    )
    for i, (text, colour) in enumerate(notes):
        ax_cdf.text(
            0.97,
            0.06 + 0.1 * i,
            text,
            transform=ax_cdf.transAxes,
            ha="right",
            va="bottom",
            fontsize=LEGEND_PT,
            color=colour,
            bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": colour, "alpha": 0.9},
        )
    if not series:
        ax_hist.text(0.5, 0.5, "no records kept", ha="center", transform=ax_hist.transAxes, fontsize=LABEL_PT)
    _legend_below(fig, [ax_hist, ax_cdf], ncols=3)
    return fig


# --------------------------------------------------------------- 6. SL, abandonment, occupancy
def interval_performance(plan: CapacityPlan) -> Figure:
    """Service level, abandonment and occupancy per interval (means with 95 % CI bands over the
    replications), current vs recommended roster, with the scenario's target lines."""
    sc = plan.scenario
    target = sc.service_level
    tz = zone(sc.time_zone)
    edges = _dates(_edges(plan), tz)
    mids = (edges[:-1] + edges[1:]) / 2
    panels = (
        (
            "service_level",
            f"Service level: accepted within {target.threshold_s:g} s / offered",
            "service level",
            target.target,
            f"target {_pct(target.target)}",
        ),
        (
            "abandon_rate",
            "Abandonment: abandoned / offered",
            "abandoned",
            target.max_abandon_rate,
            None if target.max_abandon_rate is None else f"cap {_pct(target.max_abandon_rate)}",
        ),
        (
            "occupancy",
            "Occupancy: busy slot time / staffed slot time",
            "occupancy",
            target.max_occupancy,
            None if target.max_occupancy is None else f"cap {_pct(target.max_occupancy)}",
        ),
    )
    fig = _figure(7.4)
    axes = fig.subplots(3, 1, sharex=True)
    for ax, (metric, title, ylabel, goal, goal_label) in zip(axes, panels, strict=True):
        _style(ax, title, None, f"{ylabel} (%)")
        for label, result, colour in _runs(plan):
            mean, low, high = estimate_columns(result.per_interval(metric), share=metric in SHARES)
            ax.fill_between(mids, low, high, color=colour, alpha=0.18, linewidth=0, label=f"95 % CI, {label}")
            marker = "o" if mids.size <= 40 else None  # dots help on a few intervals, clutter on many
            ax.plot(mids, mean, color=colour, linewidth=1.6, marker=marker, markersize=2.5, label=label)
        if goal is not None:
            ax.axhline(goal, color=TARGET, linestyle="--", linewidth=1.2, label="target / cap")
            ax.annotate(
                goal_label or "",
                xy=(1.0, goal),
                xycoords=("axes fraction", "data"),
                xytext=(2, 0),
                textcoords="offset points",
                va="center",
                fontsize=TICK_PT,
                color=TARGET,
            )
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(0, 1.05 if metric != "abandon_rate" else _abandon_top(plan, goal))
        _time_axis(ax, plan, label=ax is axes[-1])
    _legend_below(fig, list(axes), ncols=3)
    return fig


def _abandon_top(plan: CapacityPlan, cap: float | None) -> float:
    highs = [cap or 0.0]
    for _, result, _ in _runs(plan):
        mean, _, high = estimate_columns(result.per_interval("abandon_rate"), share=True)  # NaN-safe
        highs.extend([float(np.nanmax(high, initial=0.0)), float(np.nanmax(mean, initial=0.0))])
    return min(1.05, max(0.1, 1.15 * max(highs)))


# ---------------------------------------------------------------------------- 7. shift coverage
def _shift_on_duty(shift: ChosenShift, edges_s: FloatArray) -> FloatArray:
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


def _schedule_required(plan: CapacityPlan, group: str) -> FloatArray | None:
    """The schedule's requirement for ``group`` (agents on duty: the on-queue requirement grossed
    up for shrinkage) on the plan's interval grid, matched by interval start (the schedule's grid
    may be longer, e.g. include the warm-up); NaN where the schedule has no such interval."""
    sched = plan.schedule
    if sched is None or group not in sched.required:
        return None
    src = np.asarray(sched.interval_starts_s, dtype=np.float64)
    values = np.asarray(sched.required[group], dtype=np.float64)
    out = np.full(plan.interval_start_s.size, np.nan)
    k = np.searchsorted(src, plan.interval_start_s)
    ok = (k < src.size) & (np.abs(src[np.minimum(k, src.size - 1)] - plan.interval_start_s) < 1.0)
    out[ok] = values[k[ok]]
    return out


def shift_coverage(plan: CapacityPlan) -> Figure:
    """Per group, agents on duty stacked by recommended shift (start-end local, template, count)
    against what the schedule had to cover (agents on duty; solid) and, where it differs, the
    agents required on the queue (dotted; before shrinkage). Raise a ValueError when the plan has
    no schedule."""
    if plan.schedule is None:
        raise ValueError("shift_coverage needs a plan with a schedule")
    sc = plan.scenario
    tz = zone(sc.time_zone)
    edges_s = _edges(plan)
    edges = _dates(edges_s, tz)
    groups = list(plan.required)
    ncols = 1 if len(groups) <= 3 else 2
    nrows = math.ceil(len(groups) / ncols)
    fig = _figure(max(2.6, 0.4 + 2.0 * nrows) if ncols == 1 else 0.9 + 1.4 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
    templates = sorted({s.template for s in plan.schedule.shifts})
    palette = ("#4c78a8", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac")
    colour_of = {t: palette[i % len(palette)] for i, t in enumerate(templates)}
    for ax, group in zip(axes, groups, strict=False):
        _style(ax, f"{group}", None, "agents on duty")
        base = np.zeros(edges_s.size - 1)
        shifts = sorted((s for s in plan.schedule.shifts if s.group == group), key=lambda s: s.start_s)
        for s in shifts:
            duty = _shift_on_duty(s, edges_s)
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
        on_duty = _schedule_required(plan, group)
        if on_duty is not None:
            ax.stairs(
                on_duty, edges, color=REQUIRED, linewidth=1.8, label="required on duty (schedule input)"
            )
        if on_duty is None or not np.allclose(on_duty, on_queue, equal_nan=True):
            ax.stairs(
                on_queue, edges, color=REQUIRED, linewidth=1.2, linestyle=":", label="required on the queue"
            )
        top = max(float(np.max(base, initial=0)), float(np.max(on_queue, initial=0)))
        if on_duty is not None:
            top = max(top, float(np.nanmax(on_duty, initial=0)))
        ax.set_ylim(0, max(1.0, top) * 1.2)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        _time_axis(ax, plan, label=False, max_ticks=12 if ncols == 1 else 6)
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
    fig.suptitle(
        "Recommended shifts: agents on duty per group, stacked by shift (labels: local start-end, agents)",
        fontsize=TITLE_PT,
        x=0.01,
        ha="left",
    )
    for ax in axes[max(0, len(groups) - ncols) : len(groups)]:
        ax.set_xlabel(f"local time ({sc.time_zone})", fontsize=LABEL_PT)
        ax.xaxis.set_tick_params(labelbottom=True)
    _legend_below(fig, list(axes), ncols=2)
    return fig


# ------------------------------------------------------------------------- 8. per-segment view
def segment_breakdown(plan: CapacityPlan) -> Figure:
    """Service level, ASA and abandonment per demand segment (horizontal bars with 95 % CIs),
    current vs recommended roster: who waits longest, which skill is the bottleneck."""
    runs = _runs(plan)
    segments = list(plan.current.runs[0].segments)
    panels = (
        (
            "service_level",
            f"Service level ({plan.scenario.service_level.threshold_s:g} s)",
            "%",
            plan.scenario.service_level.target,
        ),
        ("asa_s", "ASA: mean handoff time", "s", None),
        ("abandon_rate", "Abandonment", "%", plan.scenario.service_level.max_abandon_rate),
    )
    fig = _figure(max(2.6, 1.4 + 0.3 * len(segments) * len(runs)))
    axes = fig.subplots(1, 3, sharey=True)
    y = np.arange(len(segments), dtype=np.float64)
    height = 0.8 / len(runs)
    for ax, (metric, title, unit, goal) in zip(axes, panels, strict=True):
        _style(ax, title, "seconds" if unit == "s" else "share of offered (%)", None)
        ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
        ax.grid(False, axis="y")
        for j, (label, result, colour) in enumerate(runs):
            est = [result.segment(s, metric) for s in segments]
            means = np.array([e.mean for e in est])
            lo = np.array([e.mean - e.ci95[0] if e.ci95 else 0.0 for e in est])
            hi = np.array([e.ci95[1] - e.mean if e.ci95 else 0.0 for e in est])
            pos = y - 0.4 + height * (j + 0.5)
            ax.barh(
                pos,
                np.nan_to_num(means),
                height=height * 0.9,
                color=colour,
                label=label,
                xerr=np.nan_to_num(np.vstack([lo, hi])),
                error_kw={"elinewidth": 0.8, "capsize": 2},
            )
        if goal is not None:
            ax.axvline(goal, color=TARGET, linestyle="--", linewidth=1.2, label="target / cap")
        if unit == "%":
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.set_xlim(0, 1.0 if metric == "service_level" else None)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    axes[0].set_yticks(y, segments)
    axes[0].set_ylabel("demand segment", fontsize=LABEL_PT)
    axes[0].invert_yaxis()
    fig.suptitle(
        "Per-segment results (bars: mean over replications; whiskers: 95 % CI)",
        fontsize=TITLE_PT,
        x=0.01,
        ha="left",
    )
    _legend_below(fig, list(axes), ncols=3)
    return fig


# ------------------------------------------------------------------------------ 9. comparison
#: (metric, label, unit) of the comparison chart and the KPI table.
KEY_METRICS = (
    ("service_level", "service level", "%"),
    ("asa_s", "ASA", "s"),
    ("p95_handoff_s", "p95 handoff time", "s"),
    ("abandon_rate", "abandonment", "%"),
    ("occupancy", "occupancy", "%"),
    ("offered", "offered", "escalations"),
)


def compared_runs(plan: CapacityPlan) -> list[tuple[str, Replications, str]]:
    """The rosters compared in section 9: current, recommended, and ``plan.compare`` if present."""
    runs = _runs(plan)
    if plan.compare is not None:
        runs.append((f"compared: {plan.compare.scenario.name}", plan.compare, COMPARE))
    return runs


def comparison(plan: CapacityPlan) -> Figure:
    """Key metrics side by side (bars with 95 % CIs) for the current roster, the recommended one
    and the compared scenario (when given), with each bar's change against the current roster."""
    runs = compared_runs(plan)
    fig = _figure(4.9)
    axes = fig.subplots(2, 3).ravel()
    x = np.arange(len(runs))
    for ax, (metric, label, unit) in zip(axes, KEY_METRICS, strict=True):
        ylabel = {"%": "%", "s": "seconds", "escalations": "escalations"}[unit]
        _style(ax, label, None, ylabel)
        est = [r.overall(metric) for _, r, _ in runs]
        means = np.array([e.mean for e in est], dtype=np.float64)
        lo = np.array([e.mean - e.ci95[0] if e.ci95 else 0.0 for e in est])
        hi = np.array([e.ci95[1] - e.mean if e.ci95 else 0.0 for e in est])
        ax.bar(
            x,
            np.nan_to_num(means),
            color=[c for _, _, c in runs],
            width=0.65,
            yerr=np.nan_to_num(np.vstack([lo, hi])),
            error_kw={"elinewidth": 0.8, "capsize": 3},
        )
        scale = 100.0 if unit == "%" else 1.0
        if unit == "%":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        top = float(np.nanmax(means + hi, initial=0.0)) if np.any(np.isfinite(means)) else 1.0
        ax.set_ylim(0, max(top, 1e-9 if unit != "%" else 0.01) * 1.4)
        if unit == "%":  # no tick above 100 %: the headroom is for the labels
            ax.set_yticks([t for t in (0, 0.25, 0.5, 0.75, 1.0) if t <= ax.get_ylim()[1]])
        base = means[0]
        for i in range(len(runs)):
            if not math.isfinite(means[i]):
                continue
            text = _fmt(means[i] * scale, unit)
            if i > 0 and math.isfinite(base):
                delta = (means[i] - base) * scale
                text += f"\n{'+' if delta >= 0 else ''}{_fmt(delta, unit, delta=True)}"
            ax.text(x[i], means[i] + hi[i], text, ha="center", va="bottom", fontsize=7.5)
        ax.set_xticks([])
        ax.set_xlim(-0.6, len(runs) - 0.4)
        if unit != "%":
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        for i, (lab, _, colour) in enumerate(runs):
            ax.bar([i], [0], color=colour, label=lab)  # legend entries only
    _legend_below(fig, list(axes), ncols=3)
    fig.suptitle(
        "Key metrics side by side (whiskers: 95 % CI; second line: change vs the current roster)",
        fontsize=TITLE_PT,
        x=0.01,
        ha="left",
    )
    return fig


def _fmt(value: float, unit: str, *, delta: bool = False) -> str:
    if unit == "%":
        return f"{value:.1f} pp" if delta else f"{value:.1f} %"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:,.0f}"
