"""The dispatcher's lean entry points the simulator calls reach what its general paths reach.

A random state is built with the normal dispatcher (:func:`desks`: agents of several slots, work
assigned and completed, a queue, offers accepted, declined or left to expire); deep copies with
``explain`` off (as the simulator runs it) get the same event, one through the general path and
one through the lean one; the decisions, the state left and what follows from it must be equal.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from routing.candidates import cheapest_agent
from routing.decisions import Decision, Offer
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, Channel, CustomerTier, Escalation, EscalationState
from routing.errors import DuplicateEscalation
from routing.settings import RoutingSettings
from tests.routing.strategies import agents, escalations

T0 = 5_000.0


@st.composite
def desks(draw: st.DrawFn) -> tuple[Dispatcher, float]:
    """A dispatcher at time ``now`` after random arrivals, answers (accept, decline, none: the
    offer expires and its agent may go not-responding), completions and time passing. Agents
    often share one profile, so candidates tie on their static cost and the live terms decide."""
    misses = draw(st.integers(1, 3))  # above 1, an agent who let an offer expire still takes work
    d = Dispatcher(RoutingSettings(missed_offers_before_not_responding=misses))
    shared = draw(agents("shared"))
    for i in range(draw(st.integers(1, 8))):
        agent = shared if draw(st.booleans()) else draw(agents("x"))
        d.add_agent(dataclasses.replace(agent, id=f"a{i}"), T0, AgentStatus.AVAILABLE)
    now = T0
    for i in range(draw(st.integers(0, 16))):
        now += draw(st.sampled_from([0.0, 1.0, 4.0, 25.0, 61.0, 400.0]))
        d.advance_to(now)
        pending = d.escalation_arrived(draw(escalations(f"w{i}", now)), now)
        for decision in pending:
            if isinstance(decision, Offer) and d.offer_of(decision.escalation_id) == decision.offer_id:
                answer = draw(st.sampled_from(["accept", "accept", "decline", "none"]))
                if answer == "accept":
                    d.offer_accepted(decision.offer_id, now)
                elif answer == "decline":
                    d.offer_declined(decision.offer_id, now)
        assigned = d.ids_in(EscalationState.ASSIGNED)
        if assigned and draw(st.booleans()):
            d.work_completed(draw(st.sampled_from(assigned)), now)
    assert d.violations(now) == []
    return d, now


def lean(d: Dispatcher) -> Dispatcher:
    """A copy of ``d`` as the simulator runs it: no explanations, no queue estimates."""
    twin = copy.deepcopy(d)
    twin.explain = False
    twin.queue_estimates = False
    return twin


def state(d: Dispatcher, now: float) -> tuple[object, ...]:
    """What an event leaves behind, as far as storage and the next events can tell."""
    live = [d.ids_in(s) for s in (EscalationState.QUEUED, EscalationState.OFFERED, EscalationState.ASSIGNED)]
    return (
        d.counts(),
        live,
        [(e, d.escalation_snapshot(e)) for ids in live for e in ids],
        [(a, d.agent_snapshot(a), d.agent_load(a), d.agent_status(a)) for a in d.agent_ids()],
        d.active_offers(),
        d.waiting_ids(),
        d.next_wakeup_s(),
        d.learned_means(),
        d.violations(now),
    )


@hyp_settings(max_examples=400)
@given(desks(), st.data())
def test_the_lean_cheapest_agent_is_the_general_one(
    desk: tuple[Dispatcher, float], data: st.DataObject
) -> None:
    d, now = desk
    d = lean(d)
    esc = data.draw(escalations("new", now))
    later = now + data.draw(st.sampled_from([0.0, 0.5, 30.0, 400.0]))
    live = d._admit(esc, EscalationState.QUEUED, 0)
    entry = d._cache.get(live.req)
    expected = cheapest_agent(live, entry, d._t, later, d.settings)
    got = d._cheapest_row(live, entry, later)
    assert got == (-1 if expected is None else expected)


@hyp_settings(max_examples=300)
@given(desks(), st.data())
def test_arrived_and_accepted_equals_arrived_then_accepted(
    desk: tuple[Dispatcher, float], data: st.DataObject
) -> None:
    d, now = desk
    general, fast = lean(d), lean(d)
    esc = data.draw(escalations("new", now))
    expected: list[Decision] = general.escalation_arrived(esc, now)
    if expected and isinstance(expected[0], Offer):
        expected += general.offer_accepted(expected[0].offer_id, now)
    got = fast.escalation_arrived_and_accepted(esc, now)
    assert got == expected
    assert state(fast, now) == state(general, now)
    # what follows is the same too: the expiry alarm the lean path never set was stale
    later = now + data.draw(st.sampled_from([1.0, 25.0, 90.0, 4000.0]))
    assert fast.advance_to(later) == general.advance_to(later)
    if got and isinstance(got[0], Offer):
        assert fast.work_completed("new", later) == general.work_completed("new", later)
    assert state(fast, later) == state(general, later)


@given(desks(), st.data())
def test_arrived_and_accepted_with_explanations_is_the_general_path(
    desk: tuple[Dispatcher, float], data: st.DataObject
) -> None:
    general, now = desk
    fast = copy.deepcopy(general)
    esc = data.draw(escalations("new", now))
    expected: list[Decision] = general.escalation_arrived(esc, now)
    if expected and isinstance(expected[0], Offer):
        expected += general.offer_accepted(expected[0].offer_id, now)
    got = fast.escalation_arrived_and_accepted(esc, now)
    assert got == expected
    # explained as the general path explains (Offer's explanation is left out of its equality)
    assert [repr(getattr(x, "explanation", None)) for x in got] == [
        repr(getattr(x, "explanation", None)) for x in expected
    ]


def test_arrived_and_accepted_raises_for_a_known_id() -> None:
    d = lean(Dispatcher())
    esc = Escalation("e", 0.0, Channel.CHAT, {"billing": 1})
    d.escalation_arrived_and_accepted(esc, 0.0)
    with pytest.raises(DuplicateEscalation):
        d.escalation_arrived_and_accepted(esc, 1.0)


def test_an_acceptance_on_arrival_clears_the_agents_missed_offers() -> None:
    settings = RoutingSettings(missed_offers_before_not_responding=2)
    agent = Agent(id="a", skills={"billing": 3}, channel_caps={Channel.CHAT: 1})
    general = Dispatcher(settings, explain=False)
    general.add_agent(agent, T0, AgentStatus.AVAILABLE)
    general.escalation_arrived(Escalation("first", T0, Channel.CHAT, {"billing": 1}), T0)
    general.advance_to(T0 + 30)  # the offer expires unanswered: one miss, still available
    general.escalation_abandoned("first", T0 + 30)
    fast = copy.deepcopy(general)
    assert general.agent_snapshot("a").missed_offers == 1
    esc = Escalation("second", T0 + 31, Channel.CHAT, {"billing": 1})
    [offer] = general.escalation_arrived(esc, T0 + 31)
    general.offer_accepted(offer.offer_id, T0 + 31)
    fast.escalation_arrived_and_accepted(esc, T0 + 31)
    assert fast.agent_snapshot("a") == general.agent_snapshot("a")
    assert fast.agent_snapshot("a").missed_offers == 0


@given(
    st.integers(1, 3),
    st.lists(st.tuples(st.sampled_from(list(CustomerTier)), st.floats(0, 300)), min_size=1, max_size=12),
    st.data(),
)
def test_ahead_in_one_group_is_ahead_among_groups(
    agents_busy: int, waiting: list[tuple[CustomerTier, float]], data: st.DataObject
) -> None:
    # every agent busy, then escalations of one requirement queue in one group
    d = lean(Dispatcher())
    for k in range(agents_busy):
        d.add_agent(Agent(id=f"a{k}", skills={"billing": 3}, channel_caps={Channel.CHAT: 1}), T0)
        d.set_agent_status(f"a{k}", AgentStatus.AVAILABLE, T0)
        d.escalation_arrived_and_accepted(Escalation(f"busy{k}", T0, Channel.CHAT, {"billing": 1}), T0)
    for i, (tier, after_s) in enumerate(sorted(waiting, key=lambda w: w[1])):
        spec = Escalation(f"w{i}", T0 + after_s, Channel.CHAT, {"billing": 1}, customer_tier=tier)
        d.escalation_arrived_and_accepted(spec, T0 + after_s)
    queue = d._queue
    for esc_id in d.waiting_ids():
        esc = d._ledger.active[esc_id]
        pool = np.array(data.draw(st.lists(st.booleans(), min_size=d._t.n, max_size=d._t.n)), dtype=bool)
        assert queue._ahead_in_the_only_group(esc, pool) == queue._ahead_among_groups(esc, pool)
