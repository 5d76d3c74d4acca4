"""Forecast: interval escalation volume from the service's history, and a scenario to plan on it.

Between the run stage and planning (define -> run -> plan): it reads the history log
(:mod:`routing.history`) and writes scenario files (:mod:`simulator.scenario`); nothing in the
scenario or run stage imports it. One concept per module:

* :mod:`~simulator.forecast.series`: the log as counts per 15 minutes per series;
* :mod:`~simulator.forecast.method`: the statsforecast model (MSTL + AutoETS) and the baseline;
* :mod:`~simulator.forecast.backtest`: rolling-origin WAPE beside weekly seasonal naive;
* :mod:`~simulator.forecast.intervals`: conformal prediction intervals from the backtest's errors;
* :mod:`~simulator.forecast.profile`: segment fields and an observed roster from the log;
* :mod:`~simulator.forecast.run`: :func:`forecast_history`, the whole job;
* :mod:`~simulator.forecast.writing`: the forecast CSV, the scenario and the backtest tables.

statsforecast is the ``forecast`` extra (``pip install 'handoff[forecast]'``); it loads only when
a forecast is made.
"""

from simulator.forecast.backtest import Backtest, BacktestWindow, backtest, wape
from simulator.forecast.intervals import Calibration
from simulator.forecast.method import ForecastMethod, ForecastUnavailable, seasonal_naive
from simulator.forecast.run import ForecastOptions, ForecastResult, SeriesForecast, forecast_history
from simulator.forecast.series import VolumeSeries, volume_series
from simulator.forecast.writing import backtest_summary, forecast_scenario, write_forecast

__all__ = [
    "Backtest",
    "BacktestWindow",
    "Calibration",
    "ForecastMethod",
    "ForecastOptions",
    "ForecastResult",
    "ForecastUnavailable",
    "SeriesForecast",
    "VolumeSeries",
    "backtest",
    "backtest_summary",
    "forecast_history",
    "forecast_scenario",
    "seasonal_naive",
    "volume_series",
    "wape",
    "write_forecast",
]
