"""Is an agent on shift now, in their own time zone, and until when?

Shifts are weekly and written in local wall-clock time, so a 09:00-17:00 shift starts at 09:00 local
on both sides of a DST change (the UTC instant moves). A local time that does not exist (the
spring-forward gap) resolves with the offset in force before the change, as Python's ``zoneinfo``
does with ``fold=0``; an ambiguous one (fall back) is its first occurrence.

The dispatcher asks :func:`shift_state` only when an agent's previous answer runs out, so the
zoneinfo arithmetic stays out of the per-decision path.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from routing.domain import WeeklyShift

_WINDOW_DAYS_BACK = 2  # a shift may start yesterday and cross midnight into today
_WINDOW_DAYS_AHEAD = 8  # every weekly shift recurs within a week


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name (cached: zone lookups read files)."""
    return ZoneInfo(name)


def _epoch(day_midnight: datetime, minutes: int, tz: ZoneInfo) -> float:
    local = day_midnight + timedelta(minutes=minutes)  # naive wall-clock arithmetic, then localise
    return local.replace(tzinfo=tz).timestamp()


def work_intervals(
    shifts: tuple[WeeklyShift, ...], time_zone: str, around_s: float
) -> tuple[tuple[float, float], ...]:
    """Working intervals (shifts minus breaks) as merged, sorted ``[start_s, end_s)`` epoch pairs.

    Covers every shift starting from two days before ``around_s`` to eight days after it.
    """
    today = datetime.fromtimestamp(around_s, zone(time_zone)).date()
    return _intervals_around(shifts, time_zone, today.toordinal())


@lru_cache(maxsize=8192)
def _intervals_around(
    shifts: tuple[WeeklyShift, ...], time_zone: str, today_ordinal: int
) -> tuple[tuple[float, float], ...]:
    """Memoised by local day: a whole team on the same shifts in one zone costs one computation."""
    tz = zone(time_zone)
    today = date.fromordinal(today_ordinal)
    raw: list[tuple[float, float]] = []
    for offset in range(-_WINDOW_DAYS_BACK, _WINDOW_DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        midnight = datetime(day.year, day.month, day.day)
        for shift in shifts:
            if day.weekday() not in shift.days:
                continue
            cursor = shift.start_min
            for b_start, b_end in sorted(shift.breaks):
                if b_start > cursor:
                    raw.append((_epoch(midnight, cursor, tz), _epoch(midnight, b_start, tz)))
                cursor = max(cursor, b_end)
            if shift.end_min > cursor:
                raw.append((_epoch(midnight, cursor, tz), _epoch(midnight, shift.end_min, tz)))
    raw.sort()
    merged: list[tuple[float, float]] = []
    for start, end in raw:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def shift_state(shifts: tuple[WeeklyShift, ...] | None, time_zone: str, now_s: float) -> tuple[bool, float]:
    """``(on_shift, until_s)``: whether the agent works at ``now_s`` and when that next changes.

    ``shifts`` of ``None`` means always on shift (``until_s`` is infinity). An agent with no shift
    in the coming week is off shift until infinity.
    """
    if shifts is None:
        return True, math.inf
    for start, end in work_intervals(shifts, time_zone, now_s):
        if now_s < start:
            return False, start
        if now_s < end:
            return True, end
    return False, math.inf
