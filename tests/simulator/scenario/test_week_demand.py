"""A week of demand: day-of-week multipliers, peaks on some days, a week by default, the shipped
weekly scenario, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.errors import InvalidInput
from routing.schemas import parse
from simulator.demand import segment_rates_per_s
from simulator.scenario import Scenario, load_scenario
from simulator.scenario.models import WEEK_H
from tests.factories import scenario_data, segment

MONDAY = "2026-11-30T00:00:00"  # UTC, the scenarios' default zone


def week(**seg: object) -> Scenario:
    data = scenario_data(
        start=MONDAY, warmup_h=0, interval_min=60, demand=[segment(arrivals_per_hour=10, **seg)]
    )
    del data["duration_h"]
    return parse(Scenario, data, source="week.yaml")


def test_day_of_week_demand_plans_a_week_by_default() -> None:
    s = week(day_of_week={"sat": 0.5, "sun": 0.25})
    assert s.duration_h == WEEK_H
    assert s.intervals == 168
    per_day = (segment_rates_per_s(s.demand[0], s) * 3600).reshape(7, 24)
    assert np.allclose(per_day[:5], 10)
    assert np.allclose(per_day[5], 5)
    assert np.allclose(per_day[6], 2.5)


def test_a_peak_on_some_days_lifts_only_those_days() -> None:
    s = week(peaks=[{"start": "09:00", "end": "12:00", "multiplier": 3, "days": "mon"}])
    per_day = (segment_rates_per_s(s.demand[0], s) * 3600).reshape(7, 24)
    assert np.allclose(per_day[0, 9:12], 30)
    assert np.allclose(per_day[1:, 9:12], 10)
    assert np.allclose(per_day[0, :9], 10)


def test_peaks_on_different_days_may_share_hours_but_not_on_the_same_day() -> None:
    week(peaks=[{"start": "09:00", "end": "12:00", "multiplier": 3, "days": "mon"},
                {"start": "09:00", "end": "12:00", "multiplier": 2, "days": "tue-sun"}])  # fmt: skip
    with pytest.raises(InvalidInput, match="must not overlap"):
        week(peaks=[{"start": "09:00", "end": "12:00", "multiplier": 3, "days": "mon-wed"},
                    {"start": "10:00", "end": "11:00", "multiplier": 2, "days": "wed"}])  # fmt: skip


def test_a_day_scenario_still_needs_its_duration() -> None:
    data = scenario_data()
    del data["duration_h"]
    with pytest.raises(InvalidInput, match="duration_h"):
        parse(Scenario, data, source="day.yaml")


def test_a_bad_weekday_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"demand\[0\]\.day_of_week\.sunday"):
        week(day_of_week={"sunday": 0.5})
    with pytest.raises(InvalidInput, match=r"demand\[0\]\.day_of_week\.sat"):
        week(day_of_week={"sat": -1})


def test_the_shipped_weekly_scenario_is_a_week_with_its_own_vip_target_and_pay() -> None:
    s = load_scenario(Path("scenarios/ai_support_week.yaml"))
    assert s.duration_h == WEEK_H
    assert s.segment_service_level("vip-care").target == 0.9
    assert s.segment_service_level("vip-care").threshold_s == 20
    assert {g.group: g.cost_per_paid_hour for g in s.roster}["manila"] < {
        g.group: g.cost_per_paid_hour for g in s.roster
    }["dublin"]
    rates = segment_rates_per_s(s.demand[0], s)[s.warmup_intervals :].reshape(7, 96)
    assert rates[5].sum() == pytest.approx(0.6 * rates[0].sum())  # Saturday is 60 % of a weekday
