"""Weekly shifts in local wall-clock time: on/off and until when, across midnight, breaks and DST.

Expected instants are written out in UTC by hand (or with ``zoneinfo`` directly), never by asking
the code under test.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.domain import WeeklyShift
from routing.shifts import shift_state, work_intervals

PARIS = "Europe/Paris"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = frozenset(range(MON, SAT))
HOUR_S = 3600.0


def hm(hours: int, minutes: int = 0) -> int:
    """Minutes after local midnight."""
    return hours * 60 + minutes


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def local(
    time_zone: str, year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0
) -> float:
    """Epoch seconds of a local wall-clock time, straight from zoneinfo."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(time_zone), fold=fold).timestamp()


def local_hour(time_zone: str, epoch_s: float) -> tuple[int, int]:
    t = datetime.fromtimestamp(epoch_s, ZoneInfo(time_zone))
    return t.hour, t.minute


def nine_to_five(breaks: tuple[tuple[int, int], ...] = ()) -> tuple[WeeklyShift, ...]:
    return (WeeklyShift(WEEKDAYS, hm(9), hm(17), breaks),)


def test_dst_dates_of_2026() -> None:
    """The DST changes the tests below rely on: last Sundays of March and October 2026."""
    assert datetime(2026, 3, 29).weekday() == SUN
    assert datetime(2026, 10, 25).weekday() == SUN
    paris = ZoneInfo(PARIS)
    assert datetime(2026, 3, 28, 12, tzinfo=paris).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 3, 30, 12, tzinfo=paris).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 10, 24, 12, tzinfo=paris).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 10, 26, 12, tzinfo=paris).utcoffset() == timedelta(hours=1)


# ------------------------------------------------------------------------------------- always on
@pytest.mark.parametrize("now_s", [0.0, utc(2026, 3, 29, 1, 30), utc(2026, 12, 31, 23, 59)])
def test_no_shifts_means_always_on(now_s: float) -> None:
    assert shift_state(None, PARIS, now_s) == (True, math.inf)


def test_no_shift_in_the_week_is_off_until_infinity() -> None:
    now_s = utc(2026, 12, 1, 9)
    assert shift_state((), PARIS, now_s) == (False, math.inf)
    assert shift_state((WeeklyShift(frozenset(), hm(9), hm(17)),), PARIS, now_s) == (False, math.inf)
    assert work_intervals((), PARIS, now_s) == ()


# ------------------------------------------------------------------------------- DST, both sides
def test_weekday_shift_keeps_local_hours_across_spring_forward() -> None:
    shifts = nine_to_five()
    # Friday 27 March (CET, UTC+1): 09:00-17:00 local is 08:00-16:00 UTC.
    assert shift_state(shifts, PARIS, utc(2026, 3, 27, 7, 59)) == (False, utc(2026, 3, 27, 8))
    assert shift_state(shifts, PARIS, utc(2026, 3, 27, 8)) == (True, utc(2026, 3, 27, 16))
    # Friday evening: off over the weekend, back Monday 30 March 09:00 CEST = 07:00 UTC.
    on, until_s = shift_state(shifts, PARIS, utc(2026, 3, 27, 16))
    assert (on, until_s) == (False, utc(2026, 3, 30, 7))
    assert local_hour(PARIS, until_s) == (9, 0)
    assert until_s - utc(2026, 3, 27, 16) == (2 * 24 + 16 - 1) * HOUR_S  # the weekend lost an hour
    # Monday 30 March (CEST, UTC+2): 09:00-17:00 local is 07:00-15:00 UTC.
    assert shift_state(shifts, PARIS, utc(2026, 3, 30, 12)) == (True, utc(2026, 3, 30, 15))
    assert shift_state(shifts, PARIS, utc(2026, 3, 30, 15, 30)) == (False, utc(2026, 3, 31, 7))


def test_weekday_shift_keeps_local_hours_across_fall_back() -> None:
    shifts = nine_to_five()
    # Friday 23 October (CEST): 07:00-15:00 UTC.
    assert shift_state(shifts, PARIS, utc(2026, 10, 23, 10)) == (True, utc(2026, 10, 23, 15))
    on, until_s = shift_state(shifts, PARIS, utc(2026, 10, 23, 15))
    # Monday 26 October (CET): 09:00 local is 08:00 UTC; the weekend gained an hour.
    assert (on, until_s) == (False, utc(2026, 10, 26, 8))
    assert local_hour(PARIS, until_s) == (9, 0)
    assert until_s - utc(2026, 10, 23, 15) == (2 * 24 + 16 + 1) * HOUR_S
    assert shift_state(shifts, PARIS, utc(2026, 10, 26, 8)) == (True, utc(2026, 10, 26, 16))


