"""Shift scheduling: hand-checked schedules, statuses, errors that name the field, and properties."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulator.planning.scheduling.cp_sat as cp_sat
from routing.errors import InvalidInput
from routing.schemas import parse
from simulator.planning.scheduling import (
    ScheduleResult,
    ScheduleStatus,
    greedy_schedule,
    paid_hours_lower_bound,
    plan_can_cover,
    plan_covers,
    schedule_shifts,
)
from simulator.scenario import ShiftPlan

DAY = datetime(2026, 12, 1, tzinfo=UTC).timestamp()  # a Tuesday
FAST = 2.0  # seconds; tiny instances prove optimality far sooner


def plan(templates: list[dict[str, Any]], **kw: Any) -> ShiftPlan:
    return parse(ShiftPlan, {"group": "g", "templates": templates, **kw})


def tpl(name: str = "t", **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "length_h": 8,
        "earliest_start": "00:00",
        "latest_start": "23:00",
        "start_every_min": 60,
    }
    data.update(kw)
    return data


def hours(*spans: tuple[int, int, int], n: int = 24) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Hourly requirement: ``(from_h, to_h, agents)`` spans."""
    out = np.zeros(n)
    for a, b, k in spans:
        out[a:b] = k
    return out


def solve(req: Any, p: ShiftPlan, **kw: Any) -> ScheduleResult:
    return schedule_shifts({p.group: req}, [p], start_s=DAY, interval_min=60, time_limit_s=FAST, **kw)


# ------------------------------------------------------------------------------------ hand-checked
def test_one_day_shift_covers_a_daytime_need_exactly() -> None:
    result = solve(hours((8, 16, 1)), plan([tpl()]))
    assert result.status is ScheduleStatus.OPTIMAL
    assert result.covered
    [shift] = result.shifts
    assert (shift.start.hour, shift.end.hour, shift.count, shift.time_zone) == (8, 16, 1, "UTC")
    assert (result.paid_hours, result.cost, result.headcount) == (8.0, 8.0, {"g": 1})
    assert result.coverage["g"].tolist() == hours((8, 16, 1)).tolist()
    assert result.under_coverage["g"].sum() == 0
    assert result.message.startswith("every interval covered")


def test_round_the_clock_needs_three_shifts() -> None:
    result = solve(hours((0, 24, 2)), plan([tpl()]))
    assert result.status is ScheduleStatus.OPTIMAL
    assert (result.paid_hours, result.headcount["g"]) == (48.0, 6)


def test_the_cheaper_template_wins_and_part_time_fills_a_peak() -> None:
    """Need 1 agent 08-16 and a second 11-15: an 8 h shift plus a 4 h part-time shift (12 paid h)
    beats two 8 h shifts (16 paid h)."""
    p = plan([tpl("ft"), tpl("pt", length_h=4, cost_per_paid_hour=1.5)])
    result = solve(hours((8, 16, 1), (11, 15, 2)), p)
    assert result.status is ScheduleStatus.OPTIMAL
    assert sorted((s.template, s.start.hour, s.count) for s in result.shifts) == [("ft", 8, 1), ("pt", 11, 1)]
    assert (result.paid_hours, result.cost) == (12.0, 14.0)


def test_an_unpaid_break_opens_a_hole_that_a_second_shift_fills() -> None:
    """9 h shifts with a 1 h unpaid break fixed 4 h in: one agent 08-17 leaves 12-13 empty, so a
    second shift is needed; each pays 8 h."""
    rule = {"length_min": 60, "earliest_after_min": 240, "latest_after_min": 240}
    result = solve(hours((8, 17, 1)), plan([tpl(length_h=9, break_rule=rule)]))
    assert result.status is ScheduleStatus.OPTIMAL
    assert result.covered
    assert (result.headcount["g"], result.paid_hours) == (2, 16.0)
    breaks = sorted(
        (s.break_start.hour, s.break_end.hour) for s in result.shifts if s.break_start and s.break_end
    )
    assert breaks
    assert all(b - a == 1 for a, b in breaks)
    paid = solve(hours((8, 17, 1)), plan([tpl(length_h=9, break_rule={**rule, "paid": True})]))
    assert paid.paid_hours == 18.0


