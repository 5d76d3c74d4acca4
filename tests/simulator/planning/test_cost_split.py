"""The cost-aware split between groups that serve the same segments, and the paid-hours bound."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.planning import PlanOptions, plan_capacity
from simulator.planning.coverage import min_agents
from simulator.planning.search import LevelSearch, SearchSettings
from simulator.planning.shifts import shift_plans_for
from simulator.planning.skill_graph import scenario_skill_graph
from simulator.planning.staffing_groups import queue_cost_per_h, staffing_groups
from simulator.scenario import Scenario
from tests.factories import exponential, group, make_scenario, segment

FAST = SearchSettings(horizon_h=1.0, warmup_h=0.25, replications=3, max_replications=6, max_steps=60)


def two_sites(dear_cost: float = 2.0) -> Scenario:
    """general chat (150/h, 2-min handle times) that two groups of the same skills can serve:
    ``cheap`` at 1 a paid hour, ``dear`` at ``dear_cost``; billing chat only ``dear`` can serve."""
    return make_scenario(
        demand=[
            segment("general", arrivals_per_hour=150, patience=exponential(300)),
            segment("billing", arrivals_per_hour=30, skills={"billing": 2}, patience=exponential(300)),
        ],
        roster=[
            group("cheap", count=3, skills={"general": 3}, cost_per_paid_hour=1.0),
            group("dear", count=3, skills={"general": 3, "billing": 3}, cost_per_paid_hour=dear_cost),
        ],
        service_level={"threshold_s": 30, "target": 0.8},
        duration_h=2,
        warmup_h=0.5,
        interval_min=30,
        routing={"relaxation": []},
    )


def test_groups_that_differ_only_by_pay_are_priced_apart() -> None:
    s = two_sites()
    groups = staffing_groups(s)
    assert [g.name for g in groups] == ["cheap", "dear"]
    plans = shift_plans_for(s, groups)
    prices = [queue_cost_per_h(g, p) for g, p in zip(groups, plans, strict=True)]
    assert prices[1] == pytest.approx(2 * prices[0])
    assert prices[0] == pytest.approx(1.0)  # 8 paid of 8.5 h with a 30-min unpaid break: 1 per hour on duty


def test_the_cheapest_mix_that_carries_the_workload_leaves_the_dear_group_to_what_only_it_serves() -> None:
    s = two_sites()
    graph = scenario_skill_graph(s, relaxation_level="full")
    workload = {"general": 150 / 3600 * 120, "billing": 30 / 3600 * 120}
    (bound,) = min_agents(graph, workload, {"cheap": 1.0, "dear": 2.0})
    assert int(bound.by_group["dear"][0]) == 1  # 1 erlang of billing: one dear agent
    assert int(bound.by_group["cheap"][0]) == 5  # 5 erlangs of general


def test_the_search_trades_dear_agents_for_cheap_ones_where_both_serve() -> None:
    """Started with everyone on the dear group, the search ends with the dear group doing only
    what the cheap one cannot (billing), and no more agents than the same search at equal pay."""
    s = two_sites()
    groups = staffing_groups(s)
    serves = {"cheap": {"general"}, "dear": {"general", "billing"}}
    priced = LevelSearch(s, list(s.demand), groups, serves, 3, FAST, price_per_h=[1.0, 2.0])
    counts, outcome = priced.search((0, 10))
    assert outcome == "met"
    flat = LevelSearch(s, list(s.demand), groups, serves, 3, FAST)
    flat_counts, _ = flat.search((0, 10))
    assert counts[1] < flat_counts[1]
    assert counts[0] > 0
    assert priced.evaluate(counts).meets
    assert not priced.evaluate((counts[0] + 1, counts[1] - 1)).meets  # the dear agents left are needed


def test_the_plan_uses_the_cheaper_group_wherever_both_can_serve() -> None:
    """End to end: the dear group is required for no more than the billing it alone can serve
    needs on its own, the cheap one carries general chat; paid hours and cost never below the LP bound."""
    s = two_sites()
    plan = plan_capacity(s, PlanOptions(replications=2, search=FAST, shift_time_limit_s=2.0))
    cheap, dear = plan.required["cheap"], plan.required["dear"]
    dear_group = staffing_groups(s)[1:]
    (billing_alone,), _ = LevelSearch(s, s.demand[1:], dear_group, {"dear": {"billing"}}, 1, FAST).search(
        (1,)
    )
    assert np.all(cheap > 0)
    assert np.all(dear <= billing_alone)
    same = plan_capacity(two_sites(1.0), PlanOptions(replications=2, search=FAST, shift_time_limit_s=2.0))
    assert plan.schedule is not None
    assert same.schedule is not None
    assert int(dear.sum()) <= int(same.required["dear"].sum())
    for sched in (plan.schedule, same.schedule):
        assert sched.lower_bound_paid_hours is not None
        assert sched.lower_bound_cost is not None
        assert sched.paid_hours >= sched.lower_bound_paid_hours - 1e-6
        assert sched.cost >= sched.lower_bound_cost - 1e-6
