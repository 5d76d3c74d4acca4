"""Coverage gaps: demand that no staffing can serve, because no group able to serve it can be on shift.

A gap is a part of a segment (a :class:`~simulator.planning.skill_graph.DemandKind`: one language
and customer tier) in an interval where it has demand but no staffing group that serves it (at full
relaxation, as the staffing search sees it) can be on shift under its shift plan. Two reasons:

* ``"no_skill"``: no group serves that kind at all (nobody has the skill, the tier, the language);
* ``"no_shift"``: some groups serve it, but none of their shift plans reaches the interval.

Built from the skill graph of the staffing groups and the availability the staffing search uses
(:func:`simulator.planning.demand_levels.availability`), so a gap here is exactly demand the search
leaves unstaffed. Cheap (no simulation): a fix's effect on the gaps is measured by calling
:func:`find_gaps` on the fixed scenario.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from simulator.demand import segment_rates_per_s
from simulator.planning.demand_levels import availability
from simulator.planning.shifts import shift_plans_for
from simulator.planning.skill_graph import DemandKind, scenario_skill_graph
from simulator.planning.staffing_groups import always_on, staffing_groups
from simulator.scenario import Scenario

__all__ = ["CoverageGap", "GapReason", "Gaps", "find_gaps"]

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
GapReason = Literal["no_skill", "no_shift"]


@dataclass(frozen=True, slots=True)
class CoverageGap:
    """One demand kind without service: ``intervals`` (a mask over the scenario's whole interval
    grid, warm-up included, never true in warm-up) where it has demand and nobody can be on shift
    to serve it; ``escalations`` expected in those intervals; ``servers``: the staffing groups that
    could serve it if they were on shift (empty for ``"no_skill"``)."""

    kind: DemandKind
    reason: GapReason
    intervals: BoolArray
    escalations: float
    servers: tuple[str, ...]

    @property
    def segment(self) -> str:
        return self.kind.segment


@dataclass(frozen=True, slots=True)
class Gaps:
    """Every gap of a scenario (see :func:`find_gaps`), and views a planner reads."""

    gaps: tuple[CoverageGap, ...]
    interval_h: float

    def __bool__(self) -> bool:
        return bool(self.gaps)

    def cells(self) -> dict[tuple[str, str, str, int], float]:
        """(segment, language, customer tier, interval) -> expected escalations, for every gap
        interval of every kind: what fixes close, weighted by the demand they serve."""
        out: dict[tuple[str, str, str, int], float] = {}
        for gap in self.gaps:
            idx = np.flatnonzero(gap.intervals)
            each = gap.escalations / idx.size if idx.size else 0.0
            for i in idx.tolist():
                out[(gap.kind.segment, gap.kind.language, str(gap.kind.customer_tier), i)] = each
        return out

    def segment_intervals(self) -> dict[str, BoolArray]:
        """Per segment, the intervals where some part of it has no service."""
        out: dict[str, BoolArray] = {}
        for gap in self.gaps:
            prev = out.get(gap.segment)
            out[gap.segment] = gap.intervals if prev is None else prev | gap.intervals
        return out

    def hours_by_segment(self) -> dict[str, float]:
        """Per segment, the hours in which some part of it has no service."""
        return {s: float(m.sum()) * self.interval_h for s, m in self.segment_intervals().items()}

    def escalations(self) -> float:
        """Expected escalations, over the horizon, that nobody can serve."""
        return float(sum(g.escalations for g in self.gaps))


def find_gaps(scenario: Scenario) -> Gaps:
    """The scenario's coverage gaps (see the module docstring), in segment and kind order.

    Raise a ValueError for a scenario without demand segments."""
    if not scenario.demand:
        raise ValueError("coverage gaps need demand segments (a replayed log alone has no forecast)")
    groups = staffing_groups(scenario)
    profile = scenario.model_copy(update={"roster": [always_on(g, 1) for g in groups]})
    graph = scenario_skill_graph(profile, relaxation_level="full")
    on_shift = availability(scenario, groups, shift_plans_for(scenario, groups))
    first = scenario.warmup_intervals
    rates = {s.segment: segment_rates_per_s(s, scenario) for s in scenario.demand}
    out: list[CoverageGap] = []
    for kind, servers in zip(graph.kinds, graph.serves, strict=True):
        demand = rates[kind.segment] * kind.share
        reachable = _any(on_shift[name] for name in servers)
        mask = (demand > 0) & ~reachable if reachable is not None else demand > 0
        mask[:first] = False
        if not mask.any():
            continue
        out.append(
            CoverageGap(
                kind=kind,
                reason="no_shift" if servers else "no_skill",
                intervals=mask,
                escalations=float(demand[mask].sum() * scenario.interval_s),
                servers=tuple(servers),
            )
        )
    return Gaps(tuple(out), scenario.interval_s / 3600.0)


def _any(masks: Iterable[BoolArray]) -> BoolArray | None:
    out: BoolArray | None = None
    for m in masks:
        out = m.copy() if out is None else out | m
    return out