def test_break_placement_is_chosen_where_coverage_allows() -> None:
    """Two agents 08-17 with breaks 3-5 h in: staggering them keeps one agent on duty, so a need of
    one agent all day is met by exactly two shifts."""
    rule = {"length_min": 60, "earliest_after_min": 180, "latest_after_min": 300, "step_min": 60}
    p = plan([tpl(length_h=9, break_rule=rule, earliest_start="08:00", latest_start="08:00")])
    result = solve(hours((8, 17, 1)), p)
    assert result.covered
    assert result.headcount["g"] == 2
    starts = {s.break_start.hour for s in result.shifts if s.break_start is not None}
    assert len(starts) == 2


def test_a_break_inside_an_interval_counts_to_the_second() -> None:
    """15-min intervals: a 30-min break from 10:15 removes the agent from 10:15-10:45 only."""
    rule = {"length_min": 30, "earliest_after_min": 135, "latest_after_min": 135}
    p = plan([tpl(length_h=4, break_rule=rule, earliest_start="08:00", latest_start="08:00")])
    req = np.zeros(96)
    req[32:48] = 0.5  # 08:00-12:00: half an agent
    result = schedule_shifts({"g": req}, [p], start_s=DAY, interval_min=15, time_limit_s=FAST)
    cov = result.coverage["g"]
    assert cov[32:41].tolist() == [1.0] * 9  # 08:00-10:15
    assert cov[41:43].tolist() == [0.0, 0.0]  # 10:15-10:45
    assert {s.interval for s in result.shortfalls} == {41, 42}


def test_start_times_are_local_and_dst_correct() -> None:
    """09:00 in New York is 14:00 UTC in December and 13:00 UTC in July."""
    p = plan([tpl(earliest_start="09:00", latest_start="09:00")], time_zone="America/New_York")
    dec = solve(hours((14, 22, 1)), p)
    [shift] = dec.shifts
    assert (shift.start.hour, shift.start_s) == (9, DAY + 14 * 3600)
    july = datetime(2026, 7, 1, tzinfo=UTC).timestamp()
    jul = schedule_shifts({"g": hours((13, 21, 1))}, [p], start_s=july, interval_min=60, time_limit_s=FAST)
    assert jul.covered
    assert jul.shifts[0].start_s == july + 13 * 3600


def test_days_limit_the_start_weekdays() -> None:
    p = plan([tpl(days="sat-sun")])  # DAY is a Tuesday: no start, no coverage
    result = solve(hours((8, 16, 1)), p)
    assert result.shifts == ()
    assert result.status is ScheduleStatus.INFEASIBLE


def test_shift_from_the_day_before_covers_the_night() -> None:
    p = plan([tpl(earliest_start="22:00", latest_start="22:00")])
    result = solve(hours((0, 6, 1)), p)
    assert result.covered
    [shift] = result.shifts
    assert shift.start == datetime(2026, 11, 30, 22, tzinfo=shift.start.tzinfo)
    assert result.paid_hours == 8.0  # paid in full, also the two hours before the horizon


# ------------------------------------------------------------------------------- limits, statuses
def test_max_headcount_below_the_peak_names_the_short_intervals() -> None:
    result = solve(hours((8, 16, 1), (10, 12, 2)), plan([tpl()], max_headcount=1))
    assert result.status is ScheduleStatus.INFEASIBLE
    assert result.headcount["g"] == 1
    assert [(s.interval, s.required, s.covered, s.short) for s in result.shortfalls] == [
        (10, 2.0, 1.0, 1.0),
        (11, 2.0, 1.0, 1.0),
    ]
    assert "cannot cover every interval within the limits" in result.message
    assert "max_headcount 1" in result.message
    assert "2026-12-01 10:00-12:00 UTC short 1 agent" in result.message


