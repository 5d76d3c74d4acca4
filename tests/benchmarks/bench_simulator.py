"""Benchmark of the simulator: escalations per wall-second beside plain SimPy and ciw, a multi-skill
run, and peak memory for a million escalations.

Run as a script (it is not a pytest module)::

    pip install -e ".[bench]"                              # ciw and psutil
    python tests/benchmarks/bench_simulator.py            # full run, a few minutes on 2 cores
    python tests/benchmarks/bench_simulator.py --quick    # smoke run, well under a minute

What is measured
----------------
1. **M/M/50+M** (1,000 escalations/h, AHT 150 s, patience 60 s, exponential), the same model run
   in this one process by (a) handoff's simulator (``simulator.model.simulate``: demand
   generation plus the SimPy run through the production dispatcher), (b) a plain SimPy model
   written here (a process per customer, ``Resource`` + ``req | timeout``), (c) ciw when it is
   installed. Each runs ``--rounds`` times, interleaved, so machine noise hits all three alike;
   the best round of each is compared (ratios side by side, one run).
2. **Multi-skill**: 20 skills, 1,000 agents in 3 tiers (each agent 3 skills at proficiency
   2-5), 20 segments (one required skill each, complexity tiers 1-3, a VIP share), ~85 % load.
3. **Peak RSS** of a child process that simulates 1,000,000 escalations of the same model at
   twice the scale (2,000/h on 100 agents: a scenario horizon is at most 31 days), records kept,
   read from ``resource.getrusage`` after the run.

Floors (from the simulator issue): handoff >= 0.5x plain SimPy and >= 1.0x ciw; multi-skill
>= 20,000 escalations/s; peak RSS for 1M escalations <= 200 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np
import simpy

from simulator.model import simulate
from simulator.scenario import Scenario
from simulator.streams import replication_seeds

RATE_PER_H, AHT_S, PATIENCE_S, AGENTS = 1000.0, 150.0, 60.0, 50


def mm50_scenario(escalations: int, scale: int = 1) -> Scenario:
    """The M/M/50+M scenario with a horizon long enough for about ``escalations`` arrivals.

    ``scale`` multiplies arrival rate and agents together (same load per agent), to fit a long
    run into a scenario's longest horizon (31 days).
    """
    return Scenario.model_validate(
        {
            "name": "bench-mm50m",
            "start": "2026-12-01T00:00:00",
            "duration_h": escalations / (RATE_PER_H * scale),
            "warmup_h": 0,
            "interval_min": 60,
            "demand": [
                {
                    "segment": "general",
                    "channel": "chat",
                    "skills": {"general": 1},
                    "arrivals_per_hour": RATE_PER_H * scale,
                    "handle_time": {"distribution": "exponential", "mean_s": AHT_S},
                    "patience": {"distribution": "exponential", "mean_s": PATIENCE_S},
                }
            ],
            "roster": [{"group": "agents", "count": AGENTS * scale, "skills": {"general": 3}}],
            "routing": {"relaxation": []},
        }
    )


def multi_skill_scenario(hours: float, seed: int = 7) -> Scenario:
    """20 skills, 1,000 agents in 3 tiers, 20 segments at ~85 % load (chat, one slot each)."""
    rng = np.random.default_rng(seed)
    skills = [f"skill{k:02d}" for k in range(20)]
    aht_s = 300.0
    roster = []
    for g in range(100):  # 100 groups of 10 agents: 3 skills each, every skill in 15 groups
        chosen = [skills[(g + j * 7) % 20] for j in range(3)]
        roster.append(
            {
                "group": f"g{g:03d}",
                "count": 10,
                "tier": 1 + g % 3,
                "skills": {s: int(rng.integers(2, 6)) for s in chosen},
            }
        )
    capacity_per_h = 1000 * 3600 / aht_s
    demand = [
        {
            "segment": f"seg-{s}",
            "channel": "chat",
            "skills": {s: 2},
            "complexity_tier": 1 + k % 3,
            "arrivals_per_hour": 0.85 * capacity_per_h / 20,
            "handle_time": {"distribution": "exponential", "mean_s": aht_s},
            "patience": {"distribution": "exponential", "mean_s": 120},
            "customer_tiers": {"standard": 0.9, "priority": 0.08, "vip": 0.02},
        }
        for k, s in enumerate(skills)
    ]
    return Scenario.model_validate(
        {
            "name": "bench-multi-skill",
            "start": "2026-12-01T00:00:00",
            "duration_h": hours,
            "warmup_h": 0,
            "interval_min": 60,
            "demand": demand,
            "roster": roster,
        }
    )


# ------------------------------------------------------------------------------------- runners
def run_handoff(scenario: Scenario, seed: int) -> tuple[int, float, dict[str, Any]]:
    began = time.perf_counter()
    records = simulate(scenario, replication_seeds(seed, 1)[0])
    wall = time.perf_counter() - began
    n = len(records.arrivals)
    abandoned = float(np.mean(records.outcome == 3))
    return n, wall, {"abandon_rate": abandoned, "events": records.events}


def run_plain_simpy(escalations: int, seed: int) -> tuple[int, float, dict[str, Any]]:
    """A process per customer: ``Resource`` request raced against a patience timeout."""
    rng = np.random.default_rng(seed)
    lam = RATE_PER_H / 3600
    horizon_s = escalations / lam
    env = simpy.Environment()
    agents = simpy.Resource(env, AGENTS)
    counts = {"arrived": 0, "abandoned": 0}

    def customer(handle_s: float, patience_s: float) -> Any:
        with agents.request() as req:
            got = yield req | env.timeout(patience_s)
            if req in got:
                yield env.timeout(handle_s)
            else:
                counts["abandoned"] += 1

    def source() -> Any:
        while True:
            yield env.timeout(rng.exponential(1 / lam))
            counts["arrived"] += 1
            env.process(customer(rng.exponential(AHT_S), rng.exponential(PATIENCE_S)))

    began = time.perf_counter()
    env.process(source())
    env.run(until=horizon_s)
    wall = time.perf_counter() - began
    return counts["arrived"], wall, {"abandon_rate": counts["abandoned"] / max(1, counts["arrived"])}


def run_ciw(escalations: int, seed: int) -> tuple[int, float, dict[str, Any]] | None:
    try:
        import ciw  # type: ignore[import-not-found]
    except ImportError:
        return None
    lam = RATE_PER_H / 3600
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)],
        service_distributions=[ciw.dists.Exponential(rate=1 / AHT_S)],
        number_of_servers=[AGENTS],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / PATIENCE_S)],
    )
    ciw.seed(seed)
    began = time.perf_counter()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(escalations / lam)
    wall = time.perf_counter() - began
    records = sim.get_all_records()
    reneged = sum(1 for r in records if r.record_type == "renege")
    arrived = len({r.id_number for r in records}) + len(sim.nodes[1].all_individuals)
    return arrived, wall, {"abandon_rate": reneged / max(1, arrived)}


def rss_child(escalations: int) -> None:
    """In a child process: simulate, then print peak RSS in MB (the parent parses it)."""
    n, wall, _ = run_handoff(mm50_scenario(escalations, scale=2), seed=1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"RSS {n} {wall:.3f} {peak_mb:.1f}")


def measure_rss(escalations: int) -> tuple[int, float, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(escalations)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RSS "))
    _, n, wall, peak = line.split()
    return int(n), float(wall), float(peak)


# ---------------------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds per model")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rss-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child is not None:
        rss_child(args.rss_child)
        return

    escalations = 20_000 if args.quick else 200_000
    rounds = args.rounds or (1 if args.quick else 2)
    multi_hours = 2.0 if args.quick else 20.0
    rss_escalations = 100_000 if args.quick else 1_000_000
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"M/M/{AGENTS}+M: {RATE_PER_H:g}/h, AHT {AHT_S:g} s, patience {PATIENCE_S:g} s, "
        f"~{escalations:,} escalations, {rounds} interleaved round(s), best round kept\n"
    )

    scenario = mm50_scenario(escalations)
    best: dict[str, tuple[int, float, dict[str, Any]]] = {}
    for r in range(rounds):
        for name, run in (
            ("handoff", lambda r=r: run_handoff(scenario, args.seed + r)),
            ("plain SimPy", lambda r=r: run_plain_simpy(escalations, args.seed + r)),
            ("ciw", lambda r=r: run_ciw(escalations, args.seed + r)),
        ):
            result = run()
            if result is None:
                continue
            if name not in best or result[0] / result[1] > best[name][0] / best[name][1]:
                best[name] = result
    print(f"{'model':<14}{'escalations':>12}{'wall s':>9}{'esc/s':>10}{'abandon':>9}")
    for name, (n, wall, extra) in best.items():
        print(f"{name:<14}{n:>12,}{wall:>9.2f}{n / wall:>10,.0f}{100 * extra['abandon_rate']:>8.2f}%")
    rate = {name: n / wall for name, (n, wall, _) in best.items()}

    n_multi, wall_multi, extra = run_handoff(multi_skill_scenario(multi_hours), args.seed)
    multi_rate = n_multi / wall_multi
    print(
        f"\nmulti-skill (20 skills, 1,000 agents, 3 tiers): {n_multi:,} escalations in "
        f"{wall_multi:.2f} s = {multi_rate:,.0f} esc/s, abandon {100 * extra['abandon_rate']:.2f}%"
    )

    n_rss, wall_rss, peak_mb = measure_rss(rss_escalations)
    print(
        f"peak RSS simulating {n_rss:,} escalations (records kept): {peak_mb:.0f} MB "
        f"({wall_rss:.1f} s, {n_rss / wall_rss:,.0f} esc/s)"
    )

    print("\nfloors")
    checks = [("handoff / plain SimPy >= 0.5", rate["handoff"] / rate["plain SimPy"], 0.5, True)]
    if "ciw" in rate:
        checks.append(("handoff / ciw >= 1.0", rate["handoff"] / rate["ciw"], 1.0, True))
    else:
        print("  handoff / ciw: ciw not installed (pip install -e '.[bench]')")
    checks.append(("multi-skill esc/s >= 20,000", multi_rate, 20_000, True))
    if not args.quick:
        checks.append(("peak RSS for 1M escalations <= 200 MB", peak_mb, 200, False))
    for label, value, floor, higher_is_better in checks:
        ok = value >= floor if higher_is_better else value <= floor
        print(f"  {label:<40} {value:>10,.2f}  {'PASS' if ok else 'MISS'}")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
