"""Labour rules: the contracts people work on and the rules every weekly pattern must keep.

A :class:`Contract` (full time, part time, ...) names the shift template a person on it works each
day (a :class:`~simulator.scenario.shift_plans.ShiftTemplate` of the group's shift plan: its length,
break, window of local start times, start weekdays and cost) and bounds the days worked per week and
the paid hours. :class:`LabourRules` holds the contracts and the rules common to all: minimum rest
between two shifts, the longest run of consecutive days off a week must contain, the maximum weekly
hours and the bounded variation of a person's start time over the week. Every field has a default,
so a scenario without ``labour_rules`` gets a 5-day 40-h full-time contract on the ``full-time-8h``
template and a 3-5 day part-time contract (at most 20 h) on ``part-time-4h`` -- the templates of the
default shift plan -- with 11 h of rest, two consecutive days off and start times within 2 h.
These are scenario-file models (define stage); :mod:`simulator.planning.rostering` builds patterns
and rosters from them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from routing.schemas import NonEmpty, check_unique

__all__ = ["Contract", "LabourRules", "week_fits"]

_STRICT = ConfigDict(extra="forbid", frozen=True)
Days = Annotated[int, Field(strict=True, ge=1, le=7)]
Hours = Annotated[float, Field(gt=0, le=7 * 24)]


def week_fits(days_worked: int, min_consecutive_days_off: int) -> bool:
    """Whether a 7-day week with ``days_worked`` days worked can hold a run of
    ``min_consecutive_days_off`` consecutive days off. Raises nothing."""
    return 7 - days_worked >= min_consecutive_days_off


class Contract(BaseModel):
    """A contract people work on: ``template`` (a shift template name of the group's shift plan)
    every day worked, ``min_days_per_week`` to ``max_days_per_week`` days, at most ``max_weekly_h``
    paid hours. ``part_time`` marks the part-time contracts (reports and hires name it)."""

    model_config = _STRICT
    name: NonEmpty
    template: NonEmpty
    min_days_per_week: Days = 5
    max_days_per_week: Days = 5
    max_weekly_h: Hours = 40.0
    part_time: bool = False

    @model_validator(mode="after")
    def _days(self) -> Contract:
        if self.max_days_per_week < self.min_days_per_week:
            raise ValueError(
                f"max_days_per_week must be >= min_days_per_week ({self.min_days_per_week}), "
                f"got {self.max_days_per_week}"
            )
        return self


def _default_contracts() -> list[Contract]:
    return [
        Contract(name="full-time", template="full-time-8h"),
        Contract(
            name="part-time",
            template="part-time-4h",
            min_days_per_week=3,
            max_days_per_week=5,
            max_weekly_h=20.0,
            part_time=True,
        ),
    ]


class LabourRules(BaseModel):
    """The rules every weekly pattern keeps (the week is cyclic: Sunday's shift is followed by the
    next Monday's, and a run of days off may span the week's end).

    ``min_rest_h``: hours off between the end of one shift and the start of the next;
    ``min_consecutive_days_off``: the week's days off contain a run at least this long;
    ``max_weekly_h``: paid hours per week for everyone (a contract may cap lower);
    ``max_start_variation_min``: the latest start of a person's week minus the earliest, in local
    minutes after midnight.
    """

    model_config = _STRICT
    contracts: list[Contract] = Field(default_factory=_default_contracts, min_length=1)
    min_rest_h: Annotated[float, Field(ge=0, le=48)] = 11.0
    min_consecutive_days_off: Annotated[int, Field(strict=True, ge=0, le=6)] = 2
    max_weekly_h: Hours = 48.0
    max_start_variation_min: Annotated[int, Field(strict=True, ge=0, le=24 * 60)] = 120

    @model_validator(mode="after")
    def _contracts_possible(self) -> LabourRules:
        check_unique("contracts", "name", [c.name for c in self.contracts])
        for i, c in enumerate(self.contracts):
            if not week_fits(c.min_days_per_week, self.min_consecutive_days_off):
                raise ValueError(
                    f"contracts[{i}] ({c.name!r}): min_days_per_week {c.min_days_per_week} leaves "
                    f"{7 - c.min_days_per_week} days off, fewer than min_consecutive_days_off "
                    f"{self.min_consecutive_days_off}"
                )
        return self

    def contract(self, name: str) -> Contract:
        """The contract called ``name``. Raise a KeyError naming the known ones if none is."""
        for c in self.contracts:
            if c.name == name:
                return c
        raise KeyError(f"no contract named {name!r} (contracts: {', '.join(c.name for c in self.contracts)})")

    def weekly_cap_h(self, contract: Contract) -> float:
        """Paid hours per week a person on ``contract`` may work: the lower of the two caps."""
        return min(contract.max_weekly_h, self.max_weekly_h)