def test_work_intervals_across_spring_forward() -> None:
    around_s = utc(2026, 3, 27, 11)  # Friday 12:00 in Paris
    # The window runs from Wednesday 25 March (two days back) to Saturday 4 April (eight ahead).
    days = [25, 26, 27, 30, 31, 32, 33, 34]  # March days; 32.. are 1-3 April
    expected = []
    for d in days:
        day = datetime(2026, 3, 1) + timedelta(days=d - 1)
        offset_h = 1 if day < datetime(2026, 3, 29) else 2
        start = datetime(day.year, day.month, day.day, 9 - offset_h, tzinfo=UTC).timestamp()
        expected.append((start, start + 8 * HOUR_S))
    got = list(work_intervals(nine_to_five(), PARIS, around_s))
    assert got == expected
    assert [(local_hour(PARIS, a), local_hour(PARIS, b)) for a, b in got] == [((9, 0), (17, 0))] * len(days)


def test_overnight_shift_across_spring_forward_is_an_hour_shorter() -> None:
    # Saturday 28 March 22:00 CET to Sunday 06:00 CEST: 21:00 to 04:00 UTC, seven real hours.
    shifts = (WeeklyShift(frozenset({SAT}), hm(22), hm(30)),)
    assert shift_state(shifts, PARIS, utc(2026, 3, 28, 23)) == (True, utc(2026, 3, 29, 4))
    assert shift_state(shifts, PARIS, utc(2026, 3, 28, 20)) == (False, utc(2026, 3, 28, 21))


# ------------------------------------------------------------------------------- across midnight
def test_shift_crossing_midnight_seen_from_both_days() -> None:
    # Monday 22:00 to Tuesday 06:00 in UTC; 30 November 2026 is a Monday.
    shifts = (WeeklyShift(frozenset({MON}), hm(22), hm(24 + 6)),)
    tz = "UTC"
    next_monday_22 = utc(2026, 12, 7, 22)
    assert shift_state(shifts, tz, utc(2026, 11, 30, 21)) == (False, utc(2026, 11, 30, 22))
    assert shift_state(shifts, tz, utc(2026, 11, 30, 23)) == (True, utc(2026, 12, 1, 6))  # Monday
    assert shift_state(shifts, tz, utc(2026, 12, 1, 3)) == (True, utc(2026, 12, 1, 6))  # Tuesday
    assert shift_state(shifts, tz, utc(2026, 12, 1, 6)) == (False, next_monday_22)
    assert shift_state(shifts, tz, utc(2026, 12, 1, 23)) == (False, next_monday_22)  # no Tuesday shift
    assert shift_state(shifts, tz, utc(2026, 11, 29, 23)) == (False, utc(2026, 11, 30, 22))  # Sunday


def test_shift_crossing_midnight_in_a_local_zone() -> None:
    # New York in December is UTC-5: Monday 22:00-06:00 local is Tuesday 03:00-11:00 UTC.
    ny = "America/New_York"
    shifts = (WeeklyShift(frozenset({MON}), hm(22), hm(24 + 6)),)
    assert shift_state(shifts, ny, utc(2026, 12, 1, 2)) == (False, utc(2026, 12, 1, 3))
    assert shift_state(shifts, ny, utc(2026, 12, 1, 10)) == (True, utc(2026, 12, 1, 11))
    assert utc(2026, 12, 1, 3) == local(ny, 2026, 11, 30, 22)


# ------------------------------------------------------------------------------------------ breaks
def test_off_shift_during_a_break_until_it_ends() -> None:
    shifts = nine_to_five(breaks=((hm(12), hm(12, 30)),))
    tz = "UTC"
    assert shift_state(shifts, tz, utc(2026, 12, 1, 11)) == (True, utc(2026, 12, 1, 12))
    assert shift_state(shifts, tz, utc(2026, 12, 1, 12)) == (False, utc(2026, 12, 1, 12, 30))
    assert shift_state(shifts, tz, utc(2026, 12, 1, 12, 10)) == (False, utc(2026, 12, 1, 12, 30))
    assert shift_state(shifts, tz, utc(2026, 12, 1, 12, 30)) == (True, utc(2026, 12, 1, 17))


def test_breaks_split_the_working_intervals() -> None:
    shifts = (WeeklyShift(frozenset({TUE}), hm(9), hm(17), ((hm(15), hm(15, 15)), (hm(11), hm(11, 30)))),)
    got = list(work_intervals(shifts, "UTC", utc(2026, 12, 1, 9)))
    assert got == [
        (utc(2026, 12, 1, 9), utc(2026, 12, 1, 11)),
        (utc(2026, 12, 1, 11, 30), utc(2026, 12, 1, 15)),
        (utc(2026, 12, 1, 15, 15), utc(2026, 12, 1, 17)),
        (utc(2026, 12, 8, 9), utc(2026, 12, 8, 11)),
        (utc(2026, 12, 8, 11, 30), utc(2026, 12, 8, 15)),
        (utc(2026, 12, 8, 15, 15), utc(2026, 12, 8, 17)),
    ]


