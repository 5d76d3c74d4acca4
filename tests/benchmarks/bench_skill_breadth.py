"""Benchmark of the skill-breadth cost term: longest idle first (weight 0) against the default weight.

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_skill_breadth.py            # full run, about a minute on 2 cores
    python tests/benchmarks/bench_skill_breadth.py --quick    # smoke run, a few seconds
    python tests/benchmarks/bench_skill_breadth.py --weight 1 --replications 80 --seed 7

What is measured
----------------
Both policies run the same replications (same seeds: common random numbers, so both serve the
very same customers with the very same handle times and patience), through the production
dispatcher (``simulator.replications.run_replications``); only
``routing.weights.skill_breadth`` differs. Each figure is the mean over replications with its
95 % Student-t interval; the difference column is the mean of the *paired* per-replication
differences (default minus weight 0) with its 95 % interval, which is what tells a real effect from
noise: the spread between replications is far wider than the effect, the paired one much narrower.

1. **Two skills** (an N-design turned W): 10 agents with skill A only, 10 with B only, 4
   cross-trained with both, one chat at a time; A and B arrive alike (Poisson), exponential
   handle time 300 s and patience 300 s, total load 0.85; 8 h after 1 h of warm-up, no relaxation.
   Longest-idle sends A work to a cross-trained agent whenever they have been idle longest,
   though an A specialist is free, and the next B customer finds nobody who can take them.
2. **The shipped peak day** ``scenarios/ai_support_peak.yaml`` (11 groups, 6 segments, shifts in
   three time zones, concurrency, shrinkage): service level, mean handoff and per-segment P(wait).

Metrics (``simulator.metrics``): service level = accepted within 30 s / offered; P(wait) = share
not offered to an agent the moment they arrived; mean handoff (ASA) = created -> accepted, mean
over accepted escalations (the mean wait of those served); abandon rate.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.special import stdtrit  # Student t quantile, as simulator.replications uses

from routing.settings import CostWeights
from simulator.replications import Replications, default_workers, run_replications
from simulator.scaleout import ReplicationPool, replication_pool
from simulator.scenario import Scenario, load_scenario

PEAK = Path(__file__).resolve().parents[2] / "scenarios" / "ai_support_peak.yaml"
DEFAULT_WEIGHT = CostWeights().skill_breadth
FloatArray = NDArray[np.float64]

AHT_S, PATIENCE_S, LOAD = 300.0, 300.0, 0.85
GROUPS = (("A only", {"A": 3}, 10), ("B only", {"B": 3}, 10), ("A and B", {"A": 3, "B": 3}, 4))


def two_skill_scenario(hours: float) -> Scenario:
    """Dedicated A and B groups and a cross-trained one, one slot each, at total load 0.85."""
    agents = sum(count for _, _, count in GROUPS)
    per_skill_per_h = LOAD * agents * 3600 / AHT_S / 2
    return Scenario.model_validate(
        {
            "name": "bench-two-skills",
            "start": "2026-12-01T00:00:00",
            "duration_h": hours,
            "warmup_h": 1,
            "service_level": {"threshold_s": 30},
            "demand": [
                {
                    "segment": skill,
                    "channel": "chat",
                    "skills": {skill: 1},
                    "arrivals_per_hour": per_skill_per_h,
                    "handle_time": {"distribution": "exponential", "mean_s": AHT_S},
                    "patience": {"distribution": "exponential", "mean_s": PATIENCE_S},
                }
                for skill in ("A", "B")
            ],
            "roster": [
                {"group": name, "count": count, "skills": skills, "channels": {"chat": 1}}
                for name, skills, count in GROUPS
            ],
            "routing": {"relaxation": []},
        }
    )


def with_weight(scenario: Scenario, weight: float) -> Scenario:
    """``scenario`` routed with ``skill_breadth`` = ``weight`` (every other setting kept)."""
    weights = CostWeights.model_validate({**scenario.routing.weights.model_dump(), "skill_breadth": weight})
    return scenario.model_copy(update={"routing": scenario.routing.model_copy(update={"weights": weights})})


# ------------------------------------------------------------------------------------ figures
def per_run(result: Replications, metric: str, segment: str | None = None) -> FloatArray:
    """One value per replication: the overall metric, or the segment's."""
    if segment is None:
        return np.array([run.overall[metric] for run in result.runs])
    return np.array([run.segments[segment][metric] for run in result.runs])


