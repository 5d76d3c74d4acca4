"""Shift plans for staffing groups, and the roster their chosen shifts make.

The scheduler (:mod:`simulator.planning.scheduling`) reads one :class:`ShiftPlan` per staffing
group: the scenario's own (named by a roster group), or a default plan; the shifts it chooses
become roster groups again (:func:`recommended_roster`) for the closed loop to simulate.
"""

from __future__ import annotations

from datetime import time

from routing.schemas import ShiftIn
from simulator.planning.scheduling import ScheduleResult
from simulator.planning.staffing_groups import StaffingGroup
from simulator.scenario import AgentGroup, BreakRule, Scenario, ShiftPlan, ShiftTemplate

__all__ = ["default_shift_plan", "recommended_roster", "shift_plans_for"]


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
