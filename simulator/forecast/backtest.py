"""Rolling-origin backtest: how far off the forecast would have been, beside seasonal naive.

Origins step back from the end of the history by the forecast horizon ``h``: window 1 forecasts
the last ``h`` intervals from everything before them, window 2 the ``h`` before those, and so on
(the newest window is listed last). Each window fits the method on its own past only, then both
the method and the weekly seasonal-naive baseline are scored by **WAPE** = sum |actual - forecast|
/ sum actual over the window (the share of the volume the forecast misplaces; undefined for a
window without volume). The overall WAPE pools every window's errors the same way. At 15 minutes
a desk's counts are small and mostly noise, so the WAPE of hourly and of daily totals
(:meth:`Backtest.wape_of_totals`) is reported too: what a planner staffing by the hour sees.

The windows' scaled errors are also the calibration of the prediction intervals
(:mod:`simulator.forecast.intervals`). Their ``coverage`` is measured out of sample: each window's
interval is calibrated on the *other* windows' errors only, then checked against its actuals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulator.forecast.intervals import Calibration, scaled_scores
from simulator.forecast.method import WEEK_INTERVALS, ForecastMethod, seasonal_naive

__all__ = ["Backtest", "BacktestWindow", "backtest", "wape"]

FloatArray = NDArray[np.float64]


def wape(actual: FloatArray, forecast: FloatArray) -> float:
    """sum |actual - forecast| / sum actual; NaN when the actuals sum to 0."""
    total = float(np.sum(actual))
    return float(np.sum(np.abs(actual - forecast))) / total if total > 0 else math.nan


@dataclass(frozen=True, slots=True, eq=False)
class BacktestWindow:
    """One origin: intervals ``[origin, origin + h)`` of the series, forecast from before them."""

    origin: int
    actual: FloatArray
    forecast: FloatArray
    baseline: FloatArray

    @property
    def wape(self) -> float:
        return wape(self.actual, self.forecast)

    @property
    def baseline_wape(self) -> float:
        return wape(self.actual, self.baseline)


@dataclass(frozen=True, slots=True, eq=False)
class Backtest:
    """The windows of one series (oldest first) and what they say together."""

    windows: tuple[BacktestWindow, ...]

    @property
    def wape(self) -> float:
        return wape(
            np.concatenate([w.actual for w in self.windows]),
            np.concatenate([w.forecast for w in self.windows]),
        )

    @property
    def baseline_wape(self) -> float:
        return wape(
            np.concatenate([w.actual for w in self.windows]),
            np.concatenate([w.baseline for w in self.windows]),
        )

    def wape_of_totals(self, intervals: int, *, baseline: bool = False) -> float:
        """WAPE of the sums over consecutive blocks of ``intervals`` (4: hours, 96: days) of each
        window, pooled; of seasonal naive with ``baseline``. Raise a ValueError unless
        ``intervals`` divides the horizon."""
        h = self.windows[0].actual.size
        if intervals < 1 or h % intervals:
            raise ValueError(f"intervals(={intervals}) must divide the horizon of {h} intervals")
        actual = np.concatenate([w.actual.reshape(-1, intervals).sum(axis=1) for w in self.windows])
        forecast = np.concatenate(
            [
                (w.baseline if baseline else w.forecast).reshape(-1, intervals).sum(axis=1)
                for w in self.windows
            ]
        )
        return wape(actual, forecast)

    @property
    def calibration(self) -> Calibration:
        return Calibration(np.concatenate([scaled_scores(w.actual, w.forecast) for w in self.windows]))

    def coverage(self, level: float) -> float:
        """Share of actuals inside the central ``level`` interval, each window calibrated on the
        others (NaN with a single window)."""
        if len(self.windows) < 2:
            return math.nan
        inside = 0
        total = 0
        for j, w in enumerate(self.windows):
            others = [scaled_scores(o.actual, o.forecast) for i, o in enumerate(self.windows) if i != j]
            lo, hi = Calibration(np.concatenate(others)).interval(w.forecast, level)
            inside += int(np.count_nonzero((w.actual >= lo) & (w.actual <= hi)))
            total += w.actual.size
        return inside / total

    def upper_coverage(self, q: float) -> float:
        """Share of actuals at or below the ``q`` bound, calibrated as in :meth:`coverage`."""
        if len(self.windows) < 2:
            return math.nan
        below = 0
        total = 0
        for j, w in enumerate(self.windows):
            others = [scaled_scores(o.actual, o.forecast) for i, o in enumerate(self.windows) if i != j]
            bound = Calibration(np.concatenate(others)).bound(w.forecast, q)
            below += int(np.count_nonzero(w.actual <= bound))
            total += w.actual.size
        return below / total


def backtest(y: FloatArray, h: int, windows: int, method: ForecastMethod) -> Backtest:
    """``windows`` rolling origins of horizon ``h`` over ``y`` (see the module docstring).

    Raise a ValueError if ``h`` or ``windows`` is below 1, or the history is too short: the
    oldest window's past must hold :attr:`ForecastMethod.min_history` intervals (and a week for
    the baseline).
    """
    if h < 1:
        raise ValueError(f"h(={h}) must be >= 1")
    if windows < 1:
        raise ValueError(f"windows(={windows}) must be >= 1")
    first_origin = y.size - windows * h
    need = max(method.min_history, WEEK_INTERVALS)
    if first_origin < need:
        raise ValueError(
            f"a backtest of {windows} window(s) of {h} intervals needs {need + windows * h} intervals "
            f"of history ({(need + windows * h) / 96:g} days), got {y.size} ({y.size / 96:g} days); "
            "use fewer windows or a shorter horizon"
        )
    out = []
    for origin in range(first_origin, y.size, h):
        past = y[:origin]
        out.append(
            BacktestWindow(
                origin=origin,
                actual=y[origin : origin + h].copy(),
                forecast=method.forecast(past, h),
                baseline=seasonal_naive(past, h),
            )
        )
    return Backtest(tuple(out))