def test_break_inside_another_break() -> None:
    shifts = nine_to_five(breaks=((hm(12), hm(13)), (hm(12, 15), hm(12, 30))))
    assert shift_state(shifts, "UTC", utc(2026, 12, 1, 12, 40)) == (False, utc(2026, 12, 1, 13))
    tuesday = [
        iv
        for iv in work_intervals(shifts, "UTC", utc(2026, 12, 1, 9))
        if utc(2026, 12, 1) <= iv[0] < utc(2026, 12, 2)
    ]
    assert tuesday == [
        (utc(2026, 12, 1, 9), utc(2026, 12, 1, 12)),
        (utc(2026, 12, 1, 13), utc(2026, 12, 1, 17)),
    ]


def test_break_after_midnight_in_an_overnight_shift() -> None:
    # Monday 22:00 - Tuesday 06:00 with a break 02:00-02:30 Tuesday (minutes + 1440).
    shifts = (WeeklyShift(frozenset({MON}), hm(22), hm(30), ((hm(26), hm(26, 30)),)),)
    assert shift_state(shifts, "UTC", utc(2026, 12, 1, 1)) == (True, utc(2026, 12, 1, 2))
    assert shift_state(shifts, "UTC", utc(2026, 12, 1, 2, 5)) == (False, utc(2026, 12, 1, 2, 30))


# ---------------------------------------------------------------------------------------- merging
def test_back_to_back_shifts_are_merged() -> None:
    shifts = (WeeklyShift(frozenset({TUE}), hm(9), hm(13)), WeeklyShift(frozenset({TUE}), hm(13), hm(17)))
    assert shift_state(shifts, "UTC", utc(2026, 12, 1, 10)) == (True, utc(2026, 12, 1, 17))
    assert list(work_intervals(shifts, "UTC", utc(2026, 12, 1, 10))) == [
        (utc(2026, 12, 1, 9), utc(2026, 12, 1, 17)),
        (utc(2026, 12, 8, 9), utc(2026, 12, 8, 17)),
    ]


def test_evening_and_next_morning_shifts_merge_across_midnight() -> None:
    shifts = (WeeklyShift(frozenset({MON}), hm(18), hm(24)), WeeklyShift(frozenset({TUE}), 0, hm(6)))
    assert shift_state(shifts, "UTC", utc(2026, 11, 30, 19)) == (True, utc(2026, 12, 1, 6))


def test_overlapping_shifts_are_merged() -> None:
    shifts = (WeeklyShift(frozenset({TUE}), hm(8), hm(12)), WeeklyShift(frozenset({TUE}), hm(10), hm(16)))
    assert shift_state(shifts, "UTC", utc(2026, 12, 1, 9)) == (True, utc(2026, 12, 1, 16))


# ------------------------------------------------------------------------------- DST gap and fold
def test_shift_starting_in_the_spring_forward_gap() -> None:
    """02:30 does not exist in Paris on 29 March 2026: it takes the offset before the change (+01:00,
    as zoneinfo with fold=0), so the shift starts at 01:30 UTC (03:30 CEST on the wall clock)."""
    shifts = (WeeklyShift(frozenset({SUN}), hm(2, 30), hm(6)),)
    start_s = utc(2026, 3, 29, 1, 30)
    end_s = utc(2026, 3, 29, 4)  # 06:00 CEST
    assert start_s == local(PARIS, 2026, 3, 29, 2, 30, fold=0)
    assert start_s != local(PARIS, 2026, 3, 29, 2, 30, fold=1)
    assert shift_state(shifts, PARIS, utc(2026, 3, 29, 1, 15)) == (False, start_s)
    assert shift_state(shifts, PARIS, utc(2026, 3, 29, 1, 45)) == (True, end_s)
    assert shift_state(shifts, PARIS, end_s) == (False, utc(2026, 4, 5, 0, 30))  # 02:30 CEST a week on


def test_shift_starting_in_the_fall_back_fold_takes_the_first_occurrence() -> None:
    # 02:30 happens twice in Paris on 25 October 2026; the first is CEST (+02:00): 00:30 UTC.
    shifts = (WeeklyShift(frozenset({SUN}), hm(2, 30), hm(4)),)
    assert shift_state(shifts, PARIS, utc(2026, 10, 25, 0)) == (False, utc(2026, 10, 25, 0, 30))
    assert shift_state(shifts, PARIS, utc(2026, 10, 25, 1)) == (True, utc(2026, 10, 25, 3))  # 04:00 CET
