"""Benchmark of the simulator as users run it: the ``handoff simulate`` process beside plain SimPy
and ciw processes, where its time goes, a multi-skill run, and how time and memory grow.

Run as a script (it is not a pytest module)::

    pip install -e ".[bench]"                              # ciw and psutil
    python tests/benchmarks/bench_simulator.py            # full run, about 5 minutes on 2 cores
    python tests/benchmarks/bench_simulator.py --quick    # smoke run, under a minute

What is measured
----------------
1. **Whole process, M/M/50+M** (1,000 escalations/h, AHT 150 s, patience 60 s, exponential;
   ~300,000 escalations): (a) ``handoff simulate scenario.json -r 1 --workers 1 --out DIR`` --
   start-up, scenario loading, demand, the SimPy run through the production dispatcher, the
   summaries, ``summary.json``/``intervals.csv``/``records.csv`` written; (b) a plain SimPy
   model (a process per customer, ``Resource`` + ``req | timeout``) and (c) ciw with reneging,
   each as its own Python process too (imports included). ``--rounds`` interleaved rounds, the
   best of each kept; wall time and peak RSS of each child process (``os.wait4``).
2. **Where the time goes** in the handoff process: start-up imports, scenario loading, demand
   generation, the event loop (and the dispatcher's share of it, timed per call), summaries,
   writing the result files.
3. **In process**, the same model through ``simulator.model.simulate`` beside plain SimPy and ciw
   (the README's older figure), and the **multi-skill** case: 20 skills, 1,000 agents in 3 tiers
   (each agent 3 skills at proficiency 2-5), 20 segments (one required skill each, complexity
   tiers 1-3, a VIP share), ~85 % load.
4. **Growth**: the whole ``handoff simulate`` process at 100k, 300k and 1M escalations (the 1M run
   at twice the scale, 2,000/h on 100 agents, as a scenario horizon is at most 31 days): time
   and peak RSS per step and the ratio to the step before against the ratio of escalations.

Floors (issue 16): whole process >= 0.6x plain SimPy (goal 1.0x) and >= 1.5x ciw; multi-skill
>= 30,000 escalations/s in process; 1,000,000 escalations with records written in <= 150 MB
peak RSS for the whole process.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
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
        import ciw  # type: ignore[import-not-found,import-untyped,unused-ignore]
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


# --------------------------------------------------------------------------- whole processes
def _wait_child(argv: list[str]) -> tuple[float, float, str]:
    """Run ``argv`` to the end; return (wall s, peak RSS MB of that one process, its stdout)."""
    began = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} failed with exit code {code}:\n{out[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out  # ru_maxrss in KiB on Linux


def scenario_file(escalations: int, workdir: Path, scale: int = 1) -> Path:
    path = workdir / f"mm50_{escalations}x{scale}.json"
    if not path.exists():
        path.write_text(mm50_scenario(escalations, scale).model_dump_json(), encoding="utf-8")
    return path


def handoff_process(escalations: int, seed: int, workdir: Path, scale: int = 1) -> tuple[int, float, float]:
    """``handoff simulate`` as a user runs it, records written: (escalations, wall s, peak RSS MB)."""
    scenario = scenario_file(escalations, workdir, scale)
    out_dir = workdir / f"out-{escalations}x{scale}"
    # the console script beside this interpreter (not a version-manager shim in front of it)
    script = Path(sys.executable).with_name("handoff")
    handoff = str(script) if script.exists() else shutil.which("handoff")
    argv = [handoff] if handoff else [sys.executable, "-c", "from reports.cli import main; main()"]
    argv += [
        "simulate",
        str(scenario),
        "-r",
        "1",
        "--workers",
        "1",
        "--seed",
        str(seed),
        "--out",
        str(out_dir),
    ]
    wall, peak_mb, _ = _wait_child(argv)
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    n = int(summary["run"]["escalations_per_replication"])
    shutil.rmtree(out_dir)
    return n, wall, peak_mb


def reference_process(model: str, escalations: int, seed: int) -> tuple[int, float, float] | None:
    """Plain SimPy or ciw in a Python process of its own (imports included)."""
    if model == "ciw" and importlib.util.find_spec("ciw") is None:
        return None
    wall, peak_mb, out = _wait_child(
        [sys.executable, __file__, "--child", model, str(escalations), str(seed)]
    )
    n = int(next(x for x in out.splitlines() if x.startswith("N ")).split()[1])
    return n, wall, peak_mb


def child(model: str, escalations: int, seed: int) -> None:
    result = run_plain_simpy(escalations, seed) if model == "simpy" else run_ciw(escalations, seed)
    assert result is not None
    print(f"N {result[0]}")


# ------------------------------------------------------------------------------ time breakdown
DISPATCHER_CALLS = (
    "escalation_arrived",
    "escalation_arrived_and_accepted",
    "work_completed",
    "offer_accepted",
    "offer_declined",
    "escalation_abandoned",
    "queue_estimate",
    "tick",
    "next_wakeup_s",
    "set_agent_status",
)


def phases_child(escalations: int, seed: int, workdir: str) -> None:
    """In a fresh process: time each stage of ``handoff simulate`` and print ``PHASE name s`` lines."""
    began = time.perf_counter()
    import reports.cli  # noqa: F401  (the command's own start-up)
    from simulator.console import print_summary  # noqa: F401
    from simulator.metrics import summarise
    from simulator.model import Model
    from simulator.output import write_intervals, write_records, write_summary
    from simulator.replications import Replications
    from simulator.scenario import load_scenario

    marks = [("start-up imports", time.perf_counter() - began)]

    def mark(name: str, since: float) -> float:
        now = time.perf_counter()
        marks.append((name, now - since))
        return now

    from routing.dispatcher import Dispatcher
    from simulator.demand import generate_demand

    spent = [0.0]
    depth = [0]

    def timed(fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if depth[0]:
                return fn(*args, **kwargs)
            depth[0] += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t0
                depth[0] -= 1

        return wrapper

    for name in DISPATCHER_CALLS:
        setattr(Dispatcher, name, timed(getattr(Dispatcher, name)))

    t = time.perf_counter()
    scenario = load_scenario(scenario_file(escalations, Path(workdir)))
    t = mark("scenario loading", t)
    seq = replication_seeds(seed, 1)[0]
    arrivals = generate_demand(scenario, seq)
    t = mark("demand generation", t)
    model = Model(scenario, arrivals, seq, record_etas=True)
    t = mark("roster and dispatcher set-up", t)
    records = model.run()
    loop = time.perf_counter() - t
    marks.append(("event loop: model and SimPy", loop - spent[0]))
    marks.append(("event loop: dispatcher calls", spent[0]))
    t = time.perf_counter()
    summary = summarise(records, scenario)
    result = Replications(scenario, seed, {g.group: g.count for g in scenario.roster}, (summary,), (records,))
    t = mark("summaries", t)
    out = Path(workdir) / "phases-out"
    out.mkdir(exist_ok=True)
    write_summary(result, out / "summary.json")
    write_intervals(result, out / "intervals.csv")
    t = mark("summary.json and intervals.csv", t)
    write_records(result, out / "records.csv")
    mark("records.csv", t)
    print(f"N {len(arrivals)}")
    for name, seconds in marks:
        print(f"PHASE {seconds:.6f} {name}")


def print_phases(escalations: int, seed: int, workdir: Path) -> None:
    # the wrappers add about a microsecond per dispatcher call: the split is a close estimate
    _, _, out = _wait_child(
        [sys.executable, __file__, "--phases-child", str(escalations), str(seed), str(workdir)]
    )
    n = int(next(x for x in out.splitlines() if x.startswith("N ")).split()[1])
    phases = [line.split(" ", 2)[1:] for line in out.splitlines() if line.startswith("PHASE ")]
    total = sum(float(s) for s, _ in phases)
    print(f"\nwhere the time goes in handoff simulate ({n:,} escalations, one process, {total:.2f} s in all)")
    for seconds, name in phases:
        print(f"  {name:<34}{float(seconds):>8.2f} s {100 * float(seconds) / total:>5.1f}%")


# ---------------------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds per model")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=3, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--phases-child", nargs=3, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    if args.phases_child is not None:
        phases_child(int(args.phases_child[0]), int(args.phases_child[1]), args.phases_child[2])
        return

    escalations = 30_000 if args.quick else 300_000
    rounds = args.rounds or (1 if args.quick else 2)
    in_process = 10_000 if args.quick else 50_000
    multi_hours = 1.0 if args.quick else 10.0
    growth = (10_000, 30_000, 100_000) if args.quick else (100_000, 300_000, 1_000_000)
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp:
        workdir = Path(tmp)
        print(
            f"whole process, M/M/{AGENTS}+M: {RATE_PER_H:g}/h, AHT {AHT_S:g} s, patience {PATIENCE_S:g} s, "
            f"~{escalations:,} escalations, {rounds} interleaved round(s), best round kept\n"
        )
        procs: dict[str, tuple[int, float, float]] = {}
        for r in range(rounds):
            for name, run in (
                ("handoff simulate", functools.partial(handoff_process, escalations, args.seed + r, workdir)),
                ("plain SimPy", functools.partial(reference_process, "simpy", escalations, args.seed + r)),
                ("ciw", functools.partial(reference_process, "ciw", escalations, args.seed + r)),
            ):
                got = run()
                if got is not None and (
                    name not in procs or got[0] / got[1] > procs[name][0] / procs[name][1]
                ):
                    procs[name] = got
        print(f"{'process':<18}{'escalations':>12}{'wall s':>9}{'esc/s':>10}{'peak RSS':>10}")
        for name, (n, wall, peak) in procs.items():
            print(f"{name:<18}{n:>12,}{wall:>9.2f}{n / wall:>10,.0f}{peak:>7.0f} MB")
        whole = {name: n / wall for name, (n, wall, _) in procs.items()}

        print_phases(escalations // 3, args.seed, workdir)

        print(f"\nin process, ~{in_process:,} escalations (demand and event loop only)")
        scenario = mm50_scenario(in_process)
        best: dict[str, tuple[int, float, dict[str, Any]]] = {}
        for name, run_in in (
            ("handoff", functools.partial(run_handoff, scenario, args.seed)),
            ("plain SimPy", functools.partial(run_plain_simpy, in_process, args.seed)),
            ("ciw", functools.partial(run_ciw, in_process, args.seed)),
        ):
            measured = run_in()
            if measured is not None:
                best[name] = measured
        print(f"{'model':<18}{'escalations':>12}{'wall s':>9}{'esc/s':>10}{'abandon':>9}")
        for name, (n, wall, extra) in best.items():
            print(f"{name:<18}{n:>12,}{wall:>9.2f}{n / wall:>10,.0f}{100 * extra['abandon_rate']:>8.2f}%")

        n_multi, wall_multi, extra = run_handoff(multi_skill_scenario(multi_hours), args.seed)
        multi_rate = n_multi / wall_multi
        print(
            f"\nmulti-skill (20 skills, 1,000 agents, 3 tiers), in process: {n_multi:,} escalations in "
            f"{wall_multi:.2f} s = {multi_rate:,.0f} esc/s, abandon {100 * extra['abandon_rate']:.2f}%"
        )

        print("\ngrowth of the whole handoff simulate process (records written)")
        print(
            f"{'escalations':>12}{'wall s':>9}{'esc/s':>10}{'peak RSS':>10}"
            f"{'x esc':>8}{'x time':>8}{'x RSS':>8}"
        )
        steps: list[tuple[int, float, float]] = []
        for target in growth:
            scale = 2 if target > 500_000 else 1
            if target == escalations and "handoff simulate" in procs:
                step = procs["handoff simulate"]  # measured above, best of the rounds
            else:
                step = handoff_process(target, args.seed, workdir, scale)
            ratios = ""
            if steps:
                p = steps[-1]
                ratios = f"{step[0] / p[0]:>8.2f}{step[1] / p[1]:>8.2f}{step[2] / p[2]:>8.2f}"
            print(f"{step[0]:>12,}{step[1]:>9.2f}{step[0] / step[1]:>10,.0f}{step[2]:>7.0f} MB{ratios}")
            steps.append(step)
        peak_last = steps[-1][2]

    print("\nfloors")
    checks = [
        ("whole process: handoff / plain SimPy >= 0.6", whole["handoff simulate"] / whole["plain SimPy"], 0.6)
    ]
    if "ciw" in whole:
        checks.append(("whole process: handoff / ciw >= 1.5", whole["handoff simulate"] / whole["ciw"], 1.5))
    else:
        print("  handoff / ciw: ciw not installed (pip install -e '.[bench]')")
    checks.append(("multi-skill esc/s in process >= 30,000", multi_rate, 30_000))
    for label, value, floor in checks:
        print(f"  {label:<46} {value:>10,.2f}  {'PASS' if value >= floor else 'MISS'}")
    rss_label = f"peak RSS for {steps[-1][0]:,} escalations <= 150 MB"
    if args.quick:
        print(f"  {rss_label:<46} {peak_last:>10,.0f}  (1M only in the full run)")
    else:
        print(f"  {rss_label:<46} {peak_last:>10,.0f}  {'PASS' if peak_last <= 150 else 'MISS'}")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
