"""The escalation review's tables, built once from a :class:`~routing.analytics.Review`, written as
CSV and shown in the HTML.

Numbers are machine cells (:func:`reports.escalation_review.formats.measure_cell`: ``.``
decimals, 4 for shares, 2 otherwise; an empty cell for a figure that does not exist -- why it does
not is in ``review.json``). Weeks are named by the local date of their Monday.

* ``weekly.csv`` -- week_start, iso_week, partial (1/0), then every catalogue metric and its
  ``<metric>_change`` against the week before; one row per week, then ``all`` for the period;
* ``groups.csv`` -- dimension, group, week_start (``all`` for the period), then every metric and
  ``<metric>_change``; one row per dimension, group and week;
* ``triggers.csv`` -- trigger, escalations, then ``ai_could_have_handled_rate`` with ``judged``,
  ``low_csat_rate`` with ``rated``, ``csat_mean``, and each trigger's rank both ways (1 = most);
* ``heatmap.csv`` -- weekday (0 = Monday), hour, escalations, decided, within_threshold,
  service_level; one row per hour of the week.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from reports.escalation_review.formats import measure_cell
from reports.report_tables import Table
from routing.analytics import CATALOGUE, METRIC_NAMES, Measure, Review
from simulator.metric_catalogue import cell

__all__ = ["TABLE_NAMES", "build_tables"]

#: Table names, in the order written.
TABLE_NAMES: Final = ("weekly", "groups", "triggers", "heatmap")


def _metric_cells(measures: Mapping[str, Measure], before: Mapping[str, Measure] | None) -> tuple[str, ...]:
    cells: list[str] = []
    for name in METRIC_NAMES:
        m = CATALOGUE[name]
        now = measures[name].value
        cells.append(measure_cell(m, now))
        prev = None if before is None else before[name].value
        cells.append(measure_cell(m, None if now is None or prev is None else now - prev))
    return tuple(cells)


def _metric_header() -> tuple[str, ...]:
    return tuple(col for name in METRIC_NAMES for col in (name, f"{name}_change"))


def _week_rows(
    review: Review,
    prefix: tuple[str, ...],
    weekly: Sequence[Mapping[str, Measure]],
    total: Mapping[str, Measure],
) -> list[tuple[str, ...]]:
    rows = []
    for i, week in enumerate(review.weeks):
        before = weekly[i - 1] if i > 0 else None
        rows.append((*prefix, week.label, *_metric_cells(weekly[i], before)))
    rows.append((*prefix, "all", *_metric_cells(total, None)))
    return rows


def build_tables(review: Review) -> dict[str, Table]:
    """Every table of the review, by name (:data:`TABLE_NAMES`)."""
    weekly_rows = []
    for i, week in enumerate(review.weeks):
        before = review.weekly[i - 1] if i > 0 else None
        weekly_rows.append(
            (
                week.label,
                week.iso_week,
                "1" if week.partial else "0",
                *_metric_cells(review.weekly[i], before),
            )
        )
    weekly_rows.append(("all", "", "", *_metric_cells(review.total, None)))

    group_rows = []
    for dimension, groups in review.groups.items():
        for g in groups:
            group_rows += _week_rows(review, (dimension, g.group), g.weekly, g.total)

    early_rank = {t.trigger: i + 1 for i, t in enumerate(review.too_early)}
    late_rank = {t.trigger: i + 1 for i, t in enumerate(review.too_late)}
    rate, score = CATALOGUE["ai_could_have_handled_rate"], CATALOGUE["csat_mean"]
    trigger_rows = [
        (
            t.trigger,
            str(t.escalations),
            measure_cell(rate, t.ai_could_have_handled_rate.value),
            str(t.ai_could_have_handled_rate.n),
            measure_cell(rate, t.low_csat_rate.value),
            str(t.low_csat_rate.n),
            measure_cell(score, t.csat_mean.value),
            str(early_rank[t.trigger]),
            str(late_rank[t.trigger]),
        )
        for t in review.too_early
    ]
    h = review.heatmap
    sl = h.service_level
    heat_rows = [
        (
            str(d),
            str(hour),
            str(int(h.escalations[d, hour])),
            str(int(h.decided[d, hour])),
            str(int(h.within[d, hour])),
            cell(float(sl[d, hour]), 4),
        )
        for d in range(7)
        for hour in range(24)
    ]
    return {
        "weekly": Table(("week_start", "iso_week", "partial", *_metric_header()), tuple(weekly_rows)),
        "groups": Table(("dimension", "group", "week_start", *_metric_header()), tuple(group_rows)),
        "triggers": Table(
            (
                "trigger",
                "escalations",
                "ai_could_have_handled_rate",
                "judged",
                "low_csat_rate",
                "rated",
                "csat_mean",
                "rank_too_early",
                "rank_too_late",
            ),
            tuple(trigger_rows),
        ),
        "heatmap": Table(
            ("weekday", "hour", "escalations", "decided", "within_threshold", "service_level"),
            tuple(heat_rows),
        ),
    }
