"""The one call the plan makes: a week's requirement -> weekly patterns -> a roster of named people.

:func:`roster_week` runs stage 1 (:func:`~simulator.planning.rostering.pattern_model.plan_patterns`)
then stage 2 (:func:`~simulator.planning.rostering.assignment.assign_people`) and returns both
results in a :class:`WeeklyRoster`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from routing.schemas import AgentProfile
from simulator.planning.rostering.assignment import assign_people
from simulator.planning.rostering.pattern_model import plan_patterns
from simulator.planning.rostering.pattern_result import PatternResult
from simulator.planning.rostering.requirement import WeekRequirement
from simulator.planning.rostering.roster import Roster
from simulator.scenario.labour_rules import LabourRules
from simulator.scenario.people import NamedAgent
from simulator.scenario.shift_plans import ShiftPlan

__all__ = ["WeeklyRoster", "people_caps", "roster_week"]


@dataclass(frozen=True, slots=True)
class WeeklyRoster:
    """Stage 1's patterns and stage 2's roster of the same week, and the seconds each took."""

    patterns: PatternResult
    roster: Roster
    pattern_s: float
    assignment_s: float


def people_caps(
    requirement: WeekRequirement,
    rules: LabourRules,
    people: Sequence[NamedAgent],
    profiles: Mapping[str, AgentProfile],
    names: Mapping[str, Collection[str]] | None = None,
) -> dict[tuple[str, str], int]:
    """``(group, contract) -> named people on that contract who may work in the group``, for
    every group of ``requirement`` and every contract (a person able to work in two groups
    counts in both: a cap, not a split). Raise a KeyError if a group has no profile."""
    caps: dict[tuple[str, str], int] = {}
    for group in requirement.groups:
        profile = profiles[group]
        known = (names or {}).get(group, (group,))
        able = [p for p in people if p.can_work(profile, known)]
        for contract in rules.contracts:
            caps[group, contract.name] = sum(p.contract == contract.name for p in able)
    return caps


def roster_week(
    requirement: WeekRequirement,
    plans: Sequence[ShiftPlan],
    rules: LabourRules,
    people: Sequence[NamedAgent],
    profiles: Mapping[str, AgentProfile],
    *,
    names: Mapping[str, Collection[str]] | None = None,
    time_limit_s: float = 20.0,
    workers: int = 2,
    seed: int = 0,
    cap_to_people: bool = False,
) -> WeeklyRoster:
    """Patterns covering ``requirement`` under ``rules``, then the named people on them.

    From a scenario: ``groups = staffing_groups(scenario)``, ``plans = shift_plans_for(scenario,
    groups)``, ``profiles = {g.name: g.profile for g in groups}``, ``names = {g.name: (g.name,
    *g.members) for g in groups}``, ``rules = scenario.labour_rules``, ``people =
    scenario.people``; write the files with :func:`reports.roster_files.write_roster_files`.

    Contract: ``requirement`` is agents required per interval per staffing group over a week
    (:class:`WeekRequirement`, 7 x intervals-per-day on the UTC grid); ``plans`` holds one shift
    plan per staffing group (a contract works its template there: the default shift plan's
    templates match the default contracts); ``profiles[group]`` is the staffing group's agent
    profile and ``names[group]`` the roster-group names people's ``groups`` may use for it (the
    staffing group's members). ``time_limit_s`` (wall seconds) and ``workers`` bound stage 1;
    stage 2 is exact. By default stage 1 is not capped by the named people, so the roster's
    ``hires`` say who is missing; ``cap_to_people`` caps each group's people on each contract at
    the named people who could work there (the week the current staff can cover: what they
    cannot is left short in the patterns' ``shortfalls``). Never raises for rules, caps or people
    that cannot cover: statuses and messages say so. Raise a ValueError for bad arguments (see
    the two stages).
    """
    import time

    began = time.perf_counter()
    caps = people_caps(requirement, rules, people, profiles, names) if cap_to_people else None
    patterns = plan_patterns(
        requirement, plans, rules, max_people=caps, time_limit_s=time_limit_s, workers=workers, seed=seed
    )
    mid = time.perf_counter()
    roster = assign_people(patterns, people, profiles, names=names)
    return WeeklyRoster(patterns, roster, mid - began, time.perf_counter() - mid)
