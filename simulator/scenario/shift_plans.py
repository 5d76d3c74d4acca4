"""Shift plans: the shifts a planner allows ``handoff plan`` to publish for an agent group.

A :class:`ShiftPlan` names a roster group and lists :class:`ShiftTemplate` entries (length, an
optional :class:`BreakRule`, the window of allowed start times in the plan's local time zone, the
weekdays, the cost per paid hour and count limits). These are scenario-file models (define stage);
:mod:`simulator.planning.scheduling` chooses shifts from them.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from routing.schemas import NonEmpty, TimeZoneName, Weekdays, check_unique

__all__ = ["BreakRule", "ShiftPlan", "ShiftTemplate", "minutes_of"]

_STRICT = ConfigDict(extra="forbid", frozen=True)
Count = Annotated[int, Field(strict=True, ge=0, le=100_000)]


class BreakRule(BaseModel):
    """One break of ``length_min`` minutes, starting ``earliest_after_min`` to ``latest_after_min``
    minutes after the shift starts, at multiples of ``step_min`` from ``earliest_after_min``.
    The solver chooses each agent's break start. ``paid``: whether the break is paid time."""

    model_config = _STRICT
    length_min: Annotated[int, Field(strict=True, ge=1, le=240)]
    earliest_after_min: Annotated[int, Field(strict=True, ge=0, le=24 * 60)]
    latest_after_min: Annotated[int, Field(strict=True, ge=0, le=24 * 60)]
    step_min: Literal[5, 10, 15, 30, 60] = 15
    paid: bool = False

    @model_validator(mode="after")
    def _window(self) -> BreakRule:
        if self.latest_after_min < self.earliest_after_min:
            raise ValueError(
                f"latest_after_min must be >= earliest_after_min ({self.earliest_after_min}), "
                f"got {self.latest_after_min}"
            )
        return self

    @property
    def offsets_min(self) -> range:
        return range(self.earliest_after_min, self.latest_after_min + 1, self.step_min)


def minutes_of(value: time) -> int:
    """Minutes after midnight of a time of day (seconds ignored)."""
    return value.hour * 60 + value.minute


class ShiftTemplate(BaseModel):
    """A shift a group may publish: ``length_h`` long, starting every ``start_every_min`` minutes
    from ``earliest_start`` to ``latest_start`` (local times of day, in the plan's time zone) on
    ``days`` (weekdays the shift starts on, e.g. ``mon-fri``; omitted = every day).

    ``min_count`` / ``max_count`` bound how many agents work this template over the horizon.
    """

    model_config = _STRICT
    name: NonEmpty
    length_h: Annotated[float, Field(gt=0, le=16)]
    break_rule: BreakRule | None = None
    earliest_start: time
    latest_start: time
    start_every_min: Literal[15, 30, 60] = 30
    days: Annotated[Weekdays, Field(min_length=1)] | None = None
    cost_per_paid_hour: Annotated[float, Field(ge=0, le=1e6)] = 1.0
    min_count: Count = 0
    max_count: Count | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ShiftTemplate:
        minutes = self.length_h * 60
        if abs(minutes - round(minutes)) > 1e-6:
            raise ValueError(f"length_h must be a whole number of minutes, got {self.length_h}")
        if self.latest_start < self.earliest_start:
            raise ValueError(
                f"latest_start must not be before earliest_start ({self.earliest_start:%H:%M}), "
                f"got {self.latest_start:%H:%M} (use two templates for a window across midnight)"
            )
        for name in ("earliest_start", "latest_start"):
            value: time = getattr(self, name)
            if value.second or value.microsecond or value.tzinfo is not None:
                raise ValueError(f"{name} must be a local HH:MM time, got {value.isoformat()}")
        rule = self.break_rule
        if rule is not None and rule.latest_after_min + rule.length_min > self.length_min:
            raise ValueError(
                f"break_rule: a break starting {rule.latest_after_min} min in and lasting "
                f"{rule.length_min} min ends after the {self.length_min}-min shift"
            )
        if self.max_count is not None and self.min_count > self.max_count:
            raise ValueError(f"min_count must be <= max_count ({self.max_count}), got {self.min_count}")
        return self

    @property
    def length_min(self) -> int:
        return round(self.length_h * 60)

    @property
    def paid_h(self) -> float:
        """Paid hours of one shift: its length, less an unpaid break."""
        rule = self.break_rule
        unpaid_min = rule.length_min if rule is not None and not rule.paid else 0
        return (self.length_min - unpaid_min) / 60

    def start_minutes(self) -> range:
        """Allowed start times as minutes after local midnight."""
        return range(minutes_of(self.earliest_start), minutes_of(self.latest_start) + 1, self.start_every_min)


class ShiftPlan(BaseModel):
    """The shifts one agent group (a site, a skill mix) may publish, in its ``time_zone``.

    ``min_headcount`` / ``max_headcount`` bound the agents (= shifts) of the group over the horizon.
    """

    model_config = _STRICT
    group: NonEmpty
    time_zone: TimeZoneName = "UTC"
    templates: list[ShiftTemplate] = Field(min_length=1)
    min_headcount: Count = 0
    max_headcount: Count | None = None

    @model_validator(mode="after")
    def _limits(self) -> ShiftPlan:
        check_unique("templates", "name", [t.name for t in self.templates])
        if self.max_headcount is not None:
            if self.min_headcount > self.max_headcount:
                raise ValueError(
                    f"min_headcount must be <= max_headcount ({self.max_headcount}), got {self.min_headcount}"
                )
            floor = sum(t.min_count for t in self.templates)
            if floor > self.max_headcount:
                raise ValueError(
                    f"max_headcount must be >= the templates' min_count sum ({floor}), "
                    f"got {self.max_headcount}"
                )
        ceilings = [t.max_count for t in self.templates]
        if all(c is not None for c in ceilings):
            most = sum(c for c in ceilings if c is not None)
            if self.min_headcount > most:
                raise ValueError(
                    f"min_headcount must be <= the templates' max_count sum ({most}), "
                    f"got {self.min_headcount}"
                )
        return self
