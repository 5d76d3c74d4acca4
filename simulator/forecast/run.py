"""From a history log to a forecast of every series: point forecast, intervals, backtest.

:func:`forecast_history` is the job behind ``handoff forecast``: split the log into series
(:mod:`~simulator.forecast.series`), backtest the method on each (:mod:`~simulator.forecast.backtest`),
fit it on the whole history, and bound the forecast with the backtest's calibrated errors
(:mod:`~simulator.forecast.intervals`). The forecast starts at 00:00 UTC after the history's last day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing.history.record import HistoryRecord
from simulator.forecast.backtest import Backtest, backtest
from simulator.forecast.method import DAY_INTERVALS, WEEK_INTERVALS, ForecastMethod
from simulator.forecast.profile import segment_profile
from simulator.forecast.series import VolumeSeries, volume_series

__all__ = ["ForecastOptions", "ForecastResult", "SeriesForecast", "forecast_history"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ForecastOptions:
    """``days`` ahead (1-31, a scenario's longest horizon); the ``quantile`` the scenario staffs
    for; the central ``level`` of the reported interval; at most ``windows`` backtest origins."""

    days: int = 7
    quantile: float = 0.9
    level: float = 0.8
    windows: int = 3
    group_by: str = "segment"
    method: ForecastMethod = field(default_factory=ForecastMethod)

    def __post_init__(self) -> None:
        if not 1 <= self.days <= 31:
            raise ValueError(f"days(={self.days}) must be 1-31")
        if not 0 < self.quantile < 1:
            raise ValueError(f"quantile(={self.quantile}) must be between 0 and 1")
        if not 0 < self.level < 1:
            raise ValueError(f"level(={self.level}) must be between 0 and 1")
        if self.windows < 1:
            raise ValueError(f"windows(={self.windows}) must be >= 1")


@dataclass(frozen=True, slots=True, eq=False)
class SeriesForecast:
    """One series' forecast from ``start_s``: the mean, the central interval and the quantile
    bound of the counts, the quantile of the rate (``rate_bound``: what the scenario staffs for),
    its backtest and the demand-segment fields read from its history."""

    series: VolumeSeries
    mean: FloatArray
    lower: FloatArray
    upper: FloatArray
    bound: FloatArray
    rate_bound: FloatArray
    backtest: Backtest
    profile: dict[str, Any]


@dataclass(frozen=True, slots=True, eq=False)
class ForecastResult:
    """Every series' forecast, starting at ``start_s`` (00:00 UTC after the history's last day)
    for ``options.days`` days of 15-minute intervals."""

    options: ForecastOptions
    start_s: float
    series: tuple[SeriesForecast, ...]

    @property
    def intervals(self) -> int:
        return self.options.days * DAY_INTERVALS


def forecast_history(
    records: Sequence[HistoryRecord],
    options: ForecastOptions,
    progress: Callable[[str, int, int], None] | None = None,
) -> ForecastResult:
    """Forecast every series of ``records`` (see the module docstring).

    Backtest windows have the forecast's horizon; as many as the history allows, up to
    ``options.windows``. Raise a ValueError if the history is too short for even one window
    (:attr:`ForecastMethod.min_history` intervals of past before it), or a series has no handle
    times; :class:`~simulator.forecast.method.ForecastUnavailable` without statsforecast.
    """
    all_series = volume_series(records, options.group_by)
    h = options.days * DAY_INTERVALS
    method = options.method
    need = max(method.min_history, WEEK_INTERVALS)
    n = all_series[0].counts.size
    windows = min(options.windows, (n - need) // h)
    if windows < 1:
        raise ValueError(
            f"the history covers {n // DAY_INTERVALS} day(s); a {options.days}-day forecast and its backtest "
            f"need at least {(need + h) // DAY_INTERVALS} (two weeks of past before one "
            f"{options.days}-day window)"
        )
    out = []
    for j, series in enumerate(all_series):
        if progress is not None:
            progress(f"forecasting {series.name}", j, len(all_series))
        profile = segment_profile(series, records)
        tested = backtest(series.counts, h, windows, method)
        mean = method.forecast(series.counts, h)
        calibration = tested.calibration
        lower, upper = calibration.interval(mean, options.level)
        out.append(
            SeriesForecast(
                series,
                mean,
                lower,
                upper,
                calibration.bound(mean, options.quantile),
                calibration.rate_bound(mean, options.quantile),
                tested,
                profile,
            )
        )
    if progress is not None:
        progress("forecast done", len(all_series), len(all_series))
    return ForecastResult(options, all_series[0].end_s, tuple(out))
