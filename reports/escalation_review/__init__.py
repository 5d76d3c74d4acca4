"""The weekly escalation review: one self-contained HTML file, plus its charts, tables and JSON.

:func:`write_review_report` writes into ``out_dir``::

    report.html             charts embedded as base64 PNG, no external resource, prints on A4
    review.json             the review for machines (:func:`routing.analytics.review_summary`)
    charts/NAME.png|.svg    every chart (:data:`reports.escalation_review.charts.CHARTS`)
    tables/NAME.csv         every table (:mod:`reports.escalation_review.tables`)

The figures are :func:`routing.analytics.weekly_review`'s; this package only draws and words
them (:mod:`~reports.escalation_review.page` for the sections).
"""

from __future__ import annotations

from reports.escalation_review.charts import CHARTS
from reports.escalation_review.page import SECTIONS
from reports.escalation_review.report import write_review_report
from reports.escalation_review.tables import TABLE_NAMES

__all__ = ["CHARTS", "SECTIONS", "TABLE_NAMES", "write_review_report"]