def mean_pm(values: FloatArray, scale: float, *, signed: bool = False) -> str:
    """``"mean ±h"`` with h the 95 % Student-t half-width over replications (NaNs left out)."""
    v = scale * values[~np.isnan(values)]
    if v.size == 0:
        return "n/a"
    mean = f"{v.mean():+.2f}" if signed else f"{v.mean():.2f}"
    if v.size < 2:
        return mean
    return f"{mean} ±{float(stdtrit(v.size - 1, 0.975)) * v.std(ddof=1) / math.sqrt(v.size):.2f}"


def table(
    title: str, weight: float, base: Replications, new: Replications, rows: list[tuple[str, str, str | None]]
) -> None:
    """One table: a row per (label, metric, segment) with both policies and the paired difference."""
    print(f"\n{title}\n{len(base.runs)} replications from seed {base.seed}")
    head = f"{'':<32}{'longest idle (w=0)':>20}{f'skill breadth (w={weight:g})':>24}{'difference':>16}"
    print(head)
    print("-" * len(head))
    for label, metric, segment in rows:
        scale, unit = (1.0, "s") if metric == "asa_s" else (100.0, "%")
        b, n = per_run(base, metric, segment), per_run(new, metric, segment)
        print(
            f"{f'{label} ({unit})':<32}{mean_pm(b, scale):>20}{mean_pm(n, scale):>24}"
            f"{mean_pm(n - b, scale, signed=True):>16}"
        )


def compare(
    scenario: Scenario, weight: float, replications: int, seed: int, pool: ReplicationPool | None
) -> tuple[Replications, Replications]:
    """The same replications routed longest idle first (weight 0) and with ``weight``."""
    base = run_replications(with_weight(scenario, 0.0), replications, seed, keep_records=False, pool=pool)
    new = run_replications(with_weight(scenario, weight), replications, seed, keep_records=False, pool=pool)
    return base, new


# ---------------------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few replications: a smoke run")
    parser.add_argument(
        "--replications",
        type=int,
        default=None,
        help="of the two-skill system (the peak day runs 5x as many)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--weight", type=float, default=DEFAULT_WEIGHT, help="compared against 0")
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()
    two_reps = args.replications or (8 if args.quick else 40)
    peak_reps = 5 * two_reps
    began = time.perf_counter()
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{args.workers} worker(s), load average {os.getloadavg()[0]:.2f}"
    )
    pool = replication_pool(args.workers) if args.workers > 1 else contextlib.nullcontext()
    with pool as workers:
        two = two_skill_scenario(2.0 if args.quick else 8.0)
        table(
            "Two skills: 10 A only, 10 B only, 4 A and B; load 0.85, AHT 300 s, patience 300 s",
            args.weight,
            *compare(two, args.weight, two_reps, args.seed, workers),
            [
                ("service level 30 s", "service_level", None),
                ("P(wait)", "p_wait", None),
                ("P(wait), A", "p_wait", "A"),
                ("P(wait), B", "p_wait", "B"),
                ("mean handoff, A", "asa_s", "A"),
                ("mean handoff, B", "asa_s", "B"),
                ("abandon rate", "abandon_rate", None),
            ],
        )
        peak = load_scenario(PEAK)
        table(
            f"Peak day: scenarios/{PEAK.name}",
            args.weight,
            *compare(peak, args.weight, peak_reps, args.seed, workers),
            [
                ("service level 30 s", "service_level", None),
                ("mean handoff", "asa_s", None),
                ("P(wait)", "p_wait", None),
                *((f"P(wait), {seg.segment}", "p_wait", seg.segment) for seg in peak.demand),
                ("abandon rate", "abandon_rate", None),
            ],
        )
    print(
        "\n± is the 95 % Student-t half-width over replications. Both policies run the same seeds, so "
        "the difference\n(paired per replication) is far narrower than the spread of either column."
    )
    print(f"wall {time.perf_counter() - began:.0f} s, load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
