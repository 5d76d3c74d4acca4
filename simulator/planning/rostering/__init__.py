"""Weekly rostering: from agents required per interval over a week to named people on patterns.

Two stages, as large rostering systems do:

1. **Patterns** (:func:`plan_patterns`): how many people work each weekly pattern (a contract's
   shift start per day, and days off) per staffing group, by CP-SAT over patterns, covering the
   requirement per interval under the :class:`~simulator.scenario.LabourRules` (days worked per
   week, consecutive days off, minimum rest between shifts, maximum weekly hours, bounded
   variation of start times, part-time contracts); objective: paid hours (cost), coverage first.
   A greedy baseline is the hint, the fallback and a yardstick.
2. **People** (:func:`assign_people`): which named person works which pattern, by a min-cost flow
   that respects each person's skills and site, contract and hours and treats their preferences
   (days off, start time) as soft costs; what the named people cannot fill is listed as hires
   by profile.

:func:`roster_week` runs both; the plan calls it. Modules, in the order a week reads them:
:mod:`.requirement` (the input), :mod:`.week_patterns` (patterns, bands, coverage data),
:mod:`.pattern_baseline`, :mod:`.pattern_model`, :mod:`.pattern_result`, :mod:`.assignment`,
:mod:`.roster`, :mod:`.weekly_roster`; :mod:`.rules_check` verifies a roster from its dated
shifts. OR-Tools loads on first use.
"""

from simulator.planning.rostering.assignment import assign_people, preference_cost
from simulator.planning.rostering.pattern_model import plan_patterns
from simulator.planning.rostering.pattern_result import PatternResult
from simulator.planning.rostering.requirement import WEEK_DAYS, WeekRequirement
from simulator.planning.rostering.roster import Hire, PersonShift, PersonWeek, Roster
from simulator.planning.rostering.rules_check import roster_violations
from simulator.planning.rostering.week_patterns import WeekPattern
from simulator.planning.rostering.weekly_roster import WeeklyRoster, people_caps, roster_week

__all__ = [
    "WEEK_DAYS",
    "Hire",
    "PatternResult",
    "PersonShift",
    "PersonWeek",
    "Roster",
    "WeekPattern",
    "WeekRequirement",
    "WeeklyRoster",
    "assign_people",
    "people_caps",
    "plan_patterns",
    "preference_cost",
    "roster_violations",
    "roster_week",
]
