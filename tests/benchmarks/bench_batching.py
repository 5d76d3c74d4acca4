"""Benchmark of arrival batching: service level, handoff time, assignment cost and wall time for
arrival windows of 0, 0.5 and 2 s (``RoutingSettings.arrival_batch_window_s``).

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_batching.py            # 12 seeds per scenario, about 2-3 min on 2 cores
    python tests/benchmarks/bench_batching.py --quick    # 3 seeds, a smoke run
    python tests/benchmarks/bench_batching.py --seeds 20 --seed 7 --windows 0 0.5 2 5

What is measured
----------------
Each scenario runs ``--seeds`` replications per window; a replication draws its demand once and
every window routes the very same arrivals (paired), so a difference between windows is the
window's, not the draw's. Per scenario and window:

* **SL30**: share of the escalations (created after the warm-up) an agent accepted within 30 s,
  and its change against window 0 as the mean paired difference with a Student-t 95 % interval
  -- a difference whose interval spans 0 is noise;
* **mean / p90 handoff** (created -> accepted, accepted ones) and the **abandon** rate;
* **cost**: the mean cost of the accepted assignments as the router scored them (the winner's
  weighted cost terms, :mod:`routing.cost`: what the solver minimises after priority), and the
  mean **surplus**: proficiency levels the agent had above the required minimums (experts burnt
  on easy work); for the contention scenario also **gen->spec**, the share of general work taken
  by the cross-trained specialists;
* **wall**: seconds per replication (the whole simulation, explanations off, as planners run
  it) and the ratio to window 0. Cost is read in a second run with explanations on (the same
  decisions: explaining never changes routing), so it does not inflate the wall time.

Scenarios
---------
1. **peak**: ``scenarios/ai_support_peak.yaml`` as shipped (24 h, ~1,300 escalations, Poisson
   arrivals: two arrivals inside 2 s are rare).
2. **contention**: two chat segments where the billing agents are a subset of the general ones
   -- 8 generalists (general 3, 3 chats) and 4 specialists (general 3 and billing 4, 2 chats) --
   270 general and 60 billing escalations an hour for 4 h, arriving in bursts: each minute's
   arrivals land together within 0.4 s (an incident, a campaign email). One by one, a general
   escalation can take the last free specialist just before a billing one that only a specialist
   can take.
3. **contention, breadth 0**: the same with the ``skill_breadth`` cost weight at 0, a cost model
   that does not keep cross-trained agents for the work only they can do (shown when the
   setting exists).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import stdtrit

from routing.decisions import Offer
from routing.dispatcher import Dispatcher
from routing.settings import CostWeights
from simulator.demand import Arrivals, generate_demand
from simulator.model import Model
from simulator.records import ABANDONED, RunRecords
from simulator.scenario import Scenario, load_scenario
from simulator.streams import replication_seeds

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD_S = 30.0
BURST_EVERY_S, BURST_SPREAD_S = 60.0, 0.4


# ------------------------------------------------------------------------------------ scenarios
def peak_scenario() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "ai_support_peak.yaml")


def contention_scenario(skill_breadth: float | None = None) -> Scenario:
    """The crafted contention scenario (module docstring); ``skill_breadth`` overrides that weight."""
    chat = {"distribution": "lognormal", "mean_s": 300, "cv": 0.7}
    patience = {"distribution": "lognormal", "mean_s": 180, "cv": 1.0}
    routing: dict[str, Any] = {}
    if skill_breadth is not None:
        routing["weights"] = {"skill_breadth": skill_breadth}
    return Scenario.model_validate(
        {
            "name": "bench-contention",
            "start": "2026-12-01T09:00:00",
            "duration_h": 4,
            "warmup_h": 0.5,
            "interval_min": 15,
            "demand": [
                {
                    "segment": "general",
                    "channel": "chat",
                    "skills": {"general": 2},
                    "arrivals_per_hour": 270,
                    "handle_time": chat,
                    "patience": patience,
                },
                {
                    "segment": "billing",
                    "channel": "chat",
                    "skills": {"billing": 3},
                    "arrivals_per_hour": 60,
                    "handle_time": chat,
                    "patience": patience,
                },
            ],
            "roster": [
                {"group": "generalists", "count": 8, "skills": {"general": 3}, "channels": {"chat": 3}},
                {
                    "group": "specialists",
                    "count": 4,
                    "skills": {"general": 3, "billing": 4},
                    "channels": {"chat": 2},
                },
            ],
            "offers": {
                "accept_delay": {"distribution": "lognormal", "mean_s": 4, "cv": 0.5},
                "decline_probability": 0.02,
                "timeout_s": 20,
            },
            "routing": routing,
        }
    )


def with_window(scenario: Scenario, window_s: float) -> Scenario:
    routing = scenario.routing.model_copy(update={"arrival_batch_window_s": window_s})
    return scenario.model_copy(update={"routing": routing})


def in_bursts(arrivals: Arrivals, seed: int) -> Arrivals:
    """The same escalations, each minute's arriving together within ``BURST_SPREAD_S``."""
    rng = np.random.default_rng(seed)
    t = np.floor(arrivals.created_s / BURST_EVERY_S) * BURST_EVERY_S
    t = t + rng.uniform(0.0, BURST_SPREAD_S, len(arrivals))
    order = np.argsort(t, kind="stable")
    columns = ("kind", "handle_s", "patience_s", "accept_delay_s", "declines")
    moved = {name: getattr(arrivals, name)[order] for name in columns}
    return dataclasses.replace(arrivals, created_s=t[order], **moved)


