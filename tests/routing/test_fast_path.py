"""The fast paths (one escalation arrives; one agent frees up) reach the same value as the full solve.

A random state is built with the normal dispatcher; a deep copy is switched to ``fast_paths=False``
(every decision through the min-cost-flow batch over everything waiting); the same event goes to
both; the value of what each decided -- (priority units served, -cost units) -- must be equal.
The solver itself is checked against brute force in ``test_solver.py``.
"""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from routing.cost import COST_SCALE, priority_units
from routing.decisions import Decision, Offer
from routing.dispatcher import Dispatcher
from routing.domain import AgentStatus, EscalationState
from tests.routing.strategies import agents, escalations

T0 = 5_000.0


def value(decisions: list[Decision]) -> tuple[int, int]:
    offers = [d for d in decisions if isinstance(d, Offer)]
    for o in offers:
        assert o.explanation is not None
        assert o.explanation.winner_cost is not None
    return (
        sum(priority_units(o.explanation.priority) for o in offers),  # type: ignore[union-attr]
        -sum(int(np.rint(o.explanation.winner_cost.total * COST_SCALE)) for o in offers),  # type: ignore[union-attr]
    )


def answer(d: Dispatcher, decisions: list[Decision], at: float, draw: st.DrawFn) -> None:
    """Accept each offer, or decline it (its re-offers answered the same way)."""
    for decision in decisions:
        if isinstance(decision, Offer) and d.offer_of(decision.escalation_id) == decision.offer_id:
            if draw(st.booleans()):
                d.offer_accepted(decision.offer_id, at)
            else:
                answer(d, d.offer_declined(decision.offer_id, at), at, draw)


@st.composite
def busy_desks(draw: st.DrawFn) -> tuple[Dispatcher, float]:
    """A dispatcher with some agents, some work assigned and a queue -- some of it declined
    before, so agents cool down or are readmitted (``settings.reoffer``) -- at time ``now``."""
    d = Dispatcher()
    for i in range(draw(st.integers(1, 6))):
        d.add_agent(draw(agents(f"a{i}")), T0, AgentStatus.AVAILABLE)
    now = T0
    for i in range(draw(st.integers(0, 12))):
        now += draw(st.sampled_from([0.0, 1.0, 4.0, 61.0]))
        for at, decision in d.advance_to(now):
            answer(d, [decision], at, draw)
        answer(d, d.escalation_arrived(draw(escalations(f"w{i}", now)), now), now, draw)
    assert d.violations() == []
    return d, now


@given(busy_desks(), st.data())
def test_one_arrival_fast_path_equals_full_solve(desk: tuple[Dispatcher, float], data: st.DataObject) -> None:
    fast, now = desk
    full = copy.deepcopy(fast)
    full.fast_paths = False
    esc = data.draw(escalations("new", now))
    fast_decisions = fast.escalation_arrived(esc, now)
    full_decisions = full.escalation_arrived(esc, now)
    assert value(fast_decisions) == value(full_decisions)
    assert fast.violations() == []
    assert full.violations() == []


@given(busy_desks(), st.data())
def test_one_agent_frees_up_fast_path_equals_full_solve(
    desk: tuple[Dispatcher, float], data: st.DataObject
) -> None:
    fast, now = desk
    assigned = fast.ids_in(EscalationState.ASSIGNED)
    full = copy.deepcopy(fast)
    full.fast_paths = False
    if assigned:
        esc_id = data.draw(st.sampled_from(sorted(assigned)))
        fast_decisions = fast.work_completed(esc_id, now)
        full_decisions = full.work_completed(esc_id, now)
    else:  # nobody is working: an agent comes back from a break instead
        agent_id = data.draw(st.sampled_from(fast.agent_ids()))
        fast.set_agent_status(agent_id, AgentStatus.AWAY, now)
        full.set_agent_status(agent_id, AgentStatus.AWAY, now)
        fast_decisions = fast.set_agent_status(agent_id, AgentStatus.AVAILABLE, now)
        full_decisions = full.set_agent_status(agent_id, AgentStatus.AVAILABLE, now)
    assert value(fast_decisions) == value(full_decisions)
    assert fast.violations() == []
    assert full.violations() == []
