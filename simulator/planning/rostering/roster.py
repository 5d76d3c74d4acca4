"""The named roster: which person works which weekly pattern, who is spare, and who must be hired.

:class:`Roster` is what the assignment stage returns and what the roster files (CSV, iCalendar)
are written from; :meth:`Roster.shifts` lists every person's dated shifts (aware datetimes in
the site's time zone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from routing.shifts import zone
from simulator.planning.rostering.week_patterns import WeekPattern, local_epoch_s

__all__ = ["Hire", "PersonShift", "PersonWeek", "Roster"]


@dataclass(frozen=True, slots=True)
class PersonWeek:
    """Person ``person_id`` (shown as ``name``) works ``pattern`` (its ``count`` is the pattern's,
    not this person's); ``preference_cost``: the soft cost of their preferences it breaks
    (0 = all honoured), ``preferred_days_worked``: preferred days off they work."""

    person_id: str
    name: str
    pattern: WeekPattern
    preference_cost: int
    preferred_days_worked: int


@dataclass(frozen=True, slots=True)
class Hire:
    """``count`` people to hire for ``group`` on ``contract`` (its profile: the group's skills,
    languages and site), to work ``pattern``."""

    group: str
    contract: str
    part_time: bool
    pattern: WeekPattern
    count: int


@dataclass(frozen=True, slots=True)
class PersonShift:
    """One dated shift of one person: ``start`` to ``end`` (aware, in ``time_zone``), with its
    break (``None`` when the template has none), ``paid_h`` paid hours."""

    person_id: str
    name: str
    group: str
    contract: str
    day: date
    start: datetime
    end: datetime
    break_start: datetime | None
    break_end: datetime | None
    time_zone: str
    paid_h: float


@dataclass(frozen=True, slots=True)
class Roster:
    """The week's named roster.

    ``complete``: every pattern of the pattern stage has a named person; otherwise ``hires`` lists
    what is missing (by group and contract: the profile to hire) and ``message`` says it.
    ``spare``: ids of people no pattern needed or none fits. ``method``: ``"min-cost-flow"``.
    """

    day0: date
    assignments: tuple[PersonWeek, ...]
    hires: tuple[Hire, ...]
    spare: tuple[str, ...]
    message: str
    method: str

    @property
    def complete(self) -> bool:
        return not self.hires

    def hires_by_profile(self) -> Mapping[tuple[str, str], int]:
        """People to hire per ``(group, contract)``."""
        out: dict[tuple[str, str], int] = {}
        for h in self.hires:
            out[h.group, h.contract] = out.get((h.group, h.contract), 0) + h.count
        return out

    def shifts(self) -> list[PersonShift]:
        """Every person's shifts of the week, by person then time. Raises nothing."""
        out: list[PersonShift] = []
        for a in self.assignments:
            p = a.pattern
            tz = zone(p.time_zone)
            for d, minute in enumerate(p.starts_min):
                if minute is None:
                    continue
                day = self.day0 + timedelta(days=d)
                start_s = local_epoch_s(day, minute, p.time_zone)
                b_start = b_end = None
                if p.break_min:
                    b_start = datetime.fromtimestamp(start_s + p.break_after_min * 60, tz)
                    b_end = datetime.fromtimestamp(start_s + (p.break_after_min + p.break_min) * 60, tz)
                out.append(
                    PersonShift(
                        person_id=a.person_id,
                        name=a.name,
                        group=p.group,
                        contract=p.contract,
                        day=day,
                        start=datetime.fromtimestamp(start_s, tz),
                        end=datetime.fromtimestamp(start_s + p.length_min * 60, tz),
                        break_start=b_start,
                        break_end=b_end,
                        time_zone=p.time_zone,
                        paid_h=p.paid_h_per_shift,
                    )
                )
        return out
