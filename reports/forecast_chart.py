"""The forecast chart: per series, the recent history, the forecast mean, its interval and the
quantile the scenario staffs for (``forecast.png`` of ``handoff forecast``)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Final

import numpy as np
from matplotlib.dates import DateFormatter
from numpy.typing import NDArray

import reports.charts.style as style
from reports.charts.time_axis import date_numbers
from simulator.forecast.method import DAY_INTERVALS, INTERVAL_S
from simulator.forecast.run import ForecastResult

__all__ = ["HISTORY_DAYS_SHOWN", "write_forecast_chart"]

FloatArray = NDArray[np.float64]

#: Days of history drawn before the forecast.
HISTORY_DAYS_SHOWN: Final = 14


def _dates(start_s: float, n: int) -> FloatArray:
    return date_numbers(start_s + INTERVAL_S * np.arange(n, dtype=np.float64), UTC)


def write_forecast_chart(result: ForecastResult, path: Path) -> Path:
    """Draw the chart (one panel per series, times in UTC) and save it as PNG at ``path``."""
    n_series = len(result.series)
    fig = style.figure(1.0 + 2.1 * n_series)
    level = round(result.options.level * 100)
    q = result.options.quantile
    axes_list = fig.subplots(n_series, 1, squeeze=False)[:, 0]
    for ax, s in zip(axes_list, result.series, strict=True):
        shown = min(s.series.counts.size, HISTORY_DAYS_SHOWN * DAY_INTERVALS)
        past = s.series.counts[-shown:]
        past_x = _dates(s.series.end_s - shown * INTERVAL_S, shown)
        future_x = _dates(result.start_s, result.intervals)
        bt = s.backtest
        style.axes(
            ax,
            f"{s.series.name} ({s.series.channel.value}) -- backtest WAPE of hourly volume "
            f"{100 * bt.wape_of_totals(4):.0f} % vs seasonal naive "
            f"{100 * bt.wape_of_totals(4, baseline=True):.0f} %",
            None,
            "escalations per 15 min",
        )
        ax.plot(past_x, past, color=style.COMPARE, linewidth=0.6, label="history")
        ax.fill_between(
            future_x,
            s.lower,
            s.upper,
            color=style.DEMAND,
            step="post",
            linewidth=0,
            label=f"{level} % interval",
        )
        ax.plot(future_x, s.mean, color=style.RECOMMENDED, linewidth=0.9, label="forecast mean")
        ax.plot(future_x, s.bound, color=style.CURRENT, linewidth=0.8, label=f"quantile {q:g} (staffed for)")
        ax.axvline(future_x[0], color=style.REQUIRED, linewidth=0.6, linestyle=":")
        ax.xaxis.set_major_formatter(DateFormatter("%a %d %b", tz=UTC))  # type: ignore[no-untyped-call]
        ax.tick_params(labelsize=style.TICK_PT)
        ax.set_ylim(bottom=0)
    axes_list[0].legend(fontsize=style.LEGEND_PT, loc="upper left", ncols=4, frameon=False)
    axes_list[-1].set_xlabel("UTC", fontsize=style.LABEL_PT)
    fig.savefig(path, format="png")
    return path
