"""Shift plans per staffing group, and the roster the chosen shifts make."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from simulator.planning.scheduling import ChosenShift, ScheduleResult, ScheduleStatus
from simulator.planning.shifts import recommended_roster
from simulator.planning.staffing_groups import staffing_groups
from tests.simulator.planning.small_scenario import scenario


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
