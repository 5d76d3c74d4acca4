"""The whole plan on a small scenario, and the closed loop."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.planning import DemandLevel, IntervalMiss, PlanOptions, SearchSettings, plan_capacity
from simulator.planning.plan import _bump_clear_misses
from simulator.planning.staffing_groups import staffing_groups
from tests.simulator.planning.small_scenario import scenario


def test_whole_plan_on_two_skills_with_a_site_that_cannot_cover_the_night() -> None:
    s = scenario(
        duration_h=6,
        warmup_h=0.5,
        demand=[
            {
                "segment": "billing",
                "channel": "chat",
                "skills": {"billing": 2},
                "arrivals_per_hour": 60,
                "handle_time": {"distribution": "exponential", "mean_s": 300},
                "patience": {"distribution": "lognormal", "mean_s": 240, "cv": 1.0},
            },
            {
                "segment": "technical",
                "channel": "voice",
                "skills": {"technical": 3},
                "arrivals_per_hour": 20,
                "handle_time": {"distribution": "exponential", "mean_s": 420},
            },
        ],
        roster=[
            {"group": "billing", "count": 3, "skills": {"billing": 4}, "channels": {"chat": 2}},
            {"group": "tech", "count": 3, "skills": {"technical": 4}, "channels": {"voice": 1}},
        ],
        shift_plans=[
            {
                "group": "tech",
                "templates": [
                    {"name": "day", "length_h": 4, "earliest_start": "03:00", "latest_start": "03:00"}
                ],
            }
        ],
    )
    plan = plan_capacity(
        s, PlanOptions(replications=3, search=SearchSettings(horizon_h=1), shift_time_limit_s=3)
    )
    n = s.intervals - 1  # post-warm-up intervals
    assert plan.interval_start_s.size == n
    assert set(plan.required) == {"billing", "tech"}
    assert all(v.shape == (n,) for v in plan.required.values())
    assert plan.required["billing"].min() >= 2  # 5 erlangs on 2-slot agents
    # tech can only be on shift 03:00-07:00: zero before, staffed after
    assert plan.required["tech"][:4].tolist() == [0, 0, 0, 0]  # 00:30-02:30
    assert plan.required["tech"][6:].min() >= 1
    assert any("technical: no group that serves it can be on shift" in note for note in plan.notes)
    assert plan.recommended is not None
    assert plan.recommended_headcount["tech"] >= plan.required["tech"].max()
    assert plan.schedule is not None
    assert plan.schedule.shifts
    assert plan.current.summary()["replications"] == 3
    # agent-hours on duty over the 6.5 h horizon: always-on roster vs the chosen shifts
    assert plan.current_agent_hours == pytest.approx({"billing": 3 * 6.5, "tech": 3 * 6.5})
    assert plan.recommended_agent_hours["tech"] <= plan.recommended_headcount["tech"] * 4  # 4-h shifts
    # every miss is a real interval of the grid, on the wrong side of its target
    for miss in plan.misses:
        assert miss.interval_start_s in plan.interval_start_s.tolist()
        assert miss.shortfall > 0


def test_the_closed_loop_adds_an_agent_only_where_a_clear_miss_can_be_fixed() -> None:
    s = scenario(duration_h=2, warmup_h=0.5)  # 5 intervals of 30 min, the first is warm-up
    groups = staffing_groups(s)
    starts = [float(t) for t in (1796083200 + 1800 * np.arange(5))]
    required = {"agents": np.array([5, 5, 5, 5, 5], np.int64)}
    level_of = np.array([0, 0, 0, 1, 1], np.int64)
    levels = [DemandLevel({"general": 200.0}, frozenset({"agents"}))] * 2
    misses = [
        IntervalMiss(starts[1], "service_level", 0.6, 0.8, 0.2, (0.5, 0.7), "general"),  # clear, fixable
        IntervalMiss(starts[1], "abandon_rate", 0.2, 0.1, 0.1, (0.15, 0.25), "general"),  # same group
        IntervalMiss(starts[2], "service_level", 0.78, 0.8, 0.02, (0.7, 0.86), "general"),  # noise
        IntervalMiss(starts[3], "service_level", 0.3, 0.8, 0.5, (0.2, 0.4), "general"),  # level unfixable
        IntervalMiss(starts[2], "occupancy", 0.95, 0.85, 0.1, (0.9, 0.99)),  # a pool cap: no bump
    ]
    serves = {"agents": {"general"}}
    bumped = _bump_clear_misses(misses, s, required, level_of, levels, {1}, groups, first=1, serves=serves)
    assert bumped is not None
    assert bumped["agents"].tolist() == [5, 6, 5, 5, 5]
    assert required["agents"].tolist() == [5, 5, 5, 5, 5]  # the input is not changed
    assert _bump_clear_misses(misses[2:], s, required, level_of, levels, {1}, groups, 1, serves) is None


def test_levels_erlang_a_staffs_alike_share_one_search_at_the_busiest() -> None:
    # a forecast-like day: every 30-min interval its own rate, many of them a few percent apart
    volumes = [100, 102, 104, 98, 101, 150, 153, 148, 151, 99]  # per 30 min
    s = scenario(
        duration_h=5,
        warmup_h=0,
        demand=[
            {
                "segment": "general",
                "channel": "chat",
                "skills": {"general": 1},
                "volume_per_interval": volumes,
                "handle_time": {"distribution": "exponential", "mean_s": 180},
                "patience": {"distribution": "exponential", "mean_s": 120},
            }
        ],
    )
    plan = plan_capacity(
        s, PlanOptions(replications=2, search=SearchSettings(horizon_h=1), shift_time_limit_s=3)
    )
    staffing = plan.method["staffing"]
    searches = int(staffing.split(" level(s) in ")[1].split(" search")[0])
    assert "10 level(s)" in staffing
    assert 2 <= searches < 10
    required = plan.required["agents"]
    # the quiet intervals share the staffing of the busiest quiet one, the busy ones theirs
    quiet = [i for i, v in enumerate(volumes) if v < 120]
    busy = [i for i, v in enumerate(volumes) if v >= 120]
    assert len({int(required[i]) for i in quiet}) == 1
    assert len({int(required[i]) for i in busy}) == 1
    assert required[busy[0]] > required[quiet[0]]
