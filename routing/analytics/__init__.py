"""Escalation analytics: the weekly review of a history log, as pure functions.

History records (:mod:`routing.history`) and optionally the AI platform's conversation volume in;
every metric of the review's catalogue (:mod:`routing.analytics.catalogue`) per week and per
group out, with week-over-week change, a day-of-week x hour heatmap, the handoff times, and the
triggers ranked by "the AI could have handled it" and by low CSAT (:func:`weekly_review`). No I/O,
no clock: the service's API and ``handoff analytics`` share it.
"""

from __future__ import annotations

from routing.analytics.catalogue import (
    CATALOGUE,
    METRIC_NAMES,
    VOLUME,
    ReviewMetric,
    missing_input,
    review_metric,
)
from routing.analytics.frame import DIMENSIONS, NOT_RECORDED, HistoryFrame, history_frame
from routing.analytics.heatmap import Heatmap
from routing.analytics.measures import Conversations, Measure, measure, returned_within
from routing.analytics.review import (
    DEFAULT_RETURN_WINDOW_DAYS,
    GroupReview,
    Review,
    TriggerRank,
    weekly_review,
)
from routing.analytics.summary import SUMMARY_VERSION, latest_week, review_summary
from routing.analytics.weeks import Week, weeks_between

__all__ = [
    "CATALOGUE",
    "DEFAULT_RETURN_WINDOW_DAYS",
    "DIMENSIONS",
    "METRIC_NAMES",
    "NOT_RECORDED",
    "SUMMARY_VERSION",
    "VOLUME",
    "Conversations",
    "GroupReview",
    "Heatmap",
    "HistoryFrame",
    "Measure",
    "Review",
    "ReviewMetric",
    "TriggerRank",
    "Week",
    "history_frame",
    "latest_week",
    "measure",
    "missing_input",
    "returned_within",
    "review_metric",
    "review_summary",
    "weekly_review",
    "weeks_between",
]
