"""Shift plans for staffing groups, and the roster their chosen shifts make.

The scheduler (:mod:`simulator.planning.scheduling`) reads one :class:`ShiftPlan` per staffing
group: the scenario's own (named by a roster group), or a default plan; the shifts it chooses
become roster groups again (:func:`recommended_roster`) for the closed loop to simulate. A week's
published roster (weekly patterns, the named people on them and the hires) becomes roster groups
the same way (:func:`weekly_roster_groups`): that is the roster a week's closed loop verifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time, timedelta
from typing import Any

from routing.schemas import ShiftIn
from simulator.planning.rostering import WeeklyRoster, WeekPattern
from simulator.planning.scheduling import ScheduleResult
from simulator.planning.staffing_groups import StaffingGroup
from simulator.scenario import AgentGroup, BreakRule, NamedAgent, Scenario, ShiftPlan, ShiftTemplate

__all__ = ["default_shift_plan", "recommended_roster", "shift_plans_for", "weekly_roster_groups"]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def default_shift_plan(group: StaffingGroup) -> ShiftPlan:
    """Full time (8.5 h, a 30-min unpaid break 3.5-5 h in) and part time (4 h), starting every
    30 minutes around the clock, in the group's own time zone, at the group's
    ``cost_per_paid_hour``. Raises nothing."""
    cost = group.profile.cost_per_paid_hour
    return ShiftPlan(
        group=group.name,
        time_zone=group.profile.time_zone,
        templates=[
            ShiftTemplate(
                name="full-time-8h",
                length_h=8.5,
                break_rule=BreakRule(
                    length_min=30, earliest_after_min=210, latest_after_min=300, step_min=30
                ),
                earliest_start=time(0, 0),
                latest_start=time(23, 30),
                start_every_min=30,
                cost_per_paid_hour=cost,
            ),
            ShiftTemplate(
                name="part-time-4h",
                length_h=4,
                earliest_start=time(0, 0),
                latest_start=time(23, 30),
                start_every_min=30,
                cost_per_paid_hour=cost,
            ),
        ],
    )


def shift_plans_for(scenario: Scenario, groups: list[StaffingGroup]) -> list[ShiftPlan]:
    """The scenario's shift plans (named by a roster group) mapped onto staffing groups; the
    default plan for groups without one. A template that leaves ``cost_per_paid_hour`` out costs
    its roster group's ``cost_per_paid_hour``.

    Raise a KeyError if a plan's roster group is in none of ``groups`` (never for
    :func:`~simulator.planning.staffing_groups.staffing_groups` of the same scenario, whose
    loading checked that every plan names a roster group)."""
    member_of = {m: g for g in groups for m in g.members}
    cost_of = {g.group: g.cost_per_paid_hour for g in scenario.roster}

    def priced(t: ShiftTemplate, group: str) -> ShiftTemplate:
        if "cost_per_paid_hour" in t.model_fields_set:
            return t
        return t.model_copy(update={"cost_per_paid_hour": cost_of[group]})

    given = {
        member_of[p.group].name: p.model_copy(
            update={
                "group": member_of[p.group].name,
                "templates": [priced(t, p.group) for t in p.templates],
            }
        )
        for p in scenario.shift_plans
    }
    return [given.get(g.name) or default_shift_plan(g) for g in groups]


def recommended_roster(schedule: ScheduleResult, groups: list[StaffingGroup]) -> list[AgentGroup]:
    """One roster group per chosen shift, with the staffing group's profile (named
    ``{group}@{HH:MM}`` in the group's time zone, plus the template when two share a start).

    Raise a KeyError if a shift's group is none of ``groups``."""
    by_name = {g.name: g for g in groups}
    roster: list[AgentGroup] = []
    used: set[str] = set()
    for shift in schedule.shifts:
        if shift.count <= 0:
            continue
        group = by_name[shift.group]
        start, end = shift.start, shift.end
        name = f"{group.name}@{start:%H:%M}"
        if name in used:
            name = f"{name}-{shift.template}"
        suffix = 2
        while name in used:
            name, suffix = f"{group.name}@{start:%H:%M}#{suffix}", suffix + 1
        used.add(name)
        breaks = []
        if shift.break_start is not None and shift.break_end is not None:
            breaks = [{"start": f"{shift.break_start:%H:%M}", "end": f"{shift.break_end:%H:%M}"}]
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[start.weekday()]
        shift_in = ShiftIn.model_validate(
            {"days": [weekday], "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "breaks": breaks}
        )
        roster.append(
            group.profile.model_copy(update={"group": name, "count": shift.count, "shifts": [shift_in]})
        )
    return roster


def _clock(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _pattern_shifts(pattern: WeekPattern, roster: WeeklyRoster) -> list[ShiftIn]:
    """``pattern``'s week as weekly shifts in its local time: day ``d`` of the week is the local
    date ``day0 + d``, so its shift recurs on that date's weekday (the patterns repeat week after
    week, as the pattern stage covers the week cyclically). Days with the same start share one
    shift."""
    day0 = roster.patterns.day0
    by_start: dict[int, list[str]] = {}
    for d, start in enumerate(pattern.starts_min):
        if start is not None:
            by_start.setdefault(start, []).append(_WEEKDAYS[(day0 + timedelta(days=d)).weekday()])
    out = []
    for start, days in sorted(by_start.items()):
        spec: dict[str, Any] = {
            "days": days,
            "start": _clock(start),
            "end": _clock(start + pattern.length_min),
        }
        if pattern.break_min:
            b = start + pattern.break_after_min
            spec["breaks"] = [{"start": _clock(b), "end": _clock(b + pattern.break_min)}]
        out.append(ShiftIn.model_validate(spec))
    return out


def weekly_roster_groups(
    weekly: WeeklyRoster, groups: Sequence[StaffingGroup], people: Sequence[NamedAgent]
) -> list[AgentGroup]:
    """The published week as roster groups the simulator runs: per weekly pattern, its named
    people (each with their own skills and languages; people of one pattern with the same ones
    share a roster group) and its hires (the staffing group's profile), working the pattern's
    shifts (its start per day, days off, the pattern's break) in the pattern's time zone. Roster
    groups are named ``{group}@w{k}`` (pattern ``k`` of the roster's assignments and hires, in
    pattern order), with ``.{j}`` per kind of person after the first; every agent of one keeps
    the staffing group's tier, channels, caps, regions and shrinkage.

    Raise a KeyError if a pattern's group is none of ``groups`` or an assigned person is none of
    ``people``."""
    by_name = {g.name: g for g in groups}
    person = {p.id: p for p in people}
    order = {p: k for k, p in enumerate(weekly.patterns.patterns)}
    Kind = tuple[tuple[tuple[str, int], ...], tuple[str, ...]]  # skills, languages
    named: dict[WeekPattern, dict[Kind, int]] = {}
    hired: dict[WeekPattern, int] = {}
    for a in weekly.roster.assignments:
        who = person[a.person_id]
        kind = (tuple(sorted(who.skills.items())), tuple(sorted(who.languages)))
        mine = named.setdefault(a.pattern, {})
        mine[kind] = mine.get(kind, 0) + 1
    for h in weekly.roster.hires:
        hired[h.pattern] = hired.get(h.pattern, 0) + h.count
    out: list[AgentGroup] = []
    for pattern in sorted(set(named) | set(hired), key=lambda p: order.get(p, len(order))):
        group = by_name[pattern.group]
        base = f"{group.name}@w{order.get(pattern, len(order))}"
        common = {"shifts": _pattern_shifts(pattern, weekly), "time_zone": pattern.time_zone}
        members: list[dict[str, Any]] = [
            {"count": n, "skills": dict(skills), "languages": list(languages)}
            for (skills, languages), n in sorted(named.get(pattern, {}).items())
        ]
        if hired.get(pattern):
            members.append({"count": hired[pattern]})
        for j, member in enumerate(members):
            name = base + (f".{j}" if j else "")
            out.append(group.profile.model_copy(update={"group": name, **common, **member}))
    return out
