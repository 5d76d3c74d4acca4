"""Review weeks: Monday 00:00 to the next Monday 00:00 on the team's wall clock (an IANA zone).

Weeks follow local midnights, so a week across a DST change is 167 or 169 hours long. Standard
library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.shifts import zone

__all__ = ["Week", "weeks_between", "whole_days"]


@dataclass(frozen=True, slots=True)
class Week:
    """``[start_s, end_s)`` in epoch seconds; ``label`` is the local date of its Monday
    (``2026-11-02``) and ``iso_week`` its ISO week (``2026-W45``); ``partial`` when the reviewed
    period covers only part of it."""

    start_s: float
    end_s: float
    label: str
    iso_week: str
    partial: bool


def _monday(when_s: float, time_zone: str) -> datetime:
    local = datetime.fromtimestamp(when_s, zone(time_zone))
    day = local.date() - timedelta(days=local.weekday())
    return datetime(day.year, day.month, day.day, tzinfo=zone(time_zone))


def whole_days(first_s: float, last_s: float, time_zone: str) -> tuple[float, float]:
    """From the local midnight that starts ``first_s``'s day to the one that ends ``last_s``'s
    day (the default period of a review: whole days, so a log of whole weeks has no partial one)."""
    tz = zone(time_zone)
    start = datetime.fromtimestamp(first_s, tz).date()
    end = datetime.fromtimestamp(last_s, tz).date() + timedelta(days=1)
    return (
        datetime(start.year, start.month, start.day, tzinfo=tz).timestamp(),
        datetime(end.year, end.month, end.day, tzinfo=tz).timestamp(),
    )


def weeks_between(start_s: float, end_s: float, time_zone: str) -> tuple[Week, ...]:
    """The local weeks that overlap ``[start_s, end_s)``, in order (one at least, when
    ``end_s`` > ``start_s``). Raise ValueError if ``end_s`` <= ``start_s``."""
    if not end_s > start_s:
        raise ValueError(f"the period must end after it starts, got {start_s} to {end_s}")
    weeks = []
    monday = _monday(start_s, time_zone)
    while monday.timestamp() < end_s:
        following = (monday.replace(tzinfo=None) + timedelta(days=7)).replace(tzinfo=monday.tzinfo)
        week_start, week_end = monday.timestamp(), following.timestamp()
        year, week, _ = monday.isocalendar()
        weeks.append(
            Week(
                start_s=week_start,
                end_s=week_end,
                label=monday.date().isoformat(),
                iso_week=f"{year}-W{week:02d}",
                partial=week_start < start_s or week_end > end_s,
            )
        )
        monday = following
    return tuple(weeks)
