"""The response body of ``GET /v1/analytics/summary``: the review document of
:func:`routing.analytics.review_summary`, described for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AnalyticsSummary"]

FIGURE = (
    'Each figure is {"value", "n", "change", "missing"}: the value (null when it has none), the '
    "escalations (or ratings, or conversations) behind it, the change against the week before, and "
    "why it has no value."
)


class AnalyticsSummary(BaseModel):
    """The weekly escalation review of a period (instants ISO 8601 UTC)."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(description="Bumped when a field changes meaning or goes away.")
    period: dict[str, Any] = Field(description="start_at, end_at, time_zone.")
    target: dict[str, Any] = Field(
        description="threshold_s and service_level: what the service level is judged by."
    )
    return_window_days: float | None = Field(description="Return rate: the same customer again within this.")
    volume_given: bool = Field(description="Whether conversation volume was reported (escalation rate).")
    verdict: dict[str, Any] | None = Field(
        description="The last week with a service level: week_start, service_level, meets_target, change."
    )
    metrics: list[dict[str, Any]] = Field(
        description="The catalogue: name, label, unit, needs, higher_is_better."
    )
    total: dict[str, Any] = Field(description=f"Every metric over the period. {FIGURE}")
    weeks: list[dict[str, Any]] = Field(
        description="Per week: week_start, iso_week, start_at, end_at, partial, metrics."
    )
    groups: dict[str, list[dict[str, Any]]] = Field(
        description="Per dimension asked for, per group (largest first): group, total, weeks."
    )
    triggers: dict[str, list[dict[str, Any]]] = Field(
        description="too_early (by ai_could_have_handled_rate) and too_late (by low_csat_rate), most first."
    )
    heatmap: dict[str, Any] = Field(description="weekdays, escalations[day][hour], service_level[day][hour].")
    handoff_s_accepted: int = Field(description="Accepted escalations whose handoff time the review holds.")
