"""Fix rules: what ``handoff plan`` may propose when staffing alone cannot cover some hours.

When a segment has no agent group that can be on shift in some hours (or no group with its skill at
all), the plan proposes structural fixes (:mod:`simulator.planning.fixes`): a new shift template at
an existing site, cross-training, or a new site. These scenario-file models bound and price them:

* :class:`SiteHours`: the local hours a site may staff (a shift starts at or after
  ``earliest_start`` and ends by ``latest_end``, local time); a site is a time zone. Sites without a
  rule get ``default_site_hours``, 06:00-24:00: nobody works between midnight and 06:00 local
  unless the site's rule says so.
* ``training_cost_per_person``: what cross-training one person in the skills a segment needs costs,
  once (default 40: a week of paid hours at the default ``cost_per_paid_hour`` of 1).
* ``new_site_fixed_cost``: what opening a site costs, once, on top of its shifts (default 2,000).
* ``new_site_time_zones``: where a new site may open (a few follow-the-sun hubs by default).

Costs are in the unit of the shift templates' ``cost_per_paid_hour`` (paid hours when it is 1).
Define stage only: nothing here plans.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from routing.schemas import TimeZoneName, check_unique

__all__ = ["DEFAULT_SITE_TIME_ZONES", "DayWindow", "FixRules", "SiteHours"]

_STRICT = ConfigDict(extra="forbid", frozen=True)
_MINUTES_PER_DAY: Final = 24 * 60

#: Where a new site may open unless the scenario says otherwise: hubs a quarter of the globe apart.
DEFAULT_SITE_TIME_ZONES: Final[tuple[str, ...]] = (
    "Asia/Manila",
    "Asia/Kolkata",
    "Europe/Dublin",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
)


def _clock_minutes(value: Any) -> Any:
    """``"HH:MM"`` (``"24:00"`` allowed) or a ``time`` as minutes after midnight; other values pass
    through for pydantic to reject."""
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if match is None:
            raise ValueError(f"must be a local time HH:MM (00:00-24:00), got {value!r}")
        hours, minutes = int(match[1]), int(match[2])
        if minutes >= 60 or hours * 60 + minutes > _MINUTES_PER_DAY:
            raise ValueError(f"must be a local time HH:MM (00:00-24:00), got {value!r}")
        return hours * 60 + minutes
    return value


ClockMinutes = Annotated[int, BeforeValidator(_clock_minutes), Field(strict=True, ge=0, le=_MINUTES_PER_DAY)]


class DayWindow(BaseModel):
    """Local hours a site may staff: shifts start at or after ``earliest_start`` and end by
    ``latest_end`` (``"HH:MM"``, ``"24:00"`` for midnight). A ``latest_end`` at or before
    ``earliest_start`` is on the next day (a night site: ``22:00`` to ``08:00``).

    Both are stored as minutes after local midnight; ``end_min`` is after ``start_min``."""

    model_config = _STRICT
    earliest_start: ClockMinutes = 6 * 60
    latest_end: ClockMinutes = _MINUTES_PER_DAY

    @model_validator(mode="after")
    def _starts_in_a_day(self) -> DayWindow:
        if self.earliest_start >= _MINUTES_PER_DAY:
            raise ValueError("earliest_start must be before 24:00, got 24:00")
        return self

    @property
    def start_min(self) -> int:
        return self.earliest_start

    @property
    def end_min(self) -> int:
        """Minutes after the local midnight of the start day (up to 48 h for a night window)."""
        end = self.latest_end
        return end if end > self.earliest_start else end + _MINUTES_PER_DAY


class SiteHours(DayWindow):
    """The local hours one site (its ``time_zone``) may staff (see :class:`DayWindow`)."""

    time_zone: TimeZoneName


class FixRules(BaseModel):
    """Bounds and prices of the structural fixes a plan may propose (see the module docstring)."""

    model_config = _STRICT
    site_hours: list[SiteHours] = Field(
        default_factory=list, description="local hours each site (time zone) may staff"
    )
    default_site_hours: DayWindow = Field(
        default_factory=DayWindow, description="local hours of sites without a rule (06:00-24:00)"
    )
    training_cost_per_person: Annotated[float, Field(ge=0, le=1e9)] = Field(
        40.0, description="one-off cost of cross-training one person"
    )
    new_site_fixed_cost: Annotated[float, Field(ge=0, le=1e12)] = Field(
        2000.0, description="one-off cost of opening a site, on top of its shifts"
    )
    new_site_time_zones: list[TimeZoneName] = Field(
        default_factory=lambda: list(DEFAULT_SITE_TIME_ZONES),
        min_length=1,
        description="time zones where a new site may open",
    )

    @model_validator(mode="after")
    def _one_rule_per_site(self) -> FixRules:
        check_unique("site_hours", "time_zone", [s.time_zone for s in self.site_hours])
        return self

    def hours_of(self, time_zone: str) -> DayWindow:
        """The local hours a site in ``time_zone`` may staff: its rule, or the default. Raises
        nothing."""
        for rule in self.site_hours:
            if rule.time_zone == time_zone:
                return rule
        return self.default_site_hours
