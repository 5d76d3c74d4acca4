"""The simulator against queueing theory: where Erlang C (M/M/n) and Erlang A (M/M/n+M) hold,
the exact value must lie inside the 95 % confidence interval of the replications.

One skill, one channel, one slot per agent, stationary Poisson arrivals, exponential handle time
and patience, accept delay 0: the dispatcher then routes exactly as a single M/M/n(+M) queue. The
fast cases run in the default suite; the long ones (more load points, a coverage check over many
seeds, multi-skill bounds) are marked ``slow``.

Each CI is a 95 % interval, so a correct simulator misses the exact value 1 time in 20 on
average. The seeds are fixed (results are deterministic), and the slow coverage test checks the
miss rate itself over many seeds, which is the stronger statement.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.queueing import QueueMetrics, queue_metrics
from simulator.replications import Replications, run_replications
from simulator.scenario import Scenario

CHECKED = ("p_wait", "abandon_rate", "service_level", "asa_s", "occupancy")


def mmn_scenario(
    arrivals_per_hour: float,
    aht_s: float,
    agents: int,
    patience_s: float | None,
    *,
    duration_h: float = 4,
    warmup_h: float = 1,
    threshold_s: float = 20,
) -> Scenario:
    demand: dict[str, Any] = {
        "segment": "general",
        "channel": "chat",
        "skills": {"general": 1},
        "arrivals_per_hour": arrivals_per_hour,
        "handle_time": {"distribution": "exponential", "mean_s": aht_s},
    }
    if patience_s is not None:
        demand["patience"] = {"distribution": "exponential", "mean_s": patience_s}
    return Scenario.model_validate(
        {
            "name": f"m/m/{agents}" + ("+m" if patience_s else ""),
            "start": "2026-12-01T00:00:00",
            "duration_h": duration_h,
            "warmup_h": warmup_h,
            "service_level": {"threshold_s": threshold_s},
            "demand": [demand],
            "roster": [{"group": "agents", "count": agents, "skills": {"general": 3}}],
            "offers": {"accept_delay": {"distribution": "fixed", "mean_s": 0}},
            "routing": {"relaxation": []},
        }
    )


def exact(scenario: Scenario) -> QueueMetrics:
    seg = scenario.demand[0]
    assert seg.arrivals_per_hour is not None
    return queue_metrics(
        seg.arrivals_per_hour / 3600,
        seg.handle_time.mean,
        scenario.roster[0].count,
        scenario.service_level.threshold_s,
        seg.patience.mean if seg.patience else None,
    )


def misses(result: Replications, theory: QueueMetrics, metrics: tuple[str, ...] = CHECKED) -> list[str]:
    """Metrics whose exact value lies outside the replications' 95 % CI, described."""
    out = []
    for metric in metrics:
        est = result.overall(metric)
        value = getattr(theory, metric)
        assert est.ci95 is not None
        lo, hi = est.ci95
        if not lo <= value <= hi:
            out.append(f"{metric}: exact {value:.5f} outside [{lo:.5f}, {hi:.5f}] (mean {est.mean:.5f})")
    return out


FAST_CASES = [
    # (arrivals/h, AHT s, agents, patience s)
    pytest.param(160, 180, 10, None, id="erlang-c-80pct"),
    pytest.param(1000, 150, 50, 60, id="erlang-a-issue-example"),
    pytest.param(300, 240, 18, 120, id="erlang-a-overloaded-20-erlangs-on-18"),
]


@pytest.mark.parametrize(("rate", "aht", "agents", "patience"), FAST_CASES)
def test_simulation_agrees_with_erlang(rate: float, aht: float, agents: int, patience: float | None) -> None:
    scenario = mmn_scenario(rate, aht, agents, patience)
    result = run_replications(scenario, 8, seed=11, keep_records=False)
    assert misses(result, exact(scenario)) == []


