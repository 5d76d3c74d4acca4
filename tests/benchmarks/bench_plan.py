"""Benchmark of capacity planning: the wall time of ``handoff plan`` on the peak scenario, where
the time goes, and the speed-up of 2 workers over 1 for replications (process pool and Dask).

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_plan.py            # plan ai_support_peak + the scale-out figures
    python tests/benchmarks/bench_plan.py --quick    # smaller replication batches

Floor (from the planning issue): ``handoff plan scenarios/ai_support_peak.yaml`` within 120 s on
a 2-core machine. Figures are wall-clock on a shared machine: expect noise; the load average is
printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from reports.capacity_report import write_report
from simulator.planning.plan import PlanOptions, plan_capacity
from simulator.replications import default_workers, run_replications
from simulator.scaleout import replication_pool
from simulator.scenario import load_scenario

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications in the scale-out part")
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}\n")
    time_plan(args.workers)
    time_scale_out(8 if args.quick else 24)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
