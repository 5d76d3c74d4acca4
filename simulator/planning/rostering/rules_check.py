"""Check a roster against the labour rules, person by person, from the dated shifts alone.

:func:`roster_violations` re-derives every rule from :meth:`Roster.shifts` (wall-clock datetimes,
not the model's bands), so it verifies the stages rather than restating them: a roster the plan
publishes has none. The week is cyclic, as in the model: the last shift is followed by the first
one of the next week (same local times seven days later).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta

from routing.schemas import AgentProfile
from simulator.planning.rostering.requirement import WEEK_DAYS
from simulator.planning.rostering.roster import PersonShift, Roster
from simulator.scenario.labour_rules import LabourRules
from simulator.scenario.people import NamedAgent

__all__ = ["roster_violations"]


def _off_run(days: set[int]) -> int:
    if not days:
        return WEEK_DAYS
    best = run = 0
    for d in list(range(WEEK_DAYS)) * 2:
        run = 0 if d in days else run + 1
        best = max(best, run)
    return min(best, WEEK_DAYS)


def _person(
    person: NamedAgent, shifts: Sequence[PersonShift], rules: LabourRules, day0_ord: int
) -> list[str]:
    out: list[str] = []
    who = f"person {person.id!r}"
    contract = rules.contract(person.contract)
    if any(s.contract != contract.name for s in shifts):
        out.append(f"{who}: works a pattern of another contract than {contract.name!r}")
    days = {s.day.toordinal() - day0_ord for s in shifts}
    if len(days) != len(shifts):
        out.append(f"{who}: two shifts on one day")
    if not contract.min_days_per_week <= len(days) <= contract.max_days_per_week:
        out.append(
            f"{who}: works {len(days)} days, contract {contract.name!r} allows "
            f"{contract.min_days_per_week}-{contract.max_days_per_week}"
        )
    if _off_run(days) < rules.min_consecutive_days_off:
        out.append(f"{who}: longest run of days off {_off_run(days)} < {rules.min_consecutive_days_off}")
    paid = sum(s.paid_h for s in shifts)
    cap = min(rules.weekly_cap_h(contract), person.max_weekly_h or float("inf"))
    if paid > cap + 1e-9:
        out.append(f"{who}: {paid:g} paid hours > {cap:g}")
    ordered = sorted(shifts, key=lambda s: s.start)
    if ordered:
        nxt = ordered[0]
        cycle = [*ordered, nxt]
        for a, b in itertools.pairwise(cycle):
            b_start = b.start
            if b is nxt:  # wall-clock arithmetic: the same local time next week
                b_start = b.start + timedelta(days=WEEK_DAYS)
            rest_h = (b_start.timestamp() - a.end.timestamp()) / 3600
            if rest_h < rules.min_rest_h - 1e-9:
                out.append(f"{who}: {rest_h:g} h rest after the shift ending {a.end.isoformat()}")
        minutes = [s.start.hour * 60 + s.start.minute for s in shifts]
        spread = max(minutes) - min(minutes)
        if spread > rules.max_start_variation_min:
            out.append(f"{who}: start times vary by {spread} min > {rules.max_start_variation_min}")
    return out


def roster_violations(
    roster: Roster,
    rules: LabourRules,
    people: Sequence[NamedAgent],
    profiles: Mapping[str, AgentProfile],
    names: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """Every broken rule of every rostered person, one sentence each (empty: the roster keeps
    them all): days worked per week, consecutive days off, rest between shifts, weekly hours
    (contract, rules and the person's own cap), start-time variation, the person's contract, and
    skills/site (:meth:`NamedAgent.can_work`) for the groups they work in. Raise a KeyError if
    the roster names a person not in ``people``."""
    by_id = {p.id: p for p in people}
    shifts: dict[str, list[PersonShift]] = {}
    for s in roster.shifts():
        shifts.setdefault(s.person_id, []).append(s)
    day0_ord = roster.day0.toordinal()
    out: list[str] = []
    for a in roster.assignments:
        person = by_id[a.person_id]
        group = a.pattern.group
        profile = profiles.get(group)
        if profile is None or not person.can_work(profile, (names or {}).get(group, (group,))):
            out.append(f"person {person.id!r}: lacks the skills, languages or site of group {group!r}")
        out.extend(_person(person, shifts.get(a.person_id, []), rules, day0_ord))
    return out
