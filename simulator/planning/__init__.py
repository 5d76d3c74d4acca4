"""Plan: from a scenario's demand to the staffing, the shifts and the verdict.

The last of the simulator's three stages (define -> run -> plan), one concept per module:

* :mod:`~simulator.planning.plan`: :func:`plan_capacity`, the orchestration behind ``handoff plan``
  (its docstring walks through the whole job), and the closed loop;
* :mod:`~simulator.planning.staffing_groups`: roster groups that differ only by shifts, sized as one;
* :mod:`~simulator.planning.demand_levels`: intervals alike for staffing;
* :mod:`~simulator.planning.skill_graph`: who can serve what, and the independent pools;
* :mod:`~simulator.planning.coverage`: workload in erlangs, the max-flow coverage check and the
  lower bound on agents;
* :mod:`~simulator.planning.search`: the staffing search through the production dispatcher;
* :mod:`~simulator.planning.targets`: replications judged against the scenario's targets;
* :mod:`~simulator.planning.scheduling`: shift scheduling (baselines and CP-SAT);
* :mod:`~simulator.planning.shifts`: shift plans per staffing group, and the rosters to simulate
  (the recommended shifts', a week's patterns and people);
* :mod:`~simulator.planning.findings`: the plan's notes in plain language;
* :mod:`~simulator.planning.result`: :class:`CapacityPlan`, what a capacity report is drawn from.

The functions :func:`~simulator.planning.staffing_groups.staffing_groups` and
:func:`~simulator.planning.demand_levels.demand_levels` are imported from their modules: exported
here, they would hide the modules of the same name.
"""

from simulator.planning.coverage import (
    Bottleneck,
    IntervalCoverage,
    PoolBound,
    check_coverage,
    min_agents,
    scenario_on_queue_agents,
    scenario_workload_erlangs,
    workload_erlangs,
)
from simulator.planning.demand_levels import DemandLevel, availability
from simulator.planning.plan import PlanOptions, Progress, plan_capacity
from simulator.planning.result import CapacityPlan, IntervalMiss
from simulator.planning.scheduling import (
    ChosenShift,
    ScheduleResult,
    ScheduleStatus,
    Shortfall,
    greedy_schedule,
    paid_hours_lower_bound,
    schedule_shifts,
)
from simulator.planning.search import Evaluation, LevelSearch, SearchSettings
from simulator.planning.shifts import (
    default_shift_plan,
    recommended_roster,
    shift_plans_for,
    weekly_roster_groups,
)
from simulator.planning.skill_graph import (
    DemandKind,
    Pool,
    Pools,
    SkillGraph,
    build_skill_graph,
    components,
    scenario_skill_graph,
)
from simulator.planning.staffing_groups import StaffingGroup
from simulator.planning.targets import interval_misses

__all__ = [
    "Bottleneck",
    "CapacityPlan",
    "ChosenShift",
    "DemandKind",
    "DemandLevel",
    "Evaluation",
    "IntervalCoverage",
    "IntervalMiss",
    "LevelSearch",
    "PlanOptions",
    "Pool",
    "PoolBound",
    "Pools",
    "Progress",
    "ScheduleResult",
    "ScheduleStatus",
    "SearchSettings",
    "Shortfall",
    "SkillGraph",
    "StaffingGroup",
    "availability",
    "build_skill_graph",
    "check_coverage",
    "components",
    "default_shift_plan",
    "greedy_schedule",
    "interval_misses",
    "min_agents",
    "paid_hours_lower_bound",
    "plan_capacity",
    "recommended_roster",
    "scenario_on_queue_agents",
    "scenario_skill_graph",
    "scenario_workload_erlangs",
    "schedule_shifts",
    "shift_plans_for",
    "weekly_roster_groups",
    "workload_erlangs",
]
