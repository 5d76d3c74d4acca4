"""The staffing search against Erlang A, where its assumptions hold."""

from __future__ import annotations

from simulator.planning import PlanOptions, SearchSettings, plan_capacity
from simulator.queueing import staff_for_target
from tests.simulator.planning.small_scenario import scenario


def test_search_returns_the_erlang_a_answer_where_its_assumptions_hold() -> None:
    """One skill, stationary Poisson, exponential handle and patience, accept delay 0: the
    simulation search lands within one agent of the exact Erlang A staffing."""
    s = scenario()
    exact = staff_for_target(200 / 3600, 180, 0.8, 20, 120).agents
    plan = plan_capacity(
        s,
        PlanOptions(
            replications=2,
            search=SearchSettings(horizon_h=4, replications=8, max_replications=32),
            shift_time_limit_s=2,
        ),
    )
    required = set(plan.required["agents"].tolist())
    assert len(required) == 1
    assert abs(required.pop() - exact) <= 1
