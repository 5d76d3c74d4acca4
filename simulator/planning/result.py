"""What capacity planning produces: the data a capacity report is drawn from.

:func:`simulator.planning.plan_capacity` fills a :class:`CapacityPlan`; ``reports`` reads it (and
never simulates). All per-interval arrays are on the scenario's post-warm-up interval grid
(``interval_start_s``, epoch seconds, one entry per interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulator.planning.rostering.weekly_roster import WeeklyRoster
from simulator.planning.scheduling.result import ScheduleResult
from simulator.replications import Replications
from simulator.scenario import Scenario

if TYPE_CHECKING:  # the fixes re-plan, so they import this module, not the other way round
    from simulator.planning.fixes.proposals import ProposedFix

__all__ = ["CapacityPlan", "IntervalMiss", "SegmentVerdict", "TargetCheck"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class IntervalMiss:
    """An interval where the re-simulated recommended roster still misses a target.

    :func:`simulator.planning.targets.interval_misses` makes one per interval and
    :class:`simulator.scenario.Target` whose mean is on the wrong side of the goal: per segment
    against that segment's own target (``segment``), or over all escalations for a pool target
    (``segment`` None).
    """

    interval_start_s: float
    metric: str  # "service_level", "abandon_rate", "occupancy" or "p95_handoff_s"
    value: float  # mean over replications
    target: float
    shortfall: float  # how far on the wrong side of the target (same unit as the metric)
    ci95: tuple[float, float] | None = None  # of the mean over replications
    segment: str | None = None  # the segment judged; None: all escalations (a pool target)

    @property
    def higher_is_better(self) -> bool:
        """The target's direction (:attr:`simulator.scenario.Target.higher_is_better`), as the
        miss itself shows it: a miss is on the wrong side of its target, so a value below the
        target misses a goal to reach and a value above it breaks a cap."""
        return self.value < self.target

    @property
    def clear(self) -> bool:
        """The whole 95 % interval is on the wrong side of the target (not just noise)."""
        if self.ci95 is None:
            return False
        lo, hi = self.ci95
        return hi < self.target if self.higher_is_better else lo > self.target


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """One target of one segment against the horizon-wide mean over replications."""

    metric: str
    goal: float
    higher_is_better: bool
    value: float  # mean over replications; NaN when nothing was measured
    ci95: tuple[float, float] | None

    @property
    def met(self) -> bool:
        """The mean meets the goal (a value that does not exist does not fail it)."""
        if not math.isfinite(self.value):
            return True
        return self.value >= self.goal if self.higher_is_better else self.value <= self.goal


@dataclass(frozen=True, slots=True)
class SegmentVerdict:
    """A demand segment judged over the horizon against its own targets (``own``: the segment
    sets some of them; else they are the scenario's), its service level within ``threshold_s``."""

    segment: str
    threshold_s: float
    own: bool
    checks: tuple[TargetCheck, ...]

    @property
    def meets(self) -> bool:
        return all(c.met for c in self.checks)


@dataclass(frozen=True, slots=True, eq=False)
class CapacityPlan:
    """Everything a capacity report shows, for one scenario.

    * ``workload_erlangs``: offered load per demand segment and interval (arrival rate x mean
      handle time); ``offered_per_interval``: expected escalations per interval, all segments.
    * ``required``: fewest agents on queue per group and interval that meet the targets (the
      staffing search's answer); ``lower_bound``: the max-flow / workload bound per group.
    * ``scheduled_current`` / ``scheduled_recommended``: agents on queue per group and interval
      under the current roster and under the recommended one (shifts, breaks and shrinkage).
    * ``current`` / ``recommended``: replications of the current roster and of the recommended
      one (the closed loop), records kept for handoff-time distributions; ``compare``: another
      scenario's replications when the planner asked for a comparison.
    * ``misses``: intervals where the recommended roster still misses a target (each segment
      against its own), with by how much; ``segment_verdicts``: each segment over the horizon
      against its own targets, for the verified roster.
    * ``weekly_roster``: for a horizon of exactly a week, the weekly patterns under the labour
      rules that cover the required agents on duty, and the named people on them
      (:mod:`simulator.planning.rostering`); None otherwise. A week publishes this roster, so it
      is what ``recommended`` simulates (the people with their own skills, the hires with the
      group's profile), and ``scheduled_recommended``, ``misses`` and the verdicts are its.
    * ``verified_roster``: which roster ``recommended`` (or, without one, ``current``) simulated,
      in words.
    * ``notes``: plain-language findings (uncoverable skills, bottlenecks, search stops).
    * ``current_agent_hours`` / ``recommended_agent_hours``: agent-hours on duty (shifts less
      breaks) per group over the whole horizon, warm-up included: headcounts of rosters with
      different shift lengths compare fairly only with these.
    * ``fixes``: structural fixes for hours no group can cover, verified ones first
      (:mod:`simulator.planning.fixes`); ``applied_fix``: the 1-based number of the fix this plan
      was made with (None: the scenario as given).
    """

    scenario: Scenario
    seed: int
    replications: int
    interval_start_s: FloatArray
    workload_erlangs: dict[str, FloatArray]
    offered_per_interval: FloatArray
    required: dict[str, IntArray]
    lower_bound: dict[str, IntArray]
    scheduled_current: dict[str, FloatArray]
    scheduled_recommended: dict[str, FloatArray]
    current_headcount: dict[str, int]
    recommended_headcount: dict[str, int]
    schedule: ScheduleResult | None
    current: Replications
    recommended: Replications | None
    compare: Replications | None = None
    misses: tuple[IntervalMiss, ...] = ()
    current_agent_hours: dict[str, float] = field(default_factory=dict)
    recommended_agent_hours: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    method: dict[str, str] = field(default_factory=dict)
    fixes: tuple[ProposedFix, ...] = ()
    applied_fix: int | None = None
    segment_verdicts: tuple[SegmentVerdict, ...] = ()
    weekly_roster: WeeklyRoster | None = None  # a week's horizon: patterns and named people
    verified_roster: str = ""  # which roster the verdict is about, in words

    @property
    def meets_target(self) -> bool:
        """The recommended roster (or the current one, when nothing was recommended) meets every
        target in every interval, up to the simulation's noise: every segment meets its own targets
        over the horizon, and no interval misses clearly (its whole 95 % interval on the wrong
        side) or without an interval to tell when the plan ran one replication. A small desk's
        interval of a few escalations has a 95 % interval wider than any target's margin, and a
        segment of a few an hour may have escalations in an interval in one replication only (no
        interval to tell from ten replications' one escalation): such misses are listed in
        :attr:`noise_misses`, not counted against the plan."""
        return all(v.meets for v in self.segment_verdicts) and not any(self._judged(m) for m in self.misses)

    def _judged(self, miss: IntervalMiss) -> bool:
        """``miss`` counts against the plan: clear, or without a 95 % interval in a plan of one
        replication (nothing there tells noise apart)."""
        return miss.clear or (miss.ci95 is None and self.replications < 2)

    @property
    def recommended_cost(self) -> float:
        """What the published roster costs over its horizon: a week's weekly patterns, else the
        recommended shifts (0 without either)."""
        if self.weekly_roster is not None:
            return float(self.weekly_roster.patterns.cost)
        return float(self.schedule.cost) if self.schedule is not None else 0.0

    @property
    def noise_misses(self) -> int:
        """Intervals whose misses are all within the simulation's noise (not clear: a 95 %
        interval that straddles the target, or none from the one replication that measured it)."""
        judged = {m.interval_start_s for m in self.misses if self._judged(m)}
        return len({m.interval_start_s for m in self.misses} - judged)
