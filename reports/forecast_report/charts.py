"""The forecast report's charts, in the look of the capacity report (:mod:`reports.charts.style`).

- ``forecast``: per series, the recent history, the forecast mean, its interval and the quantile
  the scenario staffs for;
- ``backtest``: per series, the hourly volume of every backtest window as it happened, beside what
  the method and weekly seasonal naive had forecast for it.

:data:`CHARTS` lists (file name, caption) in report order; :func:`render_charts` draws them all.
Times are UTC, as in the history's intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from numpy.typing import NDArray

import reports.charts.style as style
from reports.charts.time_axis import date_numbers
from simulator.forecast.method import DAY_INTERVALS, INTERVAL_S
from simulator.forecast.run import ForecastResult

__all__ = ["CHARTS", "HISTORY_DAYS_SHOWN", "backtest_chart", "forecast_chart", "render_charts"]

FloatArray = NDArray[np.float64]

#: Days of history drawn before the forecast.
HISTORY_DAYS_SHOWN: Final = 14
#: 15-minute intervals per hour: the backtest chart draws hourly totals.
_HOUR: Final = 4

CHARTS: Final = (
    ("forecast", "Recent history, the forecast mean, its interval and the quantile the scenario staffs for"),
    ("backtest", "Backtest: each window's hourly volume as it happened, the forecast and seasonal naive"),
)


def _dates(start_s: float, n: int, step_s: float = INTERVAL_S) -> FloatArray:
    return date_numbers(start_s + step_s * np.arange(n, dtype=np.float64), UTC)


def _date_axis(ax: Axes) -> None:
    ax.xaxis.set_major_formatter(DateFormatter("%a %d %b", tz=UTC))  # type: ignore[no-untyped-call]
    ax.tick_params(labelsize=style.TICK_PT)
    ax.set_ylim(bottom=0)


def forecast_chart(result: ForecastResult) -> Figure:
    """One panel per series: the last :data:`HISTORY_DAYS_SHOWN` days, then the forecast."""
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
            f"{100 * bt.wape_of_totals(_HOUR):.0f} % vs seasonal naive "
            f"{100 * bt.wape_of_totals(_HOUR, baseline=True):.0f} %",
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
        _date_axis(ax)
    axes_list[0].legend(fontsize=style.LEGEND_PT, loc="upper left", ncols=4, frameon=False)
    axes_list[-1].set_xlabel("UTC", fontsize=style.LABEL_PT)
    return fig


def backtest_chart(result: ForecastResult) -> Figure:
    """One panel per series: every backtest window's hourly totals (actual, forecast, seasonal
    naive) on the time axis of the history, windows separated by dotted lines."""
    n_series = len(result.series)
    fig = style.figure(1.0 + 2.1 * n_series)
    axes_list = fig.subplots(n_series, 1, squeeze=False)[:, 0]
    for ax, s in zip(axes_list, result.series, strict=True):
        bt = s.backtest
        style.axes(
            ax,
            f"{s.series.name}: {len(bt.windows)} window(s) -- WAPE of hourly volume "
            f"{100 * bt.wape_of_totals(_HOUR):.0f} % vs seasonal naive "
            f"{100 * bt.wape_of_totals(_HOUR, baseline=True):.0f} %",
            None,
            "escalations per hour",
        )
        for j, w in enumerate(bt.windows):
            hours = w.actual.size // _HOUR
            x = _dates(s.series.start_s + w.origin * INTERVAL_S, hours, _HOUR * INTERVAL_S)
            first = j == 0
            ax.plot(
                x,
                w.actual.reshape(hours, _HOUR).sum(axis=1),
                color=style.REQUIRED,
                linewidth=0.7,
                label="actual" if first else None,
            )
            ax.plot(
                x,
                w.forecast.reshape(hours, _HOUR).sum(axis=1),
                color=style.RECOMMENDED,
                linewidth=0.9,
                label="forecast" if first else None,
            )
            ax.plot(
                x,
                w.baseline.reshape(hours, _HOUR).sum(axis=1),
                color=style.COMPARE,
                linewidth=0.7,
                linestyle="--",
                label="seasonal naive (a week before)" if first else None,
            )
            ax.axvline(x[0], color=style.REQUIRED, linewidth=0.5, linestyle=":")
        _date_axis(ax)
    axes_list[0].legend(fontsize=style.LEGEND_PT, loc="upper left", ncols=3, frameon=False)
    axes_list[-1].set_xlabel("UTC", fontsize=style.LABEL_PT)
    return fig


_MAKERS: Final[dict[str, Callable[[ForecastResult], Figure]]] = {
    "forecast": forecast_chart,
    "backtest": backtest_chart,
}


def render_charts(result: ForecastResult) -> dict[str, Figure]:
    """Every chart of the forecast report, keyed by file name in report order."""
    return {name: _MAKERS[name](result) for name, _ in CHARTS}
