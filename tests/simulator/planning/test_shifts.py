"""Shift plans per staffing group, and the rosters the chosen shifts and the weekly patterns make."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.metrics import on_shift_spans
from simulator.planning.rostering import WeekRequirement, roster_week
from simulator.planning.scheduling import ChosenShift, ScheduleResult, ScheduleStatus
from simulator.planning.shifts import recommended_roster, weekly_roster_groups
from simulator.planning.staffing_groups import StaffingGroup, staffing_groups
from simulator.scenario import AgentGroup
from tests.simulator.planning.small_scenario import scenario
from tests.simulator.planning.week_world import PROFILE, person, plan, profiles, rules


def test_a_shift_plan_must_name_a_roster_group() -> None:
    with pytest.raises(ValueError, match=r"shift_plans\[0\]\.group: no roster group named 'nobody'"):
        scenario(
            shift_plans=[
                {
                    "group": "nobody",
                    "templates": [
                        {"name": "d", "length_h": 8, "earliest_start": "09:00", "latest_start": "09:00"}
                    ],
                }
            ]
        )


def test_recommended_roster_turns_chosen_shifts_into_groups_with_weekly_shifts() -> None:
    s = scenario()
    [group] = staffing_groups(s)
    start = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # a Tuesday, crossing midnight
    shift = ChosenShift(
        group="agents",
        template="full",
        start=start,
        end=datetime(2026, 12, 2, 6, 30, tzinfo=UTC),
        time_zone="UTC",
        count=3,
        break_start=datetime(2026, 12, 2, 2, 0, tzinfo=UTC),
        break_end=datetime(2026, 12, 2, 2, 30, tzinfo=UTC),
        paid_h=8.0,
    )
    empty = np.zeros(1)
    result = ScheduleResult(
        ScheduleStatus.OPTIMAL, "", "cp-sat", (shift,), empty, 30, {}, {}, {}, {"agents": 3}, 8.0, 8.0, ()
    )
    [roster_group] = recommended_roster(result, [group])
    assert roster_group.group == "agents@22:00"
    assert roster_group.count == 3
    assert roster_group.skills == group.profile.skills
    [weekly] = roster_group.shifts or []
    assert (weekly.days, weekly.start, weekly.end) == ([1], "22:00", "06:30")
    assert [(b.start, b.end) for b in weekly.breaks] == [("02:00", "02:30")]


ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")
#: Mondays: an ordinary week, and weeks with a US (Mar 8) and an EU (Mar 29, Oct 25) clock change
WEEKS_S = tuple(datetime(2026, m, d, tzinfo=UTC).timestamp() for m, d in ((1, 5), (3, 2), (3, 23), (10, 19)))


def _on_duty(roster: list[AgentGroup], start_s: float, intervals: int, step: int) -> np.ndarray:
    """Agents on duty per interval from ``start_s``, as the simulator reads the groups' shifts."""
    lo = start_s + np.arange(intervals) * step
    on = np.zeros(intervals)
    for g in roster:
        starts, ends = on_shift_spans(g, start_s, start_s + intervals * step)
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            on += g.count * np.clip(np.minimum(b, lo + step) - np.maximum(a, lo), 0, None) / step
    return on


@settings(max_examples=8, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    start_s=st.sampled_from(WEEKS_S),
    cells=st.lists(st.integers(0, 3), min_size=7 * 24, max_size=7 * 24),
    n_people=st.integers(0, 12),
    extra=st.booleans(),
)
def test_the_weekly_roster_groups_put_on_duty_what_the_patterns_schedule(
    tz: str, start_s: float, cells: list[int], n_people: int, extra: bool
) -> None:
    """The published week as the simulator runs it: per interval, the roster groups have on duty
    exactly the agents the weekly patterns cover (starts per day, days off, breaks, clock
    changes); every place is one agent (named people with their own skills, hires with the
    group's profile). In a week with a clock change too: its first hours are the previous week's
    night, at that week's UTC offset, for the pattern stage as for the simulator."""
    req = WeekRequirement(start_s, 60, {"g": np.array(cells, float).reshape(7, 24)})
    skills = {"billing": 3, "refunds": 2} if extra else {"billing": 3}
    people = [person(i, time_zone=tz, skills=skills) for i in range(n_people)]
    week = roster_week(req, [plan(time_zone=tz)], rules(), people, profiles(tz), time_limit_s=0.5, workers=1)
    group = StaffingGroup(
        "g", ("g",), AgentGroup.model_validate({"group": "g", "count": 0, **PROFILE, "time_zone": tz})
    )
    roster = weekly_roster_groups(week, [group], people)
    on = _on_duty(roster, start_s, req.week_intervals, req.interval_s)
    assert np.allclose(on, week.patterns.coverage["g"])
    assert sum(g.count for g in roster) == week.patterns.headcount["g"]
    named = sum(g.count for g in roster if g.skills == skills and "refunds" in skills)
    assert named == (len(week.roster.assignments) if extra else 0)
    hires = sum(g.count for g in roster if g.skills == PROFILE["skills"])
    assert hires == sum(h.count for h in week.roster.hires) + (0 if extra else len(week.roster.assignments))
    assert all(g.group.startswith("g@w") for g in roster)
