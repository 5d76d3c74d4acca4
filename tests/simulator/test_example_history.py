"""The shipped example history: reproducible from its generator, with the patterns it promises,
and a desk that never breaks its own rules."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from routing.history import HistoryRecord, history_row, read_history, read_volume
from simulator.example_history import (
    DEFAULT_SEED,
    HISTORY_FILE,
    REPLAY_DAY,
    VOLUME_FILE,
    HistoryCalendar,
    day_factor,
    example_history,
    replay_day_file,
)
from simulator.scenario import load_scenario

HISTORY_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "history"


@pytest.fixture(scope="module")
def shipped() -> list[HistoryRecord]:
    return read_history(HISTORY_DIR / HISTORY_FILE)


def _day(record: HistoryRecord) -> date:
    return datetime.fromtimestamp(record.created_at_s, UTC).date()


def test_regenerating_the_first_days_gives_the_shipped_rows(shipped: list[HistoryRecord]) -> None:
    desk = load_scenario(HISTORY_DIR / "desk.yaml")
    calendar = HistoryCalendar()
    records, volume = example_history(desk, calendar, DEFAULT_SEED, days=2)
    first_day = calendar.first_day
    regenerated = [history_row(r) for r in records if _day(r) == first_day]
    expected = [history_row(r) for r in shipped if _day(r) == first_day]
    assert len(expected) > 200
    assert regenerated == expected
    # a different seed is a different history
    other, _ = example_history(desk, calendar, DEFAULT_SEED + 1, days=1)
    assert [history_row(r) for r in other] != expected
    shipped_volume = read_volume(HISTORY_DIR / VOLUME_FILE)
    day_end_s = volume[0].interval_start_s + 86400

    def first_day_volume(rows: list) -> list:  # type: ignore[type-arg]
        return sorted(
            (v.interval_start_s, v.segment, v.conversations) for v in rows if v.interval_start_s < day_end_s
        )

    assert len(first_day_volume(volume)) == 96 * 3
    assert first_day_volume(volume) == first_day_volume(shipped_volume)


def test_the_shipped_day_is_that_day_of_the_history(shipped: list[HistoryRecord]) -> None:
    day = read_history(HISTORY_DIR / replay_day_file(REPLAY_DAY))
    assert [history_row(r) for r in day] == [history_row(r) for r in shipped if _day(r) == REPLAY_DAY]


def test_the_history_has_its_weekly_pattern_holiday_and_level_shift(shipped: list[HistoryRecord]) -> None:
    calendar = HistoryCalendar()
    per_day = Counter(_day(r) for r in shipped)
    assert sorted(per_day) == calendar.days()
    weeks = [sum(per_day[d] for d in calendar.days()[7 * w : 7 * w + 7]) for w in range(calendar.weeks)]
    assert min(weeks[6:]) > 1.1 * max(weeks[:6] if calendar.holiday is None else weeks[:4] + weeks[5:6])
    mondays = [per_day[d] for d in calendar.days() if d.weekday() == 0]
    sundays = [per_day[d] for d in calendar.days() if d.weekday() == 6]
    assert sum(sundays) < 0.55 * sum(mondays)
    assert calendar.holiday is not None
    week_before = per_day[date.fromordinal(calendar.holiday.toordinal() - 7)]
    assert per_day[calendar.holiday] < 0.6 * week_before
    assert day_factor(calendar.holiday, calendar) == pytest.approx(1.0 * 0.35)


def test_no_agent_ever_holds_more_than_the_desks_caps(shipped: list[HistoryRecord]) -> None:
    desk = load_scenario(HISTORY_DIR / "desk.yaml")
    caps = {g.group: g.channels for g in desk.roster}
    spans: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for r in shipped:
        if r.accepted_at_s is not None and r.agent_id and r.completed_at_s is not None:
            spans[(r.agent_id, r.channel.value)] += [(r.accepted_at_s, 1), (r.completed_at_s, -1)]
    assert spans
    for (agent_id, channel), events in spans.items():
        held = most = 0
        for _, step in sorted(events, key=lambda e: (e[0], e[1])):
            held += step
            most = max(most, held)
        group = agent_id.split("#")[0]
        assert most <= caps[group][channel], f"{agent_id} held {most} {channel} at once"


def test_outcomes_are_observed_never_faked(shipped: list[HistoryRecord]) -> None:
    outcomes = Counter(r.outcome.value for r in shipped)
    assert set(outcomes) <= {"completed", "abandoned", "deferred", "waiting"}
    assert outcomes["abandoned"] > 0
    for r in shipped:
        assert r.wrap_up_s is None
        assert r.transfers is None
        assert r.declines is None
        if r.outcome.value == "completed":
            assert r.handle_time_s is not None
            assert r.csat in (None, 1, 2, 3, 4, 5)
        else:
            assert r.accepted_at_s is None
            assert r.csat is None
            assert r.first_contact_resolved is None
    assert (HISTORY_DIR / HISTORY_FILE).stat().st_size < 1_000_000


def test_the_shipped_forecast_scenario_plans_the_day_after_the_history(shipped: list[HistoryRecord]) -> None:
    """``scenarios/history/forecast/`` is ``handoff forecast history.csv.gz --days 1 --roster
    desk.yaml --name history-forecast-day``: it loads, starts at 00:00 UTC after the history's last
    day, and keeps the desk's roster."""
    scenario = load_scenario(HISTORY_DIR / "forecast" / "scenario.yaml")
    last = max(r.created_at_s for r in shipped)
    assert scenario.start_s == (last // 86400 + 1) * 86400
    assert [s.segment for s in scenario.demand] == ["account-security", "billing", "technical"]
    assert scenario.roster == load_scenario(HISTORY_DIR / "desk.yaml").roster