def test_template_max_count_binds() -> None:
    p = plan([tpl("ft", max_count=1), tpl("pt", length_h=4, cost_per_paid_hour=3)])
    result = solve(hours((8, 16, 2)), p)
    assert result.covered
    used = {t: sum(s.count for s in result.shifts if s.template == t) for t in ("ft", "pt")}
    assert used == {"ft": 1, "pt": 2}  # 08-16 and two part-timers 08-12, 12-16
    assert result.cost == 8 + 2 * 4 * 3


def test_min_counts_are_honoured_even_without_need() -> None:
    result = solve(np.zeros(24), plan([tpl("ft", min_count=2)], min_headcount=3))
    assert result.status is ScheduleStatus.OPTIMAL
    assert result.headcount["g"] == 3


def test_min_count_without_any_start_is_a_clear_infeasible_result() -> None:
    p = plan([tpl(days=["sat"], min_count=1)])
    result = solve(hours((8, 16, 1)), p)
    assert result.status is ScheduleStatus.INFEASIBLE
    assert result.shifts == ()
    assert "min_count 1 but no allowed start time within the horizon" in result.message


def test_penalty_mode_leaves_a_short_hour_when_covering_costs_more() -> None:
    cheap = solve(hours((9, 10, 1)), plan([tpl()]), under_penalty_per_agent_h=1.0)
    assert cheap.status is ScheduleStatus.OPTIMAL
    assert cheap.shifts == ()
    assert "covering costs more than the penalty" in cheap.message
    dear = solve(hours((9, 10, 1)), plan([tpl()]), under_penalty_per_agent_h=100.0)
    assert dear.covered
    assert dear.paid_hours == 8.0


def test_greedy_baseline_covers_and_is_never_cheaper_than_the_solver() -> None:
    p = plan([tpl("ft"), tpl("pt", length_h=4, cost_per_paid_hour=1.25)])
    req = hours((6, 22, 2), (11, 14, 4))
    greedy = greedy_schedule({"g": req}, [p], start_s=DAY, interval_min=60)
    best = solve(req, p)
    assert greedy.method == "greedy"
    assert greedy.status is ScheduleStatus.FEASIBLE
    assert greedy.covered
    assert best.covered
    assert best.cost <= greedy.cost


def test_several_groups_in_one_solve() -> None:
    a = plan([tpl()])
    b = parse(ShiftPlan, {"group": "b", "time_zone": "Asia/Manila", "templates": [tpl()]})
    result = schedule_shifts(
        {"g": hours((8, 16, 1)), "b": hours((0, 8, 2))},
        [a, b],
        start_s=DAY,
        interval_min=60,
        time_limit_s=FAST,
    )
    assert result.covered
    assert result.headcount == {"g": 1, "b": 2}
    [manila] = [s for s in result.shifts if s.group == "b"]
    assert (manila.start.hour, manila.time_zone) == (8, "Asia/Manila")  # 00:00 UTC


def test_bad_arguments_raise_with_the_value() -> None:
    p = plan([tpl()])
    with pytest.raises(ValueError, match=r"missing \['g'\], unplanned \['x'\]"):
        schedule_shifts({"x": np.ones(4)}, [p], start_s=DAY)
    with pytest.raises(ValueError, match=r"requirements\['g'\] must be finite and >= 0"):
        schedule_shifts({"g": np.array([1.0, -1.0])}, [p], start_s=DAY)
    with pytest.raises(ValueError, match=r"time_limit_s\(=0\)"):
        schedule_shifts({"g": np.ones(4)}, [p], start_s=DAY, time_limit_s=0)
    with pytest.raises(ValueError, match=r"workers\(=0\)"):
        schedule_shifts({"g": np.ones(4)}, [p], start_s=DAY, workers=0)
    with pytest.raises(ValueError, match="plans"):
        schedule_shifts({"g": np.ones(4)}, [p, p], start_s=DAY)


