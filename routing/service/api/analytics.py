"""``/v1/analytics``: the weekly escalation review of the tenant's history, for dashboards."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from routing.analytics import DIMENSIONS
from routing.schemas import Instant, TimeZoneName
from routing.service.analytics_schemas import AnalyticsSummary
from routing.service.api.auth import Read
from routing.service.api.deps import Reviews
from routing.service.api.problems import responses

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

_DIMENSIONS = ", ".join(DIMENSIONS)


@router.get("/summary", response_model=AnalyticsSummary, responses=responses(401, 403, 422, 503))
def summary(
    tenant: Read,
    reviews: Reviews,
    from_: Annotated[Instant, Query(alias="from", description="Escalations created at or after this.")],
    to: Annotated[Instant, Query(description="... and before this (at most 92 days after from).")],
    group_by: Annotated[
        list[str] | None,
        Query(
            description=f"Dimensions to break down, repeated or comma-separated: {_DIMENSIONS} "
            "(default: trigger)."
        ),
    ] = None,
    time_zone: Annotated[
        TimeZoneName | None,
        Query(
            description="IANA time zone of the weeks and the heatmap (default: the tenant's, as /v1/stats)."
        ),
    ] = None,
) -> dict[str, Any]:
    """The weekly escalation review of the period, as `handoff analytics` writes it to
    `review.json`: every metric of the review (escalation rate, time to escalation, handoff time
    and the service level against the service's threshold and goal, context view rate,
    abandonment, deferral, transfers and hand-backs, CSAT, first-contact resolution, return rate)
    for the period, per week with the change against the week before, and per group of each
    dimension asked for; a day-of-week x hour heatmap; and the triggers ranked by how often the
    agent judged the AI could have handled it and by low CSAT. A metric whose input was not
    captured has a null value and says what it misses."""
    dimensions = [d.strip() for item in group_by or ["trigger"] for d in item.split(",") if d.strip()]
    return reviews.summary(tenant, from_.timestamp(), to.timestamp(), dimensions, time_zone)
