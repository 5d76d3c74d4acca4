"""Benchmark of capacity planning: the wall time of ``handoff plan`` on the peak scenario, where
the time goes, and the speed-up of 2 workers over 1 for replications (process pool and Dask).

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_plan.py            # plan ai_support_peak + the scale-out figures
    python tests/benchmarks/bench_plan.py --quick    # smaller replication batches
    python tests/benchmarks/bench_plan.py --week     # the weekly cases only: rostering, whole plan

Floor (from the planning issue): ``handoff plan scenarios/ai_support_peak.yaml`` within 120 s on
a 2-core machine. Weekly case (:mod:`tests.benchmarks.week_world`: 500 named agents, 8 sites in
several time zones, 10 segments, 7 days x 96 quarter-hours): the pattern stage within 30 s and the
assignment stage within 10 s for 2,000 people, and the whole week plan (search, shifts, closed
loop, patterns, named people, verification) within 300 s; the stages are also timed as the requirement and the
people grow, with the greedy baseline's paid hours beside CP-SAT's. Figures are wall-clock on a
shared machine: expect noise; the load average is
printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: tests.benchmarks

from reports.capacity_report import write_report
from simulator.planning.plan import PlanOptions, plan_capacity
from simulator.planning.rostering import assign_people, plan_patterns, roster_violations
from simulator.planning.rostering.pattern_baseline import greedy_solution, solution_cost
from simulator.planning.rostering.week_patterns import COST_SCALE, build_week_data
from simulator.replications import default_workers, run_replications
from simulator.scaleout import replication_pool
from simulator.scenario import LabourRules, load_scenario
from tests.benchmarks import week_world

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def time_plan(workers: int) -> None:
    scenario = load_scenario(SCENARIOS / "ai_support_peak.yaml")
    stages: list[tuple[str, float]] = []
    began = time.perf_counter()

    def progress(stage: str, _done: int, _total: int) -> None:
        stages.append((stage, time.perf_counter()))

    plan = plan_capacity(scenario, PlanOptions(replications=10, workers=workers), progress=progress)
    planned = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write_report(plan, Path(out))
    ended = time.perf_counter()
    print(f"handoff plan ai_support_peak.yaml (10 replications, {workers} worker(s)):")
    buckets: dict[str, float] = {}
    for (stage, at), (_, nxt) in zip(stages, [*stages[1:], ("", planned)], strict=True):
        name = "staffing search" if stage.startswith("staffing level") else stage
        buckets[name] = buckets.get(name, 0.0) + (nxt - at)
    for name, seconds in buckets.items():
        print(f"  {name:<34} {seconds:7.1f} s")
    print(f"  {'report (charts, HTML, CSV, JSON)':<34} {ended - planned:7.1f} s")
    total = ended - began
    print(f"  {'total':<34} {total:7.1f} s   {'PASS' if total <= 120 else 'MISS'} (floor 120 s)")
    print(f"  search: {plan.method.get('staffing', '')}")


def time_scale_out(replications: int) -> None:
    scenario = load_scenario(SCENARIOS / "ai_support_peak.yaml")
    print(f"\n{replications} replications of ai_support_peak.yaml, summaries only:")
    began = time.perf_counter()
    run_replications(scenario, replications, seed=1, keep_records=False)
    one = time.perf_counter() - began
    print(f"  1 process                 {one:7.2f} s")
    for label, dask in (("2 local processes", None), ("Dask LocalCluster, 2", "local")):
        try:
            with replication_pool(2, dask) as pool:
                run_replications(scenario, 2, seed=99, keep_records=False, pool=pool)  # warm the workers
                began = time.perf_counter()
                run_replications(scenario, replications, seed=1, keep_records=False, pool=pool)
                two = time.perf_counter() - began
        except RuntimeError as exc:  # Dask not installed
            print(f"  {label:<25} skipped: {exc}")
            continue
        print(f"  {label:<25} {two:7.2f} s   speed-up {one / two:.2f}x over 1 process")


def time_week(workers: int, time_limit_s: float, scales: tuple[float, ...]) -> None:
    """Both rostering stages as the week grows: requirement x scale, 500 x scale named agents."""
    rules = LabourRules()
    print(f"\nweekly rostering: 8 sites, 16 groups, 10 segments, 7 x 96 intervals, {workers} worker(s)")
    print(f"  pattern stage: CP-SAT, time limit {time_limit_s:g} s (required agent-h: a bound on paid h)")
    print(
        "  scale  people  required_h  greedy_paid_h  paid_h  patterns  status      pattern_s"
        "  (data_s greedy_s)  rostered  hires  spare  violations  assign_s"
    )
    for scale in scales:
        world = week_world.build(round(500 * scale), scale)
        req = world.requirement
        began = time.perf_counter()
        data = build_week_data(req, world.plans, rules)
        build_s = time.perf_counter() - began
        greedy_h = sum(solution_cost(g, greedy_solution(g)) for g in data) / COST_SCALE
        greedy_s = time.perf_counter() - began - build_s
        began = time.perf_counter()
        result = plan_patterns(req, world.plans, rules, time_limit_s=time_limit_s, workers=workers)
        pattern_s = time.perf_counter() - began
        began = time.perf_counter()
        roster = assign_people(result, world.people, world.profiles)
        assign_s = time.perf_counter() - began
        bad = roster_violations(roster, rules, world.people, world.profiles)
        need_h = sum(float(a.sum()) for a in req.agents.values()) * req.interval_min / 60
        paid_h = result.paid_hours
        print(
            f"  {scale:5g}  {len(world.people):6d}  {need_h:10.0f}  {greedy_h:13.0f}  {paid_h:6.0f}"
            f"  {len(result.patterns):8d}  {result.status.value:<10}  {pattern_s:9.1f}"
            f"  ({build_s:6.1f} {greedy_s:8.1f})"
            f"  {len(roster.assignments):8d}  {sum(h.count for h in roster.hires):5d}  {len(roster.spare):5d}"
            f"  {len(bad):10d}  {assign_s:8.2f}"
        )
        floors = [f"pattern stage {'PASS' if pattern_s <= 30 else 'MISS'} (30 s)"] if scale == 1 else []
        if len(world.people) >= 2000:
            floors.append(f"assignment {'PASS' if assign_s <= 10 else 'MISS'} (10 s at 2,000 people)")
        if floors:
            print("         " + "; ".join(floors) + f"; load average {os.getloadavg()[0]:.1f}")


def time_week_plan(workers: int, replications: int) -> None:
    """The whole weekly plan (search, shifts, closed loop, patterns, named people, verification)
    on :func:`tests.benchmarks.week_world.week_scenario`: 500 named agents, 16 site groups in 8
    time zones, 10 segments, 7 x 96 quarter-hours."""
    scenario = week_world.week_scenario(500)
    stages: list[tuple[str, float]] = []
    began = time.perf_counter()

    def progress(stage: str, _done: int, _total: int) -> None:
        stages.append((stage, time.perf_counter()))

    plan = plan_capacity(scenario, PlanOptions(replications=replications, workers=workers), progress=progress)
    ended = time.perf_counter()
    print(
        f"\nweek plan, 500 named agents, 8 sites, 10 segments ({replications} replications, "
        f"{workers} worker(s)):"
    )
    buckets: dict[str, float] = {}
    for (stage, at), (_, nxt) in zip(stages, [*stages[1:], ("", ended)], strict=True):
        name = "staffing search" if stage.startswith("staffing level") else stage
        buckets[name] = buckets.get(name, 0.0) + (nxt - at)
    for name, seconds in buckets.items():
        print(f"  {name:<44} {seconds:7.1f} s")
    total = ended - began
    verdict = "meets its targets" if plan.meets_target else "misses"
    floor = "PASS" if total <= 300 else "MISS"
    print(f"  {'total':<44} {total:7.1f} s   {floor} (floor 300 s); plan {verdict}")
    print(f"  search: {plan.method.get('staffing', '')}; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications in the scale-out part")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--week", action="store_true", help="the weekly cases only (rostering, whole plan)")
    parser.add_argument("--week-replications", type=int, default=5, help="whole week plan: replications")
    parser.add_argument("--pattern-limit-s", type=float, default=20.0, help="pattern stage time limit")
    parser.add_argument(
        "--scales", type=float, nargs="+", default=[0.5, 1.0, 2.0, 4.0], help="weekly case: demand x scale"
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}\n")
    if not args.week:
        time_plan(args.workers)
        time_scale_out(8 if args.quick else 24)
    time_week(args.workers, args.pattern_limit_s, tuple(args.scales))
    time_week_plan(args.workers, args.week_replications)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
