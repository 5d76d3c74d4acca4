"""Demand levels: intervals alike for staffing, searched once each.

Intervals with the same arrival rates, and the same staffing groups able to be on shift, share a
level (a peak-multiplier profile has a handful); the staffing search sizes each level once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.demand import segment_rates_per_s
from simulator.planning.scheduling.data import plan_covers
from simulator.planning.staffing_groups import StaffingGroup
from simulator.scenario import Scenario, ShiftPlan

__all__ = ["DemandLevel", "availability", "demand_levels"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class DemandLevel:
    """Intervals alike for staffing: the same arrival rates and the same groups able to be on shift."""

    rates_per_h: dict[str, float]
    available: frozenset[str]


def demand_levels(
    scenario: Scenario, availability: dict[str, NDArray[np.bool_]] | None = None
) -> tuple[IntArray, list[DemandLevel]]:
    """Per interval (warm-up included) its level index, and the levels.

    ``availability``: staffing group -> per interval, whether its shift plan can reach it (default:
    every group always). Raise a ValueError if the scenario has no demand segments (nothing to
    stack); an IndexError if an availability array is shorter than the interval grid."""
    rates = np.vstack([segment_rates_per_s(seg, scenario) * 3600.0 for seg in scenario.demand])
    names = [s.segment for s in scenario.demand]
    keys: dict[tuple[Any, ...], int] = {}
    levels: list[DemandLevel] = []
    level_of = np.empty(rates.shape[1], np.int64)
    for i in range(rates.shape[1]):
        avail = (
            frozenset(g for g, ok in (availability or {}).items() if ok[i]) if availability else frozenset()
        )
        key = (tuple(np.round(rates[:, i], 6).tolist()), avail)
        if key not in keys:
            keys[key] = len(levels)
            levels.append(DemandLevel(dict(zip(names, key[0], strict=True)), avail))
        level_of[i] = keys[key]
    return level_of, levels


def availability(
    scenario: Scenario, groups: list[StaffingGroup], plans: list[ShiftPlan]
) -> dict[str, NDArray[np.bool_]]:
    """Per staffing group and interval, whether its shift plan allows anyone on duty at the
    interval's midpoint.

    Raise a KeyError naming a group that has no plan (``plans`` must hold one per group, as
    :func:`simulator.planning.shifts.shift_plans_for` gives)."""
    mids = scenario.interval_starts_s + scenario.interval_s / 2
    by_group = {p.group: p for p in plans}
    return {g.name: plan_covers(by_group[g.name], mids) for g in groups}
