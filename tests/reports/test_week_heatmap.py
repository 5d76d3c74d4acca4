"""The week heatmap: values land on their local day and time of day; a plan of several days draws
it, a day's plan does not."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import numpy as np

from reports.charts import render_charts
from reports.charts.week import day_grid, week_heatmap
from reports.plan_data import week_on_duty
from routing.shifts import zone
from simulator.planning.result import CapacityPlan


def test_every_interval_lands_on_its_local_day_and_time(plan: CapacityPlan) -> None:
    values = np.arange(plan.interval_start_s.size, dtype=np.float64)
    grid, days = day_grid(plan, values)
    tz = zone(plan.scenario.time_zone)
    for k, t in enumerate(plan.interval_start_s.tolist()):
        local = datetime.fromtimestamp(t, tz)
        row = days.index(local.date())
        assert grid[row, (local.hour * 60 + local.minute) // plan.scenario.interval_min] == k
    assert np.count_nonzero(~np.isnan(grid)) == values.size


def test_the_heatmap_shows_required_against_scheduled_for_a_horizon_of_days(plan: CapacityPlan) -> None:
    week = week_on_duty(plan)
    assert week is not None
    required, scheduled, source = week
    assert source == "recommended shifts"  # the fixture has no weekly patterns
    assert plan.schedule is not None
    assert np.nansum(scheduled) > 0
    assert np.nansum(required) > 0
    assert "week_heatmap" not in render_charts(plan)  # a 5-hour plan
    longer = dataclasses.replace(plan, scenario=plan.scenario.model_copy(update={"duration_h": 48.0}))
    assert "week_heatmap" in render_charts(longer)
    fig = week_heatmap(longer)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles[:3] == [
        "agents required on duty",
        "agents on duty, recommended shifts",
        "scheduled minus required (red: short, blue: spare)",
    ]
