"""The forecast report of ``handoff forecast``: one self-contained HTML page and its charts.

:func:`write_forecast_report` writes into the forecast's folder::

    report.html             charts embedded as base64 PNG, no external resource, prints on A4
    charts/NAME.png|.svg    every chart (:data:`reports.forecast_report.charts.CHARTS`)

The figures are :func:`simulator.forecast.forecast_history`'s; this package only draws and words
them (:mod:`~reports.forecast_report.page` for the sections and the trust verdict).
"""

from __future__ import annotations

from reports.forecast_report.charts import CHARTS
from reports.forecast_report.page import SECTIONS, series_verdict
from reports.forecast_report.report import write_forecast_report

__all__ = ["CHARTS", "SECTIONS", "series_verdict", "write_forecast_report"]
