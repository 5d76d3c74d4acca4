"""A small but real :class:`CapacityPlan`: simulated, sized with Erlang A, scheduled with CP-SAT.

Two demand segments (general and billing chat), two agent groups, 5 h after a 30-min warm-up in
New York time, 3 replications. The current roster is short at the late-morning peak; the
recommended one has more agents (``counts=``), the way :func:`simulator.planning.plan_capacity`
will re-simulate its recommendation. Built once per test session (a few seconds; the ``plan``
fixture of ``conftest.py``); :func:`without_recommendation` strips it to a plan that recommends
nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from simulator.demand import segment_rates_per_s
from simulator.metric_catalogue import metric
from simulator.planning import scenario_on_queue_agents, scenario_workload_erlangs
from simulator.planning.result import CapacityPlan, IntervalMiss
from simulator.planning.scheduling import schedule_shifts
from simulator.planning.targets import segment_verdicts
from simulator.queueing import staff_for_target
from simulator.replications import Replications, estimate_columns, run_replications
from simulator.scenario import Scenario, ShiftPlan

#: segment -> the group that serves it (the fixture's skill graph is two separate pools)
SERVES = {"general-chat": "generalists", "billing-chat": "billing"}


def small_scenario(
    name: str = "report-fixture", *, demand_scale: float = 1.0, quiet_start: bool = False
) -> Scenario:
    """The fixture's scenario; ``quiet_start``: no escalations at all in the first hour after
    warm-up (intervals without data: their rates and times do not exist)."""
    doc: dict[str, Any] = {
        "name": name,
        "description": "Two chat segments, two groups, a late-morning peak.",
        "time_zone": "America/New_York",
        "start": "2026-12-01T08:00:00",
        "duration_h": 5,
        "warmup_h": 0.5,
        "interval_min": 15,
        "service_level": {"threshold_s": 30, "target": 0.8, "max_abandon_rate": 0.08, "max_occupancy": 0.9},
        "demand": [
            {
                "segment": "general-chat",
                "channel": "chat",
                "skills": {"general": 2},
                "arrivals_per_hour": 50 * demand_scale,
                "peaks": [{"start": "10:00", "end": "12:00", "multiplier": 1.8}],
                "handle_time": {"distribution": "lognormal", "mean_s": 300, "cv": 0.7},
                "patience": {"distribution": "exponential", "mean_s": 90},
            },
            {
                "segment": "billing-chat",
                "channel": "chat",
                "skills": {"billing": 3},
                "arrivals_per_hour": 20 * demand_scale,
                "peaks": [{"start": "10:30", "end": "12:30", "multiplier": 1.5}],
                "handle_time": {"distribution": "exponential", "mean_s": 420},
                "patience": {"distribution": "exponential", "mean_s": 120},
                "service_level": {"threshold_s": 20, "target": 0.85},  # its own promise
            },
        ],
        "roster": [
            {"group": "generalists", "count": 6, "skills": {"general": 3}, "shrinkage": 0.1},
            {"group": "billing", "count": 3, "skills": {"billing": 4}, "time_zone": "Europe/Dublin"},
        ],
        "offers": {
            "accept_delay": {"distribution": "lognormal", "mean_s": 5, "cv": 0.5},
            "decline_probability": 0.02,
            "timeout_s": 20,
        },
    }
    if quiet_start:  # 15-min volumes: the warm-up busy, then a silent hour, then steady
        for seg, volume in zip(doc["demand"], (14, 6), strict=True):
            del seg["arrivals_per_hour"], seg["peaks"]
            seg["volume_per_interval"] = [volume] * 2 + [0] * 4 + [volume] * 16
    return Scenario.model_validate(doc)


def _post_warmup(scenario: Scenario) -> slice:
    return slice(round(scenario.warmup_s / scenario.interval_s), scenario.intervals)


def erlang_a_required(scenario: Scenario) -> dict[str, np.ndarray]:
    """Agents on queue per group and interval: Erlang A per segment (each served by one group)."""
    target = scenario.service_level
    post = _post_warmup(scenario)
    required = {g.group: np.zeros(scenario.intervals - post.start, dtype=np.int64) for g in scenario.roster}
    for seg in scenario.demand:
        assert seg.patience is not None
        rates = segment_rates_per_s(seg, scenario)[post]
        required[SERVES[seg.segment]] += np.array(
            [
                staff_for_target(
                    float(rate),
                    seg.handle_time.mean,
                    target.target,
                    target.threshold_s,
                    patience_s=seg.patience.mean,
                    max_abandon=target.max_abandon_rate,
                ).agents
                for rate in rates
            ],
            dtype=np.int64,
        )
    return required


def _misses(scenario: Scenario, result: Replications) -> tuple[IntervalMiss, ...]:
    """Intervals where the mean over replications is on the wrong side of one of the scenario's
    targets."""
    out = []
    for target in scenario.service_level.targets:
        mean, _, _ = estimate_columns(result.per_interval(target.metric), share=metric(target.metric).share)
        for start, value in zip(result.interval_start_s.tolist(), mean.tolist(), strict=True):
            if not target.met_by(value):
                out.append(IntervalMiss(start, target.metric, value, target.goal, target.gap(value)))
    return tuple(sorted(out, key=lambda m: (m.interval_start_s, m.metric)))


def build_plan(scenario: Scenario | None = None, *, compare: bool = True) -> CapacityPlan:
    """Simulate, size, schedule and re-simulate ``scenario`` (default :func:`small_scenario`)."""
    scenario = scenario or small_scenario()
    seed, reps = 7, 3
    post = _post_warmup(scenario)
    required = erlang_a_required(scenario)
    current = run_replications(scenario, reps, seed, keep_records=True)
    starts = current.interval_start_s
    plans = [
        ShiftPlan.model_validate(
            {
                "group": "generalists",
                "time_zone": "America/New_York",
                "templates": [
                    {"name": "full-8h", "length_h": 8, "earliest_start": "06:00", "latest_start": "10:00"},
                    {"name": "part-4h", "length_h": 4, "earliest_start": "08:00", "latest_start": "12:00"},
                ],
            }
        ),
        ShiftPlan.model_validate(
            {
                "group": "billing",
                "time_zone": "Europe/Dublin",
                "templates": [
                    {"name": "part-4h", "length_h": 4, "earliest_start": "12:00", "latest_start": "17:00"}
                ],
            }
        ),
    ]
    schedule = schedule_shifts(
        required, plans, start_s=float(starts[0]), interval_min=scenario.interval_min, time_limit_s=5.0
    )
    counts = {g: max(int(np.max(r)), 1) + 1 for g, r in required.items()}
    recommended = run_replications(scenario, reps, seed, counts=counts, keep_records=True)
    other = None
    if compare:
        what_if = small_scenario(f"{scenario.name} +25 % demand", demand_scale=1.25)
        other = run_replications(what_if, reps, seed, counts=counts, keep_records=False)
    on_queue = scenario_on_queue_agents(scenario)
    workload = {k: v[post] for k, v in scenario_workload_erlangs(scenario).items()}
    offered = sum(segment_rates_per_s(seg, scenario)[post] for seg in scenario.demand) * scenario.interval_s
    return CapacityPlan(
        scenario=scenario,
        seed=seed,
        replications=reps,
        interval_start_s=starts,
        workload_erlangs=workload,
        offered_per_interval=np.asarray(offered, dtype=np.float64),
        required=required,
        lower_bound={g: np.ceil(r * 0.8).astype(np.int64) for g, r in required.items()},
        scheduled_current={g: v[post] for g, v in on_queue.items()},
        scheduled_recommended={g: np.asarray(schedule.coverage[g], dtype=np.float64) for g in required},
        current_headcount={g.group: g.count for g in scenario.roster},
        recommended_headcount=dict(schedule.headcount),
        schedule=schedule,
        current=current,
        recommended=recommended,
        compare=other,
        misses=_misses(scenario, recommended),
        segment_verdicts=segment_verdicts(recommended, scenario),
        notes=(
            "generalists and billing are independent pools (no shared skill).",
            "The late-morning peak sets the headcount of both groups.",
        ),
        method={
            "staffing": "Erlang A per interval and segment (warm start), refined by simulation",
            "scheduling": f"OR-Tools CP-SAT ({schedule.method})",
            "verification": f"{reps} replications of the recommended roster, common random numbers",
        },
    )


def without_recommendation(plan: CapacityPlan) -> CapacityPlan:
    """``plan`` as the planner returns it when it recommends nothing: no schedule, no recommended
    roster, no compared scenario, no misses: a current roster that meets every target, interval
    by interval and (its segment verdicts) over the horizon."""
    met = tuple(
        dataclasses.replace(v, checks=tuple(dataclasses.replace(c, value=c.goal) for c in v.checks))
        for v in plan.segment_verdicts
    )
    return dataclasses.replace(
        plan,
        segment_verdicts=met,
        schedule=None,
        recommended=None,
        compare=None,
        scheduled_recommended={},
        recommended_headcount=dict(plan.current_headcount),
        misses=(),
    )
