"""Stage 2: which named person works which weekly pattern, by a min-cost flow (OR-Tools).

The flow network: the source feeds each person (capacity 1); a person feeds each pattern they
may work (capacity 1, cost = the preferences it breaks); each pattern feeds the sink up to its
count. A **hire** arc from the source to each pattern (capacity = its count, cost
:data:`HIRE_COST`) fills what the named people cannot, so the flow always fills every pattern:
the min-cost flow first uses as few hires as possible (a hire costs more than any person's
preferences), then breaks as few preferences as possible. Adding a person therefore never adds
a hire.

A person may work a pattern when it is of their contract, of a group whose profile they meet
(:meth:`~simulator.scenario.people.NamedAgent.can_work`) and within their own weekly-hours cap.
Preference costs (soft): :data:`DAY_OFF_COST` per preferred day off worked, and
:data:`START_COST_PER_15_MIN` per quarter-hour a shift starts away from the preferred start.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Final

import numpy as np

from routing.schemas import AgentProfile
from simulator.planning.rostering.pattern_result import PatternResult
from simulator.planning.rostering.roster import Hire, PersonWeek, Roster
from simulator.planning.rostering.week_patterns import WeekPattern
from simulator.scenario.people import NamedAgent

__all__ = ["DAY_OFF_COST", "HIRE_COST", "START_COST_PER_15_MIN", "assign_people", "preference_cost"]

DAY_OFF_COST: Final = 100
START_COST_PER_15_MIN: Final = 10
#: More than any person's preference cost (7 x (100 + 48 x 10) = 4,060), so hires come first.
HIRE_COST: Final = 1_000_000


def _preferred_days_worked(person: NamedAgent, pattern: WeekPattern, weekdays: Sequence[int]) -> int:
    return sum(
        1
        for d, s in enumerate(pattern.starts_min)
        if s is not None and weekdays[d] in person.preferred_days_off
    )


def preference_cost(person: NamedAgent, pattern: WeekPattern, weekdays: Sequence[int]) -> int:
    """The soft cost of ``pattern`` for ``person`` (``weekdays[d]``: the weekday of day ``d``,
    0 = Monday): preferred days off worked and start times away from the preferred one (on the
    24-h circle). Raises nothing."""
    cost = DAY_OFF_COST * _preferred_days_worked(person, pattern, weekdays)
    if person.preferred_start is not None:
        want = person.preferred_start.hour * 60 + person.preferred_start.minute
        for s in pattern.starts_min:
            if s is not None:
                away = abs(s - want) % 1440
                cost += START_COST_PER_15_MIN * (min(away, 1440 - away) // 15)
    return cost


def assign_people(
    patterns: PatternResult,
    people: Sequence[NamedAgent],
    profiles: Mapping[str, AgentProfile],
    *,
    names: Mapping[str, Collection[str]] | None = None,
) -> Roster:
    """Give each pattern's places to named people, and say who must be hired where they run out.

    ``profiles[group]``: the profile (skills, languages, site time zone) of each staffing group
    the patterns name; ``names[group]``: the names a person's ``groups`` may use for it (default:
    the group's own). Never raises for people who cannot cover the patterns: the roster's
    ``hires`` and ``message`` say what is missing. Raise a ValueError if people ids repeat or a
    pattern's group has no profile.
    """
    ids = [p.id for p in people]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"people: id {dup!r} is used twice")
    missing = sorted({p.group for p in patterns.patterns} - set(profiles))
    if missing:
        raise ValueError(f"profiles: no profile for pattern group(s) {missing}")
    from ortools.graph.python import min_cost_flow  # loaded on first use

    names = names or {}
    weekdays = [(patterns.day0.toordinal() + d - 1) % 7 for d in range(7)]  # date.weekday() of day d
    pats = [p for p in patterns.patterns if p.count > 0]
    slots = sum(p.count for p in pats)
    source, first_person = 0, 1
    first_pattern = first_person + len(people)
    sink = first_pattern + len(pats)
    flow = min_cost_flow.SimpleMinCostFlow()
    by_profile: dict[tuple[str, str], list[int]] = {}
    for k, pat in enumerate(pats):
        by_profile.setdefault((pat.group, pat.contract), []).append(k)
    tails: list[int] = []
    heads: list[int] = []
    costs: list[int] = []
    for i, person in enumerate(people):
        flow.add_arc_with_capacity_and_unit_cost(source, first_person + i, 1, 0)
        for group, profile in profiles.items():
            mine = by_profile.get((group, person.contract))
            if not mine or not person.can_work(profile, names.get(group, (group,))):
                continue
            for k in mine:
                if person.max_weekly_h is None or pats[k].paid_h <= person.max_weekly_h + 1e-9:
                    tails.append(first_person + i)
                    heads.append(first_pattern + k)
                    costs.append(preference_cost(person, pats[k], weekdays))
    person_arcs = flow.add_arcs_with_capacity_and_unit_cost(  # person -> pattern they may work
        np.array(tails, np.int32),
        np.array(heads, np.int32),
        np.ones(len(tails), np.int64),
        np.array(costs, np.int64),
    )
    hire_arcs = []
    for k, pat in enumerate(pats):
        hire_arcs.append(
            flow.add_arc_with_capacity_and_unit_cost(source, first_pattern + k, pat.count, HIRE_COST)
        )
        flow.add_arc_with_capacity_and_unit_cost(first_pattern + k, sink, pat.count, 0)
    flow.set_node_supply(source, slots)
    flow.set_node_supply(sink, -slots)
    status = flow.solve() if slots else flow.OPTIMAL
    if status != flow.OPTIMAL:  # the hire arcs make every instance feasible: a solver fault
        raise RuntimeError(f"min-cost flow ended with status {status}")
    assigned: list[PersonWeek] = []
    busy: set[int] = set()
    used = np.flatnonzero(flow.flows(person_arcs)) if tails else np.zeros(0, np.int64)
    for idx in used:
        i, k = tails[idx] - first_person, heads[idx] - first_pattern
        person, pat = people[i], pats[k]
        busy.add(i)
        assigned.append(
            PersonWeek(
                person.id,
                person.display_name,
                pat,
                preference_cost(person, pat, weekdays),
                _preferred_days_worked(person, pat, weekdays),
            )
        )
    hires = tuple(
        Hire(pat.group, pat.contract, pat.part_time, pat, flow.flow(arc))
        for arc, pat in zip(hire_arcs, pats, strict=True)
        if slots and flow.flow(arc) > 0
    )
    spare = tuple(p.id for i, p in enumerate(people) if i not in busy)
    assigned.sort(key=lambda a: a.person_id)
    roster = Roster(patterns.day0, tuple(assigned), hires, spare, "", "min-cost-flow")
    return replace(roster, message=_message(roster, slots))


def _message(roster: Roster, slots: int) -> str:
    done, spare = len(roster.assignments), len(roster.spare)
    text = f"{done} of {slots} pattern places filled by named people, {spare} spare"
    broken = sum(a.preferred_days_worked for a in roster.assignments)
    if broken:
        text += f", {broken} preferred day{'s' if broken != 1 else ''} off worked"
    if roster.hires:
        by_profile = sorted(roster.hires_by_profile().items())
        need = "; ".join(f"{n} for group {g!r} on {c!r}" for (g, c), n in by_profile)
        text += f". Hires needed (by group and contract): {need}"
    return text