# ------------------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"start_every_min": 20}, "templates[0].start_every_min: Input should be 15, 30 or 60, got 20"),
        ({"length_h": 0}, "templates[0].length_h: Input should be greater than 0, got 0"),
        ({"length_h": 8.01}, "templates[0]: length_h must be a whole number of minutes, got 8.01"),
        (
            {"earliest_start": "09:00", "latest_start": "05:00"},
            "templates[0]: latest_start must not be before earliest_start (09:00), got 05:00",
        ),
        ({"min_count": 3, "max_count": 2}, "templates[0]: min_count must be <= max_count (2), got 3"),
        ({"min_count": 1.5}, "templates[0].min_count: Input should be a valid integer, got 1.5"),
        ({"days": ["mon", "funday"]}, "templates[0].days: unknown day 'funday'"),
        ({"colour": "red"}, "templates[0].colour: unknown field (check the spelling)"),
        (
            {"break_rule": {"length_min": 60, "earliest_after_min": 240, "latest_after_min": 460}},
            "templates[0]: break_rule: a break starting 460 min in and lasting 60 min ends after the "
            "480-min shift",
        ),
        (
            {"break_rule": {"length_min": 30, "earliest_after_min": 240, "latest_after_min": 120}},
            "templates[0].break_rule: latest_after_min must be >= earliest_after_min (240), got 120",
        ),
    ],
)
def test_template_errors_name_the_field_and_value(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(ShiftPlan, {"group": "g", "templates": [tpl(**change)]}, source="s.yaml")
    assert any(expected in str(p) for p in info.value.problems), info.value.problems
    assert str(info.value).startswith("s.yaml: ")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"time_zone": "Mars/Base"}, "time_zone: unknown IANA time zone 'Mars/Base'"),
        ({"templates": []}, "templates: List should have at least 1 item"),
        ({"min_headcount": 5, "max_headcount": 4}, "min_headcount must be <= max_headcount (4), got 5"),
        ({"templates": [tpl(min_count=3)], "max_headcount": 2}, "min_count sum (3), got 2"),
        ({"templates": [tpl(max_count=1)], "min_headcount": 2}, "max_count sum (1), got 2"),
        ({"templates": [tpl(), tpl()]}, "templates[1].name: 't' already used by templates[0]"),
    ],
)
def test_plan_errors_name_the_field_and_value(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(ShiftPlan, {"group": "g", "templates": [tpl()], **data})
    assert any(expected in str(p) for p in info.value.problems), info.value.problems


def test_paid_hours_lower_bound() -> None:
    assert paid_hours_lower_bound({"a": [1, 2, 3], "b": [4]}, 15) == 2.5


# ------------------------------------------------------------------------------------- properties
N = 12  # hourly intervals in the property tests


@st.composite
def instances(draw: st.DrawFn, limited: bool = False) -> tuple[np.ndarray[Any, Any], ShiftPlan]:
    req = np.array(draw(st.lists(st.integers(0, 3), min_size=N, max_size=N)), dtype=np.float64)
    templates = []
    for k in range(draw(st.integers(1, 2))):
        length = draw(st.integers(2, 6))
        rule = None
        if length >= 4 and draw(st.booleans()):
            rule = {"length_min": 60, "earliest_after_min": 60, "latest_after_min": (length - 2) * 60}
        templates.append(
            tpl(
                f"t{k}",
                length_h=length,
                break_rule=rule,
                cost_per_paid_hour=draw(st.sampled_from([1.0, 1.5])),
                max_count=draw(st.none() | st.integers(0, 4)) if limited else None,
            )
        )
    head = draw(st.none() | st.integers(0, 6)) if limited else None
    return req, plan(templates, max_headcount=head)


def on_duty(result: ScheduleResult) -> np.ndarray[Any, Any]:
    """Agents on duty per interval, recomputed from the chosen shifts alone."""
    out = np.zeros(result.interval_starts_s.size)
    for s in result.shifts:
        for i, lo in enumerate(result.interval_starts_s):
            hi = lo + result.interval_min * 60
            sec = max(0.0, min(hi, s.end_s) - max(lo, s.start_s))
            if s.break_start is not None and s.break_end is not None:
                sec -= max(0.0, min(hi, s.break_end.timestamp()) - max(lo, s.break_start.timestamp()))
            out[i] += s.count * sec / (result.interval_min * 60)
    return out


@settings(max_examples=25)
@given(instances())
def test_without_max_limits_every_requirement_is_covered(inst: tuple[Any, ShiftPlan]) -> None:
    req, p = inst
    result = solve(req, p)
    assert result.covered
    assert result.status in (ScheduleStatus.OPTIMAL, ScheduleStatus.FEASIBLE)
    assert np.all(result.coverage["g"] >= req)
    assert result.paid_hours >= paid_hours_lower_bound({"g": req}, 60) - 1e-9


@settings(max_examples=25)
@given(instances(limited=True))
def test_coverage_is_what_the_chosen_shifts_give_and_limits_hold(inst: tuple[Any, ShiftPlan]) -> None:
    req, p = inst
    result = solve(req, p)
    assert np.allclose(result.coverage["g"], on_duty(result))
    assert np.allclose(result.under_coverage["g"], np.maximum(req - result.coverage["g"], 0))
    assert len(result.shortfalls) == int(np.count_nonzero(result.under_coverage["g"]))
    if p.max_headcount is not None:
        assert result.headcount["g"] <= p.max_headcount
    for t in p.templates:
        used = sum(s.count for s in result.shifts if s.template == t.name)
        assert t.max_count is None or used <= t.max_count
    worked_h = float(result.coverage["g"].sum())  # hourly intervals: agents on duty = agent-hours
    assert result.paid_hours >= worked_h - 1e-9
    greedy = greedy_schedule({"g": req}, [p], start_s=DAY, interval_min=60)
    if result.status in (ScheduleStatus.OPTIMAL, ScheduleStatus.INFEASIBLE):
        assert result.under_coverage["g"].sum() <= greedy.under_coverage["g"].sum() + 1e-9
    if result.status is ScheduleStatus.OPTIMAL and greedy.covered:
        assert result.cost <= greedy.cost + 1e-9


@settings(max_examples=20)
@given(instances(), st.integers(0, N - 1))
def test_raising_a_requirement_never_lowers_cost(inst: tuple[Any, ShiftPlan], i: int) -> None:
    req, p = inst
    base = solve(req, p)
    higher = req.copy()
    higher[i] += 1
    raised = solve(higher, p)
    if base.status is ScheduleStatus.OPTIMAL and raised.status is ScheduleStatus.OPTIMAL:
        assert raised.cost >= base.cost - 1e-9


class _NoAnswer:
    deterministic_time = 0.0


def test_solver_finding_nothing_in_time_returns_the_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    from ortools.sat.python import cp_model

    monkeypatch.setattr(cp_sat, "_solve", lambda *args: (_NoAnswer(), cp_model.UNKNOWN))
    result = solve(hours((8, 16, 1)), plan([tpl()]))
    assert result.status is ScheduleStatus.TIME_LIMIT
    assert result.method == "baseline"
    assert result.covered  # the baseline still covers
    assert "CP-SAT found no schedule within the time limit" in result.message


def test_a_time_limited_schedule_is_the_same_on_a_busy_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three groups of quarter-hour needs with breaks, more than CP-SAT proves in its budget:
    the deterministic time limit and interleaved search give the same shifts whether the machine
    is idle or every core is busy (a wall-clock limit gave other shifts, even another status).
    The wall-clock safety cap is lifted here so that a loaded CI machine cannot reach it."""
    monkeypatch.setattr(cp_sat, "WALL_CAP_FACTOR", 1000.0)
    n = 96
    k = np.arange(n)
    need = np.round(6 + 10 * np.sin(np.pi * k / n) ** 2 + 3 * np.sin(np.pi * k / 7) ** 2)
    full = tpl(
        "full",
        length_h=8.5,
        start_every_min=15,
        break_rule={"length_min": 30, "earliest_after_min": 180, "latest_after_min": 300, "step_min": 15},
    )
    part = tpl("part", length_h=4, start_every_min=15, cost_per_paid_hour=1.1)
    plans = [plan([full, part], group=g) for g in ("a", "b", "c")]
    requirements = {"a": need, "b": need[::-1].copy(), "c": np.full(n, 4.0) + (k % 5)}

    def run() -> tuple[ScheduleStatus, list[tuple[str, str, float, int, Any]]]:
        result = schedule_shifts(
            requirements, plans, start_s=DAY, interval_min=15, time_limit_s=1.0, workers=2
        )
        return result.status, [
            (s.group, s.template, s.start_s, s.count, s.break_start) for s in result.shifts
        ]

    idle = run()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    try:
        busy = run()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert idle[1]
    assert busy == idle


# --------------------------------------------------------------------------- the LP lower bound
@settings(max_examples=25)
@given(instances(limited=True))
def test_paid_hours_and_cost_are_never_below_the_lp_bound(inst: tuple[Any, ShiftPlan]) -> None:
    """The bound is the LP relaxation of a problem the schedule is a solution of (same limits,
    no more short), so it can only be at or below the schedule; the gap follows from the two."""
    req, p = inst
    result = solve(req, p)
    assert result.lower_bound_paid_hours is not None
    assert result.lower_bound_cost is not None
    assert 0 <= result.lower_bound_paid_hours <= result.paid_hours + 1e-6
    assert 0 <= result.lower_bound_cost <= result.cost + 1e-6
    if result.lower_bound_paid_hours > 0:
        gap = (result.paid_hours - result.lower_bound_paid_hours) / result.lower_bound_paid_hours
        assert result.paid_hours_gap == pytest.approx(gap)


def test_the_bound_is_tight_where_whole_shifts_fit_the_need_exactly() -> None:
    """One agent needed 08:00-16:00 and an 8-h template: the LP cannot do better than one shift."""
    req = np.zeros(24)
    req[8:16] = 1
    result = schedule_shifts({"g": req}, [plan([tpl(cost_per_paid_hour=2.0)])], start_s=DAY, interval_min=60)
    assert result.paid_hours == 8
    assert result.lower_bound_paid_hours == pytest.approx(8)
    assert result.lower_bound_cost == pytest.approx(16)
    assert result.paid_hours_gap == pytest.approx(0, abs=1e-9)


def test_the_bound_counts_fractional_agents_where_whole_ones_overshoot() -> None:
    """Half an agent on duty for 8 h (a requirement after shrinkage can be fractional): a whole
    8-h shift pays 8 h, the LP half a shift, 4 h: a gap of 100 %."""
    req = np.zeros(24)
    req[8:16] = 0.5
    result = schedule_shifts({"g": req}, [plan([tpl()])], start_s=DAY, interval_min=60)
    assert result.covered
    assert result.paid_hours == 8
    assert result.lower_bound_paid_hours == pytest.approx(4)
    assert result.paid_hours_gap == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(["UTC", "America/New_York", "Europe/Dublin", "Asia/Kolkata", "Australia/Sydney"]),
    earliest_h=st.integers(0, 23),
    spread_h=st.integers(0, 6),
    length_h=st.sampled_from([4, 8, 10, 12]),
    days=st.sampled_from([None, "mon-fri", "sat-sun", ["wed"]]),
    offset_s=st.integers(0, 14 * 86400),
)
def test_the_vectorised_cover_agrees_with_the_instant_by_instant_one(
    zone: str, earliest_h: int, spread_h: int, length_h: int, days: Any, offset_s: int
) -> None:
    latest_h = min(23, earliest_h + spread_h)
    template: dict[str, Any] = {
        "name": "t",
        "length_h": length_h,
        "earliest_start": f"{earliest_h:02d}:00",
        "latest_start": f"{latest_h:02d}:00",
    }
    if days is not None:
        template["days"] = days
    plan = parse(ShiftPlan, {"group": "g", "time_zone": zone, "templates": [template]})
    # a week of quarter-hour midpoints around a spring clock change, from a random offset
    start = datetime(2026, 3, 1, tzinfo=UTC).timestamp() + offset_s
    at = start + 450 + 900 * np.arange(7 * 96)
    assert plan_covers(plan, at).tolist() == [plan_can_cover(plan, float(t)) for t in at]
