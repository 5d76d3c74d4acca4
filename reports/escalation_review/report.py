"""Writing the escalation review's files: charts, tables, ``review.json`` and ``report.html``."""

from __future__ import annotations

import json
from pathlib import Path

from reports.escalation_review.charts import render_charts
from reports.escalation_review.page import render_page
from reports.escalation_review.tables import build_tables
from reports.report_files import save_charts, write_tables
from routing.analytics import Review, review_summary

__all__ = ["write_review_report"]


def write_review_report(review: Review, out_dir: Path, source: str) -> dict[str, Path]:
    """Write the review into ``out_dir`` (created if missing); ``source`` names the history in
    the page's header. Returns every file written, keyed by its path relative to ``out_dir``
    (``"report.html"``, ``"review.json"``, ``"charts/when_heatmap.png"``, ``"tables/weekly.csv"``).
    Raise OSError if ``out_dir`` cannot be written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs, written = save_charts(render_charts(review), out_dir)
    written.update(write_tables(build_tables(review), out_dir))
    written["review.json"] = out_dir / "review.json"
    summary = {"source": source, **review_summary(review)}
    written["review.json"].write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    written["report.html"] = out_dir / "report.html"
    written["report.html"].write_text(render_page(review, pngs, source), encoding="utf-8")
    return written
