"""The weekly escalation review over the service's own history, for dashboards
(``GET /v1/analytics/summary``).

:class:`Analytics` reads the tenant's escalations of the period as history records (the same
records ``handoff history export`` writes: :mod:`routing.service.history_export`), and its
conversation volume, and hands them to :func:`routing.analytics.weekly_review`; the answer is
:func:`routing.analytics.review_summary`'s document, the one ``review.json`` holds. The service
level is judged against the service's own settings (``HANDOFF_STATS__SERVICE_LEVEL_S`` and
``__SERVICE_LEVEL_GOAL``), weeks and the heatmap in the tenant's time zone unless asked for
another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from routing.analytics import DEFAULT_RETURN_WINDOW_DAYS, DIMENSIONS, review_summary, weekly_review
from routing.errors import FieldProblem, InvalidInput
from routing.service.history_export import history_records, one_kind, volume_records
from routing.service.roster_export import group_of, roster_groups
from routing.service.settings import StatsSettings
from routing.service.storage import repository as repo
from routing.service.storage.database import Database

__all__ = ["MAX_PERIOD_DAYS", "Analytics"]

#: the longest period one summary covers
MAX_PERIOD_DAYS = 92
_DAY_S = 86_400.0


class Analytics:
    """The review of a tenant's history. Thread-safe (each call reads in its own session)."""

    def __init__(self, db: Database, stats: StatsSettings) -> None:
        self.db = db
        self.stats = stats

    def summary(
        self,
        tenant_id: str,
        from_s: float,
        to_s: float,
        group_by: Sequence[str] = ("trigger",),
        time_zone: str | None = None,
    ) -> dict[str, Any]:
        """The review of the escalations created in [``from_s``, ``to_s``), broken down by
        ``group_by`` (:data:`routing.analytics.DIMENSIONS`), as a JSON-ready document. Returns
        are looked for up to the return window (:data:`DEFAULT_RETURN_WINDOW_DAYS`) after
        ``to_s``. Raise :class:`InvalidInput` naming the query parameter for an empty or too
        long period, an unknown grouping or time zone, or a period without escalations."""
        unknown = [d for d in group_by if d not in DIMENSIONS]
        if unknown:
            problem = f"unknown grouping {', '.join(unknown)}; known: {', '.join(DIMENSIONS)}"
            raise InvalidInput([FieldProblem("query.group_by", problem)])
        if to_s <= from_s:
            raise InvalidInput([FieldProblem("query.to", "must be after from")])
        if to_s - from_s > MAX_PERIOD_DAYS * _DAY_S:
            raise InvalidInput([FieldProblem("query.to", f"at most {MAX_PERIOD_DAYS} days after from")])
        zone = time_zone or self.stats.zone_of(tenant_id)
        with self.db.read() as s:
            groups = group_of(roster_groups(repo.agents(s, tenant_id)))
            until_s = to_s + DEFAULT_RETURN_WINDOW_DAYS * _DAY_S  # returns after the period count
            records = list(history_records(s, tenant_id, from_s, until_s, groups))
            volume, _ = one_kind(volume_records(s, tenant_id, from_s, to_s))
        if not any(from_s <= r.created_at_s < to_s for r in records):
            raise InvalidInput([FieldProblem("query.from", "no escalation was created in the period")])
        review = weekly_review(
            records,
            threshold_s=self.stats.service_level_s,
            target=self.stats.service_level_goal,
            volume=volume or None,
            start_s=from_s,
            end_s=to_s,
            group_by=tuple(dict.fromkeys(group_by)),
            time_zone=zone,
        )
        return review_summary(review)
