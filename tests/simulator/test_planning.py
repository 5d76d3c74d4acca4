"""Capacity planning: staffing groups, demand levels, the staffing search against Erlang A, shift
plans and availability, the recommended roster, and the whole plan on a small scenario."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from simulator.planning.plan import (
    PlanOptions,
    SearchSettings,
    availability,
    demand_levels,
    interval_misses,
    plan_capacity,
    recommended_roster,
    shift_plans_for,
    staffing_groups,
)
from simulator.planning.scheduling import ChosenShift, ScheduleResult, ScheduleStatus
from simulator.queueing import staff_for_target
from simulator.scenario import Scenario


def scenario(**over: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "plan",
        "start": "2026-12-01T00:00:00",
        "duration_h": 2,
        "warmup_h": 0.5,
        "interval_min": 30,
        "service_level": {"threshold_s": 20, "target": 0.8},
        "demand": [
            {
                "segment": "general",
                "channel": "chat",
                "skills": {"general": 1},
                "arrivals_per_hour": 200,
                "handle_time": {"distribution": "exponential", "mean_s": 180},
                "patience": {"distribution": "exponential", "mean_s": 120},
            }
        ],
        "roster": [{"group": "agents", "count": 12, "skills": {"general": 3}}],
        "routing": {"relaxation": []},
    }
    data.update(over)
    return Scenario.model_validate(data)


def test_groups_differing_only_by_shift_are_one_staffing_group() -> None:
    shift = {"days": "mon-fri", "start": "08:00", "end": "16:00"}
    late = {"days": "mon-fri", "start": "14:00", "end": "22:00"}
    s = scenario(
        roster=[
            {"group": "dublin-early", "count": 3, "skills": {"general": 3}, "shifts": [shift]},
            {"group": "dublin-late", "count": 4, "skills": {"general": 3}, "shifts": [late]},
            {"group": "experts", "count": 2, "skills": {"general": 5}, "tier": 2},
        ]
    )
    groups = staffing_groups(s)
    assert [(g.name, g.members) for g in groups] == [
        ("dublin", ("dublin-early", "dublin-late")),
        ("experts", ("experts",)),
    ]


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


def test_search_returns_the_erlang_a_answer_where_its_assumptions_hold() -> None:
    """One skill, stationary Poisson, exponential handle and patience, accept delay 0: the
    simulation search lands within one agent of the exact Erlang A staffing."""
    s = scenario()
    exact = staff_for_target(200 / 3600, 180, 0.8, 20, 120).agents
    plan = plan_capacity(
        s,
        PlanOptions(
            replications=2,
            search=SearchSettings(horizon_h=4, replications=8, max_replications=32),
            shift_time_limit_s=2,
        ),
    )
    required = set(plan.required["agents"].tolist())
    assert len(required) == 1
    assert abs(required.pop() - exact) <= 1


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


def test_interval_misses_name_the_interval_and_by_how_much() -> None:
    s = scenario(roster=[{"group": "agents", "count": 6, "skills": {"general": 3}}])  # far too few
    from simulator.replications import run_replications

    result = run_replications(s, 3, 1, keep_records=False)
    misses = interval_misses(result, s)
    sl = [m for m in misses if m.metric == "service_level"]
    assert len(sl) == result.interval_start_s.size  # every interval misses 80 %
    for m in sl:
        assert m.value < 0.8
        assert m.shortfall == pytest.approx(0.8 - m.value)
        assert m.clear  # the whole CI is below the target, not noise


def test_the_closed_loop_adds_an_agent_only_where_a_clear_miss_can_be_fixed() -> None:
    from simulator.planning.plan import DemandLevel, _bump_clear_misses
    from simulator.planning.result import IntervalMiss

    s = scenario(duration_h=2, warmup_h=0.5)  # 5 intervals of 30 min, the first is warm-up
    groups = staffing_groups(s)
    starts = [float(t) for t in (1796083200 + 1800 * np.arange(5))]
    required = {"agents": np.array([5, 5, 5, 5, 5], np.int64)}
    level_of = np.array([0, 0, 0, 1, 1], np.int64)
    levels = [DemandLevel({"general": 200.0}, frozenset({"agents"}))] * 2
    misses = [
        IntervalMiss(starts[1], "service_level", 0.6, 0.8, 0.2, (0.5, 0.7)),  # clear, fixable
        IntervalMiss(starts[2], "service_level", 0.78, 0.8, 0.02, (0.7, 0.86)),  # noise: left alone
        IntervalMiss(starts[3], "service_level", 0.3, 0.8, 0.5, (0.2, 0.4)),  # clear, level unfixable
    ]
    bumped = _bump_clear_misses(misses, s, required, level_of, levels, {1}, groups, first=1)
    assert bumped is not None
    assert bumped["agents"].tolist() == [5, 6, 5, 5, 5]
    assert required["agents"].tolist() == [5, 5, 5, 5, 5]  # the input is not changed
    assert _bump_clear_misses(misses[1:], s, required, level_of, levels, {1}, groups, first=1) is None