# ------------------------------------------------------------------------------------ measuring
class CostLog:
    """A dispatcher seen through: every Offer it decides leaves its winner's total cost here, by
    escalation (the last offer of an escalation is the one accepted, if any)."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self.cost: dict[int, float] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._dispatcher, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            out = attr(*args, **kwargs)
            if isinstance(out, list):
                for decision in out:
                    if isinstance(decision, Offer) and decision.explanation is not None:
                        winner = decision.explanation.winner_cost
                        if winner is not None:
                            self.cost[int(decision.escalation_id)] = winner.total
            return out

        return call


def run(scenario: Scenario, arrivals: Arrivals, replication: np.random.SeedSequence, *, costs: bool) -> Any:
    """One replication: (records, wall seconds), or with ``costs`` the winner cost per escalation."""
    model = Model(scenario, arrivals, replication)
    log = None
    if costs:
        model.dispatcher.explain = True
        log = CostLog(model.dispatcher)
        model.dispatcher = log  # type: ignore[assignment]
    began = time.perf_counter()
    records = model.run()
    wall = time.perf_counter() - began
    return log.cost if log is not None else (records, wall)


def surplus_levels(scenario: Scenario) -> Callable[[RunRecords, np.ndarray], np.ndarray]:
    """Proficiency levels above the required minimums, per accepted escalation of ``idx``."""
    required = {seg.segment: seg.skills for seg in scenario.demand}
    held = [group.skills for group in scenario.roster]

    def surplus(records: RunRecords, idx: np.ndarray) -> np.ndarray:
        names = records.arrivals.segments
        seg = records.arrivals.segment[idx]
        grp = records.agent_group[idx]
        return np.array(
            [
                sum(max(held[g].get(skill, 0) - low, 0) for skill, low in required[names[s]].items())
                for s, g in zip(seg.tolist(), grp.tolist(), strict=True)
            ],
            dtype=np.float64,
        )

    return surplus


def measure(
    scenario: Scenario, window_s: float, arrivals: Arrivals, replication: np.random.SeedSequence
) -> dict[str, float]:
    sc = with_window(scenario, window_s)
    records, wall = run(sc, arrivals, replication, costs=False)
    cost = run(sc, arrivals, replication, costs=True)
    keep = np.flatnonzero(records.arrivals.created_s >= sc.start_s + sc.warmup_s)
    handoff = records.handoff_s[keep]
    accepted = keep[~np.isnan(handoff)]
    answered = handoff[~np.isnan(handoff)]
    out = {
        "sl": float(np.count_nonzero(answered <= THRESHOLD_S)) / keep.size,
        "mean": float(answered.mean()),
        "p90": float(np.quantile(answered, 0.9)),
        "abandon": float(np.count_nonzero(records.outcome[keep] == ABANDONED)) / keep.size,
        "cost": float(np.mean([cost[i] for i in accepted.tolist()])),
        "surplus": float(surplus_levels(sc)(records, accepted).mean()),
        "wall": wall,
    }
    names = [g.group for g in sc.roster]
    if "specialists" in names:
        general_seg = records.arrivals.segments.index("general")
        general = accepted[records.arrivals.segment[accepted] == general_seg]
        spec = names.index("specialists")
        out["gen_spec"] = float(np.count_nonzero(records.agent_group[general] == spec)) / general.size
    return out


def ci95(values: list[float]) -> float:
    """Half-width of the Student-t 95 % interval of the mean of ``values``."""
    n = len(values)
    return float(stdtrit(n - 1, 0.975) * np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else math.nan


# ------------------------------------------------------------------------------------ reporting
def bench(name: str, scenario: Scenario, windows: list[float], seeds: int, seed: int, bursts: bool) -> None:
    rows: dict[float, list[dict[str, float]]] = {w: [] for w in windows}
    for k, replication in enumerate(replication_seeds(seed, seeds)):
        arrivals = generate_demand(scenario, replication)
        if bursts:
            arrivals = in_bursts(arrivals, seed * 1_000 + k)
        for w in windows:
            rows[w].append(measure(scenario, w, arrivals, replication))
    n_esc = len(arrivals)
    print(f"\n{name}: {seeds} seeds, ~{n_esc:,} escalations per replication")
    spec = "gen_spec" in rows[windows[0]][0]
    header = (
        f"{'window':>7}{'SL30':>8}{'dSL30 vs 0 (95% CI)':>22}{'mean s':>8}{'p90 s':>7}{'abandon':>9}"
        f"{'cost':>7}{'surplus':>9}{'gen->spec' if spec else '':>10}{'wall s':>8}{'x':>6}"
    )
    print(header)
    base = rows[windows[0]]
    for w in windows:
        r = rows[w]

        def mean(key: str, r: list[dict[str, float]] = r) -> float:
            return float(np.mean([x[key] for x in r]))

        diff = [x["sl"] - b["sl"] for x, b in zip(r, base, strict=True)]
        delta = "" if w == windows[0] else f"{100 * np.mean(diff):+.2f} ± {100 * ci95(diff):.2f} pt"
        print(
            f"{w:>6g}s{100 * mean('sl'):>7.2f}%{delta:>22}{mean('mean'):>8.1f}{mean('p90'):>7.1f}"
            f"{100 * mean('abandon'):>8.2f}%{mean('cost'):>7.3f}{mean('surplus'):>9.3f}"
            + (f"{100 * mean('gen_spec'):>9.2f}%" if spec else f"{'':>10}")
            + f"{mean('wall'):>8.3f}{mean('wall') / float(np.mean([b['wall'] for b in base])):>6.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds: a smoke run")
    parser.add_argument("--seeds", type=int, default=None, help="replications per scenario (default 12)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--windows", type=float, nargs="+", default=[0.0, 0.5, 2.0])
    args = parser.parse_args()
    seeds = args.seeds or (3 if args.quick else 12)
    windows = sorted(set(args.windows) | {0.0})
    warnings.simplefilter("ignore", RuntimeWarning)  # empty slices of a replication without data
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}; windows {', '.join(f'{w:g} s' for w in windows)}"
    )
    began = time.perf_counter()
    bench("peak (scenarios/ai_support_peak.yaml)", peak_scenario(), windows, seeds, args.seed, False)
    bench(
        "contention (bursts, billing agents a subset of general)",
        contention_scenario(),
        windows,
        seeds,
        args.seed,
        True,
    )
    if "skill_breadth" in CostWeights.model_fields:
        bench("contention, skill_breadth weight 0", contention_scenario(0.0), windows, seeds, args.seed, True)
    print(f"\ntotal {time.perf_counter() - began:.0f} s; load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
