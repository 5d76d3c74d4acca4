"""Shift scheduling: how many agents start each shift so every interval's requirement is covered.

A planner describes, per agent group (a site, a skill mix), the shifts it may publish
(:class:`ShiftPlan` with :class:`ShiftTemplate` entries: length, a break rule, the window of allowed
start times in the group's local time, cost per paid hour, count limits) and the staffing search
gives the agents required in each interval. :func:`schedule_shifts` chooses the shifts with OR-Tools
CP-SAT; :func:`greedy_schedule` is the yardstick baseline.

Time
----
Requirements are on one **UTC interval grid**: ``requirements[g][i]`` is the agents group ``g``
needs on duty in ``[start_s + i * interval_s, start_s + (i + 1) * interval_s)`` (epoch seconds,
as the simulator's intervals). Shift *start times* are local wall-clock times in the plan's
``time_zone`` (DST-correct: a 09:00 template starts at 09:00 local on both sides of a change; a
start time in the spring-forward gap resolves as :mod:`routing.shifts` does); a shift lasts
``length_h`` of elapsed time. Every start on an allowed weekday whose shift overlaps the horizon
is a candidate, including shifts that began before it (paid in full).

Breaks
------
A template may have one break of ``length_min`` minutes starting ``earliest_after_min`` to
``latest_after_min`` after the shift starts, on a ``step_min`` grid. The break start is a decision,
like the shift start: a candidate is (template, start, break start), so the solver staggers breaks
where the requirement is high. An agent on break is not on duty; coverage is counted to the second
(``agent-seconds on duty in the interval / interval_s``), so a break covering half an interval
removes half an agent there. An unpaid break (the default) is not in the paid hours.

Modules, in the order a solve reads them (the PyJobShop shape)
--------------------------------------------------------------
* :mod:`~simulator.planning.scheduling.data`: the candidates and what each covers;
* :mod:`~simulator.planning.scheduling.baselines`: the greedy and the rounded-LP schedules (the
  solver's hint and fallback, and a yardstick) and the paid-hours lower bound;
* :mod:`~simulator.planning.scheduling.cp_sat`: the CP-SAT model (its variables, constraints,
  objective and the measured figures are described there) and :func:`schedule_shifts`;
* :mod:`~simulator.planning.scheduling.result`: :class:`ScheduleResult` and its message.

Statuses: see :class:`ScheduleStatus`. Limits that make full coverage impossible are a result,
never an exception: its ``shortfalls`` and ``message`` name the intervals and by how much.
OR-Tools and scipy.optimize load on first use, so importing this package loads neither.
"""

from simulator.planning.scheduling.baselines import greedy_schedule, paid_hours_lower_bound
from simulator.planning.scheduling.cp_sat import schedule_shifts
from simulator.planning.scheduling.data import plan_can_cover, plan_covers
from simulator.planning.scheduling.result import ChosenShift, ScheduleResult, ScheduleStatus, Shortfall

__all__ = [
    "ChosenShift",
    "ScheduleResult",
    "ScheduleStatus",
    "Shortfall",
    "greedy_schedule",
    "paid_hours_lower_bound",
    "plan_can_cover",
    "plan_covers",
    "schedule_shifts",
]
