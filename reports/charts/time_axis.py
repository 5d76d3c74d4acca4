"""Interval time on the x axis: the plan's interval edges as matplotlib dates, local clock ticks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter, HourLocator, MinuteLocator, date2num
from numpy.typing import NDArray

import reports.charts.style as style
from routing.shifts import zone
from simulator.planning.result import CapacityPlan

__all__ = ["date_numbers", "interval_edges", "time_axis"]

FloatArray = NDArray[np.float64]


def interval_edges(plan: CapacityPlan) -> FloatArray:
    """Interval edges (epoch seconds): starts plus the end of the last interval."""
    starts = np.asarray(plan.interval_start_s, dtype=np.float64)
    return np.append(starts, starts[-1] + plan.scenario.interval_s) if starts.size else starts


def date_numbers(epoch_s: Sequence[float] | FloatArray, tz: tzinfo) -> FloatArray:
    """Matplotlib date numbers of epoch seconds (aware datetimes, so the instant is exact)."""
    days = date2num([datetime.fromtimestamp(float(t), tz) for t in epoch_s])  # type: ignore[no-untyped-call]
    return np.asarray(days, dtype=np.float64)


def time_axis(ax: Axes, plan: CapacityPlan, *, label: bool = True, max_ticks: int = 12) -> None:
    """Local clock times on the x axis: ticks every 1-6 h (30-min ticks for short horizons)."""
    tz: ZoneInfo = zone(plan.scenario.time_zone)
    edges = interval_edges(plan)
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
        lo, hi = date_numbers([edges[0], edges[-1]], tz)
        ax.set_xlim(lo, hi)
    if label:
        first = datetime.fromtimestamp(float(edges[0]), tz) if edges.size else None
        day = f", {first:%a %d %b %Y}" if first is not None and not multi_day else ""
        ax.set_xlabel(f"local time ({plan.scenario.time_zone}{day})", fontsize=style.LABEL_PT)
