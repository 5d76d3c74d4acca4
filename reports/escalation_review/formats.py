"""Review figures as text: for people (``83.2 %``, ``+2.5 pp``, ``4.12``) and for CSV cells.

Counts, shares and seconds are written exactly as the capacity report writes them
(:class:`simulator.metric_catalogue.Metric`); the review's one extra unit, ``score`` (CSAT on
1-5), shows two decimals. A figure that does not exist is :data:`MISSING` for people and an
empty cell in CSV.
"""

from __future__ import annotations

from routing.analytics import ReviewMetric
from simulator.metric_catalogue import MISSING, Metric, cell

__all__ = ["MISSING", "change_text", "measure_cell", "value_text"]


def _as_metric(m: ReviewMetric) -> Metric:
    return Metric(m.name, m.label, "count" if m.unit == "score" else m.unit)


def value_text(m: ReviewMetric, value: float | None) -> str:
    """``value`` of metric ``m`` for people; :data:`MISSING` when None."""
    if value is None:
        return MISSING
    if m.unit == "score":
        return f"{value:.2f}"
    return _as_metric(m).text(value)


def change_text(m: ReviewMetric, delta: float | None) -> str:
    """A week-over-week change of ``m`` for people (``+2.5 pp``, ``−3.0 s``); :data:`MISSING`
    when None."""
    if delta is None:
        return MISSING
    if m.unit == "score":
        sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
        return f"{sign}{abs(delta):.2f}"
    return _as_metric(m).delta_text(delta)


def measure_cell(m: ReviewMetric, value: float | None) -> str:
    """``value`` for a CSV cell: 4 decimals for shares, 2 otherwise; empty when None."""
    return cell(value, 4 if m.unit == "share" else 2)
