"""Writing the forecast report: its charts and ``report.html`` beside the forecast's files."""

from __future__ import annotations

from pathlib import Path

from reports.forecast_report.charts import render_charts
from reports.forecast_report.page import render_page
from reports.report_files import save_charts
from simulator.forecast.run import ForecastResult

__all__ = ["write_forecast_report"]


def write_forecast_report(result: ForecastResult, out_dir: Path, source: str) -> dict[str, Path]:
    """Write ``report.html`` and ``charts/NAME.png|.svg`` into ``out_dir`` (created if missing);
    ``source`` names the history in the page's header. Returns the files written, keyed by their
    path relative to ``out_dir``. Raise OSError if ``out_dir`` cannot be written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs, written = save_charts(render_charts(result), out_dir)
    written["report.html"] = out_dir / "report.html"
    written["report.html"].write_text(render_page(result, pngs, source), encoding="utf-8")
    return written
