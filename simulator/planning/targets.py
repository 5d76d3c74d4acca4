"""Judging replications against the scenario's targets, in the one catalogue's order.

Both the staffing search (:func:`relative_shortfall`, one candidate) and the closed loop
(:func:`interval_misses`, per interval) walk ``scenario.service_level.targets``
(:class:`simulator.scenario.Target`): service level, then the abandonment, p95 handoff and
occupancy caps that are set. Segment targets are judged per segment, pool targets over all the
escalations the agents serve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from simulator.metric_catalogue import SHARES
from simulator.planning.result import IntervalMiss
from simulator.replications import Replications, estimate_columns
from simulator.scenario import Scenario, Target

__all__ = ["interval_misses", "relative_shortfall"]


def relative_shortfall(
    result: Replications, scenario: Scenario, segments: Sequence[str]
) -> tuple[float, list[str], bool]:
    """Sum of relative shortfalls of the means, failing segments, and whether any CI straddles.

    Every segment target for each of ``segments`` in turn, then the pool targets: each mean on
    the wrong side of its goal adds ``gap / goal``; a mean that does not exist (NaN) adds nothing.
    Raise a KeyError if a segment has no results in ``result``."""
    total, failing, unsure = 0.0, [], False

    def check(target: Target, scope: str | None) -> None:
        nonlocal total, unsure
        est = result.segment(scope, target.metric) if scope is not None else result.overall(target.metric)
        if not math.isfinite(est.mean):
            return
        gap = target.gap(est.mean)
        if gap > 0:
            total += gap / max(target.goal, 1e-9)
            if scope is not None and scope not in failing:
                failing.append(scope)
        if est.ci95 is not None and est.ci95[0] < target.goal < est.ci95[1]:
            unsure = True

    targets = scenario.service_level.targets
    for seg in segments:
        for target in targets:
            if target.scope == "segment":
                check(target, seg)
    for target in targets:
        if target.scope == "pool":
            check(target, None)
    return total, failing, unsure


def interval_misses(result: Replications, scenario: Scenario) -> list[IntervalMiss]:
    """Intervals whose mean misses a target (service level, abandonment, p95, occupancy), in
    interval then metric order.

    Raises nothing for replications of ``scenario`` (a KeyError if ``result`` lacks a metric's
    per-interval column)."""
    misses: list[IntervalMiss] = []
    starts = result.interval_start_s
    for target in scenario.service_level.targets:
        metric, goal = target.metric, target.goal
        mean, low, high = estimate_columns(result.per_interval(metric), share=metric in SHARES)
        for k, value in enumerate(mean.tolist()):
            if not math.isfinite(value):
                continue
            gap = target.gap(value)
            if gap > 1e-12:
                ci = (float(low[k]), float(high[k])) if math.isfinite(low[k]) else None
                misses.append(IntervalMiss(float(starts[k]), metric, value, goal, gap, ci))
    misses.sort(key=lambda m: (m.interval_start_s, m.metric))
    return misses
