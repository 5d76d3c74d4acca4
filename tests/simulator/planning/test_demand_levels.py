"""Demand levels and the availability of staffing groups per interval."""

from __future__ import annotations

import numpy as np

from simulator.planning.demand_levels import availability, demand_levels
from simulator.planning.shifts import shift_plans_for
from simulator.planning.staffing_groups import staffing_groups
from tests.simulator.planning.small_scenario import scenario


def test_demand_levels_group_intervals_with_equal_rates_and_reach() -> None:
    s = scenario(
        duration_h=3,
        demand=[
            {
                "segment": "general",
                "channel": "chat",
                "skills": {"general": 1},
                "arrivals_per_hour": 100,
                "peaks": [{"start": "01:00", "end": "02:00", "multiplier": 2}],
                "handle_time": {"distribution": "exponential", "mean_s": 180},
            }
        ],
    )
    level_of, levels = demand_levels(s)
    assert level_of.tolist() == [0, 0, 1, 1, 0, 0, 0]  # 00:00-00:30 warm-up, peak 01:00-02:00
    assert [lv.rates_per_h["general"] for lv in levels] == [100, 200]


def test_availability_follows_the_shift_plan_start_window_in_local_time() -> None:
    s = scenario(
        duration_h=24,
        warmup_h=0,
        roster=[{"group": "ny", "count": 1, "skills": {"general": 3}, "time_zone": "America/New_York"}],
        shift_plans=[
            {
                "group": "ny",
                "time_zone": "America/New_York",
                "templates": [
                    {"name": "day", "length_h": 8, "earliest_start": "09:00", "latest_start": "09:00"}
                ],
            }
        ],
    )
    groups = staffing_groups(s)
    reach = availability(s, groups, shift_plans_for(s, groups))["ny"]
    # 09:00-17:00 New York = 14:00-22:00 UTC in December: intervals 28..43 of the 30-min grid
    assert np.flatnonzero(reach).tolist() == list(range(28, 44))
