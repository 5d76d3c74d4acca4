"""Judging replications against the scenario's targets, in the one catalogue's order.

Every segment is judged against its own targets (:meth:`simulator.scenario.Scenario.
segment_service_level`: the segment's ``service_level`` over the scenario-wide one), the pool
targets (occupancy) over all the escalations the agents serve. Three readers walk the same
:class:`simulator.scenario.Target` lists: the staffing search (:func:`relative_shortfall`, one
candidate), the closed loop (:func:`interval_misses`, per segment and interval) and the report's
per-segment verdict (:func:`segment_verdicts`, over the horizon).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np

from simulator.metric_catalogue import SHARES
from simulator.planning.result import IntervalMiss, SegmentVerdict, TargetCheck
from simulator.replications import Estimate, Replications, estimate, estimate_columns
from simulator.scenario import Scenario, Target

__all__ = ["interval_misses", "pool_targets", "relative_shortfall", "segment_targets", "segment_verdicts"]


def segment_targets(scenario: Scenario, segment: str) -> tuple[Target, ...]:
    """The segment-scope targets ``segment`` is judged against (its own, else the scenario's), in
    catalogue order. Raise a KeyError naming an unknown segment."""
    return tuple(t for t in scenario.segment_service_level(segment).targets if t.scope == "segment")


def pool_targets(scenario: Scenario) -> tuple[Target, ...]:
    """The targets judged over every escalation the agents serve (occupancy)."""
    return tuple(t for t in scenario.service_level.targets if t.scope == "pool")


def _lost(result: Replications, segment: str) -> Estimate:
    """A segment's share of escalations lost to it, per replication: abandoned, or deferred
    (callback or ticket: nobody who could serve it was there)."""
    rates = [run.segments[segment] for run in result.runs]
    lost = [r["abandon_rate"] + r["deferral_rate"] for r in rates]
    return estimate(lost, share=True)


def relative_shortfall(
    result: Replications,
    scenario: Scenario,
    segments: Sequence[str],
    staffable: Collection[str] = (),
) -> tuple[float, list[str], bool]:
    """Sum of relative shortfalls of the means, failing segments, and whether any CI straddles.

    Each of ``segments`` against its own targets in turn, then the pool targets: each mean on the
    wrong side of its goal adds ``gap / goal``; a mean that does not exist (NaN) adds nothing.
    The abandonment cap of a ``staffable`` segment (every part of it has a group that can serve
    it, so a deferral there is for want of agents) is judged on the escalations it loses,
    abandoned **or deferred**: a candidate with none of the only group able to serve it defers all
    of it and abandons none, and judged on abandonment alone it would look better than one agent
    who serves most of it while a few customers leave, so a search would never add that first
    agent. Elsewhere (a part nobody can serve is deferred whatever the staffing), and in the closed
    loop and the verdicts, abandonment is judged as measured.
    Raise a KeyError if a segment has no results in ``result`` or is not in ``scenario``."""
    total, failing, unsure = 0.0, [], False

    def check(target: Target, scope: str | None) -> None:
        nonlocal total, unsure
        if scope is None:
            est = result.overall(target.metric)
        elif target.metric == "abandon_rate" and scope in staffable:
            est = _lost(result, scope)
        else:
            est = result.segment(scope, target.metric)
        if not math.isfinite(est.mean):
            return
        gap = target.gap(est.mean)
        if gap > 0:
            total += gap / max(target.goal, 1e-9)
            if scope is not None and scope not in failing:
                failing.append(scope)
        if est.ci95 is not None and est.ci95[0] < target.goal < est.ci95[1]:
            unsure = True

    for seg in segments:
        for target in segment_targets(scenario, seg):
            check(target, seg)
    for target in pool_targets(scenario):
        check(target, None)
    return total, failing, unsure


def _misses(
    rows: np.ndarray, target: Target, starts: Sequence[float], segment: str | None
) -> list[IntervalMiss]:
    mean, low, high = estimate_columns(rows, share=target.metric in SHARES)
    out: list[IntervalMiss] = []
    for k, value in enumerate(mean.tolist()):
        if not math.isfinite(value):
            continue
        gap = target.gap(value)
        if gap > 1e-12:
            ci = (float(low[k]), float(high[k])) if math.isfinite(low[k]) else None
            out.append(IntervalMiss(float(starts[k]), target.metric, value, target.goal, gap, ci, segment))
    return out


def interval_misses(result: Replications, scenario: Scenario) -> list[IntervalMiss]:
    """Intervals whose mean misses a target: each segment's own targets on that segment's
    escalations of the interval (``segment`` set), the pool targets on all of them
    (``segment`` None); in interval, metric, then segment order.

    Raises nothing for replications of ``scenario`` (a KeyError if ``result`` lacks a metric's
    per-interval column)."""
    starts = result.interval_start_s.tolist()
    misses: list[IntervalMiss] = []
    for seg in result.runs[0].segment_intervals:
        try:
            targets = segment_targets(scenario, seg)
        except KeyError:  # a replayed log's segment that the scenario does not plan
            continue
        for target in targets:
            misses.extend(_misses(result.segment_per_interval(seg, target.metric), target, starts, seg))
    for target in pool_targets(scenario):
        misses.extend(_misses(result.per_interval(target.metric), target, starts, None))
    misses.sort(key=lambda m: (m.interval_start_s, m.metric, m.segment or ""))
    return misses


def segment_verdicts(result: Replications, scenario: Scenario) -> tuple[SegmentVerdict, ...]:
    """Per demand segment, in scenario order: its own targets against the horizon-wide means of
    ``result`` (with their 95 % intervals). Raise a KeyError if ``result`` lacks a segment."""
    out: list[SegmentVerdict] = []
    for d in scenario.demand:
        own = scenario.segment_service_level(d.segment)
        checks = []
        for target in segment_targets(scenario, d.segment):
            est = result.segment(d.segment, target.metric)
            checks.append(
                TargetCheck(target.metric, target.goal, target.higher_is_better, est.mean, est.ci95)
            )
        out.append(SegmentVerdict(d.segment, own.threshold_s, d.service_level is not None, tuple(checks)))
    return tuple(out)