def test_erlang_a_without_patience_limit_is_erlang_c_in_simulation_too() -> None:
    """Very patient customers: the simulated abandon rate vanishes and P(wait) meets Erlang C."""
    patient = mmn_scenario(160, 180, 10, 1e7)
    result = run_replications(patient, 6, seed=5, keep_records=False)
    assert result.overall("abandon_rate").mean == 0
    assert misses(result, exact(mmn_scenario(160, 180, 10, None)), ("p_wait", "service_level")) == []


SLOW_CASES = [
    pytest.param(20, 300, 2, None, id="erlang-c-two-agents"),
    pytest.param(50, 60, 1, None, id="m/m/1-83pct"),
    pytest.param(900, 360, 95, None, id="erlang-c-95pct"),
    pytest.param(600, 300, 40, 45, id="erlang-a-impatient"),
    pytest.param(400, 600, 60, 300, id="erlang-a-overloaded"),
    pytest.param(5000, 120, 175, 90, id="erlang-a-large"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("rate", "aht", "agents", "patience"), SLOW_CASES)
def test_simulation_agrees_with_erlang_more_load_points(
    rate: float, aht: float, agents: int, patience: float | None
) -> None:
    scenario = mmn_scenario(rate, aht, agents, patience, duration_h=8)
    result = run_replications(scenario, 10, seed=2, workers=2, keep_records=False)
    assert misses(result, exact(scenario)) == []


@pytest.mark.slow
def test_confidence_intervals_cover_the_exact_value_about_95_percent_of_the_time() -> None:
    """Over 40 seeds x 2 metrics, a correct simulator with correct CIs misses about 4 times; more
    than 10 misses (binomial tail < 0.2 %) means bias in the simulator or intervals too narrow."""
    scenario = mmn_scenario(1000, 150, 50, 60, duration_h=2)
    theory = exact(scenario)
    missed = [
        miss
        for seed in range(40)
        for miss in misses(
            run_replications(scenario, 5, seed=100 + seed, keep_records=False),
            theory,
            ("service_level", "abandon_rate"),
        )
    ]
    assert len(missed) <= 10, missed


@pytest.mark.slow
def test_multi_skill_lands_between_pooled_and_separated_erlang() -> None:
    """Two skills, 20 dedicated agents each plus 10 cross-trained: service must be no better than
    one fully pooled queue of 50 and no worse than two separate queues of 25.

    At 83 % load, where pooling helps. (In heavy overload the service-level order inverts even in
    theory: pooled FIFO serves mostly customers who already waited; abandonment keeps its order.)
    """
    rate, aht, patience = 250.0, 300.0, 90.0
    segments = [
        {
            "segment": skill,
            "channel": "chat",
            "skills": {skill: 1},
            "arrivals_per_hour": rate,
            "handle_time": {"distribution": "exponential", "mean_s": aht},
            "patience": {"distribution": "exponential", "mean_s": patience},
        }
        for skill in ("billing", "technical")
    ]
    roster = [
        {"group": "billing", "count": 20, "skills": {"billing": 3}},
        {"group": "technical", "count": 20, "skills": {"technical": 3}},
        {"group": "both", "count": 10, "skills": {"billing": 3, "technical": 3}},
    ]
    scenario = Scenario.model_validate(
        {
            "name": "two-skills",
            "start": "2026-12-01T00:00:00",
            "duration_h": 8,
            "warmup_h": 1,
            "service_level": {"threshold_s": 20},
            "demand": segments,
            "roster": roster,
            "routing": {"relaxation": []},
        }
    )
    result = run_replications(scenario, 8, seed=4, workers=2, keep_records=False)
    pooled = queue_metrics(2 * rate / 3600, aht, 50, 20, patience)
    separated = queue_metrics(rate / 3600, aht, 25, 20, patience)
    sl = result.overall("service_level")
    abandon = result.overall("abandon_rate")
    assert sl.ci95 is not None
    assert abandon.ci95 is not None
    assert separated.service_level < sl.mean < pooled.service_level
    assert sl.ci95[0] > separated.service_level
    assert pooled.abandon_rate < abandon.mean < separated.abandon_rate
    assert abandon.ci95[1] < separated.abandon_rate
