"""What a capacity plan says in words: its notes and the line per method.

:func:`simulator.planning.plan_capacity` collects the facts (segments nobody serves, intervals the
roster cannot carry, levels the search could not meet, shift gaps); each function here takes one
such fact and returns the sentence a planner reads in ``CapacityPlan.notes`` (or the
``CapacityPlan.method`` entries). The sentences are the report's prose, kept out of the
orchestration so they can be read, and changed, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from routing.shifts import zone
from simulator.planning.coverage import IntervalCoverage
from simulator.planning.rostering import WeeklyRoster
from simulator.planning.scheduling import ScheduleResult
from simulator.planning.search import SearchSettings
from simulator.scenario import Scenario

__all__ = [
    "interval_span",
    "no_group_on_shift",
    "plan_method",
    "roster_cannot_carry",
    "search_fell_short",
    "shift_gaps",
    "unservable_segment",
    "unservable_share",
    "verified_roster",
    "weekly_roster",
]

IntArray = NDArray[np.int64]


def interval_span(scenario: Scenario, intervals: IntArray) -> str:
    """'09:00-11:00 UTC' style description of interval indices (first to last), in the scenario's
    time zone, with the number of intervals when more than one.

    Raise an IndexError if ``intervals`` is empty or names an interval outside the grid."""
    starts = scenario.interval_starts_s
    tz = zone(scenario.time_zone)
    lo = datetime.fromtimestamp(float(starts[intervals[0]]), tz)
    hi = datetime.fromtimestamp(float(starts[intervals[-1]]) + scenario.interval_s, tz)
    more = f" ({len(intervals)} intervals)" if len(intervals) > 1 else ""
    if scenario.intervals * scenario.interval_min > 24 * 60:  # several days: name the weekday
        return f"{lo:%a %H:%M}-{hi:%a %H:%M} {scenario.time_zone}{more}"
    return f"{lo:%H:%M}-{hi:%H:%M} {scenario.time_zone}{more}"


def unservable_segment(segment: str) -> str:
    """No group serves any of ``segment``, even with every relaxation step applied. Raises nothing."""
    return f"No agent group can serve segment {segment!r} even after every relaxation step."


def unservable_share(segment: str, share: float) -> str:
    """No group serves ``share`` (0-1) of ``segment``'s volume (say its VIP customers). Raises
    nothing."""
    return f"{100 * share:.0f} % of segment {segment!r} has no agent group that can serve it."


def roster_cannot_carry(scenario: Scenario, short: Sequence[IntervalCoverage]) -> str:
    """The current roster cannot carry the mean workload in the ``short`` intervals (the max-flow
    bound); names the worst (largest shortfall, first of equals) and its bottleneck.

    Raise a ValueError if ``short`` is empty."""
    worst = max(short, key=lambda c: c.short_erlangs)
    detail = worst.describe().split(": ", 1)[-1]  # drop describe()'s "interval N" prefix
    return (
        f"The current roster cannot carry the mean workload in {len(short)} interval(s), even at "
        f"100 % occupancy (a max-flow bound); the worst, "
        f"{interval_span(scenario, np.array([worst.interval]))}: {detail}."
    )


def search_fell_short(scenario: Scenario, intervals: IntArray, outcome: str) -> str:
    """The staffing search of the level of ``intervals`` ended without meeting every target;
    ``outcome`` is the search's clause saying why. Raise an IndexError as :func:`interval_span`."""
    return f"Intervals {interval_span(scenario, intervals)}: {outcome}."


def no_group_on_shift(segment: str, n_intervals: int, interval_min: int) -> str:
    """``segment`` has demand in ``n_intervals`` intervals (``interval_min`` long) where no group
    that serves it can be on shift. Raises nothing."""
    return (
        f"{segment}: no group that serves it can be on shift in {n_intervals} interval(s) "
        f"({n_intervals * interval_min / 60:g} h); those escalations wait or are deferred "
        "to a callback or ticket. Add a shift plan (or a site) that reaches those hours."
    )


def shift_gaps(schedule: ScheduleResult) -> str:
    """The shift limits leave intervals short (``schedule.covered`` is false); its message names
    them. Raises nothing."""
    return f"Shift limits leave gaps: {schedule.message}"


def weekly_roster(weekly: WeeklyRoster) -> str:
    """What the week's patterns and people came to: people per pattern stage, paid hours, status,
    and the hires the named people leave. Raises nothing."""
    p = weekly.patterns
    people = sum(p.headcount.values())
    text = (
        f"Weekly roster: {people} people on {len(p.patterns)} weekly pattern(s) under the labour "
        f"rules ({p.status.value}, {p.method}), {p.paid_hours:,.0f} paid hours a week"
    )
    text += "; " + weekly.roster.message if weekly.roster.message else ""
    return text + "."


def verified_roster(schedule: ScheduleResult | None, weekly: WeeklyRoster | None, simulated: bool) -> str:
    """Which roster the closed loop simulated, for the verdict: the published weekly roster (its
    patterns' people, named and hired), the recommended day shifts, or the current roster when
    nothing was recommended (``simulated`` false). Raises nothing."""
    if not simulated:
        return "the current roster (the plan recommends no roster to simulate)"
    if weekly is not None:
        people = sum(weekly.patterns.headcount.values())
        named = len(weekly.roster.assignments)
        hires = sum(h.count for h in weekly.roster.hires)
        return (
            f"the published weekly roster: {people} people on {len(weekly.patterns.patterns)} weekly "
            f"pattern(s) ({named} named, each with their own skills, and {hires} hire(s) of the "
            "group's profile), their shifts, days off and breaks repeating every week"
        )
    if schedule is not None:
        agents = sum(schedule.headcount.values())
        return f"the recommended shifts: {agents} agents on {len(schedule.shifts)} shift(s)"
    return "the recommended roster"


def plan_method(
    *,
    levels: int,
    searched: int,
    evaluations: int,
    search: SearchSettings,
    schedule: ScheduleResult,
    corrections: int,
    replications: int,
    seed: int,
    verified: str = "the recommended roster",
) -> dict[str, str]:
    """How each part of the plan was reached: the staffing search (``levels`` demand levels in
    ``searched`` searches, levels Erlang A staffs alike sharing one; ``evaluations`` candidate
    runs), the shifts, the closed loop (``corrections`` rounds) and the verification
    (``replications`` on ``seed``) of the roster described by ``verified``. Raises nothing."""
    return {
        "staffing": (
            f"simulation search per demand level ({levels} level(s) in {searched} search(es): levels "
            f"Erlang A staffs alike share one, run at the busiest; {evaluations} candidate "
            f"runs of {search.horizon_h:g} h, {search.replications}-"
            f"{search.max_replications} replications each, common random numbers), "
            "Erlang A warm start, max-flow lower bound"
        ),
        "shifts": f"OR-Tools CP-SAT ({schedule.method}, {schedule.status.value})",
        "closed loop": (
            f"{corrections} correction round(s): +1 agent in intervals that clearly missed a target, "
            "the roster published again"
            if corrections
            else "no correction needed or none helped"
        ),
        "verification": f"{replications} replications of the full scenario with {verified}, seed {seed}",
    }
