"""Arrival windows: escalations arriving together are routed as one assignment problem.

The case it exists for (one by one strands an escalation, the window serves both), the promise it
makes (nobody is held past the window's end), that a window never serves less than one-by-one, the
edge cases (abandoned, relaxed or restored while held), and that a window of 0 holds nothing.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from routing.arrival_batch import HELD_REASON
from routing.cost import priority_units
from routing.decisions import Decision, Deferred, Finished, Offer, Queued, Relaxed
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, Channel, Escalation, EscalationState
from routing.settings import RelaxationStep, RoutingSettings
from tests.routing.strategies import agents, escalations

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()
EPS_S = 1e-6


def desk(window_s: float, *roster: Agent, **settings: object) -> Dispatcher:
    d = Dispatcher(RoutingSettings(arrival_batch_window_s=window_s, **settings))  # type: ignore[arg-type]
    for a in roster:
        d.add_agent(a, T0 - 600, AgentStatus.AVAILABLE)
    return d


def chat_agent(agent_id: str, skills: dict[str, int]) -> Agent:
    return Agent(agent_id, skills, channel_caps={Channel.CHAT: 1})


def chat(esc_id: str, at: float, skills: dict[str, int], **kw: object) -> Escalation:
    return Escalation(esc_id, at, required_skills=skills, channel=Channel.CHAT, **kw)  # type: ignore[arg-type]


def held(decisions: list[Decision]) -> list[str]:
    return [d.escalation_id for d in decisions if isinstance(d, Queued) and d.reason.startswith(HELD_REASON)]


def offers(decisions: list[Decision]) -> dict[str, str]:
    return {d.escalation_id: d.agent_id for d in decisions if isinstance(d, Offer)}


# Two agents who both do billing, each with one more skill of their own. Whichever of them takes a
# billing escalation one by one, a second escalation needing that agent's own skill is stranded.
ROSTER = (chat_agent("ana", {"billing": 3, "tech": 3}), chat_agent("bo", {"billing": 3, "legal": 3}))
OWN_SKILL = {"ana": "tech", "bo": "legal"}


def test_one_by_one_strands_the_second_arrival_the_window_serves_both() -> None:
    first = desk(0.0, *ROSTER).escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    taken = offers(first)["e1"]  # whoever the cost model prefers for billing
    second = chat("e2", T0 + 0.3, {OWN_SKILL[taken]: 2})

    one_by_one = desk(0.0, *ROSTER)
    one_by_one.escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    [stranded] = one_by_one.escalation_arrived(second, T0 + 0.3)
    assert isinstance(stranded, Queued)
    assert stranded.escalation_id == "e2"
    assert one_by_one.state_of("e2") is EscalationState.QUEUED

    batched = desk(1.0, *ROSTER)
    arrivals = batched.escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    arrivals += batched.escalation_arrived(second, T0 + 0.3)
    assert held(arrivals) == ["e1", "e2"]
    assert batched.ids_in(EscalationState.QUEUED) == ["e1", "e2"]
    assert batched.violations(T0 + 0.3) == []  # held ones may have a free agent within the window
    assert batched.next_wakeup_s() == T0 + 1.0  # the window opened with the first arrival
    assert "routed together" in batched.waiting_reason("e2", T0 + 0.3)
    assert batched.advance_to(T0 + 0.99) == []
    routed = batched.advance_to(T0 + 1.0)
    assert {at for at, _ in routed} == {T0 + 1.0}
    assert offers([d for _, d in routed]) == {"e1": next(a for a in OWN_SKILL if a != taken), "e2": taken}
    assert batched.violations(T0 + 1.0) == []


def test_a_window_of_zero_holds_nothing_and_sets_no_alarm() -> None:
    d = desk(0.0, *ROSTER)
    out = d.escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    out += d.escalation_arrived(chat("e2", T0, {"billing": 2}), T0)
    out += d.escalation_arrived(chat("e3", T0, {"billing": 2}), T0)
    assert held(out) == []
    assert set(offers(out)) == {"e1", "e2"}
    assert d.next_wakeup_s() == min(o.expires_at_s for o in out if isinstance(o, Offer))


def test_an_arrival_nobody_free_can_take_is_queued_at_once_not_held() -> None:
    d = desk(2.0, chat_agent("ana", {"billing": 3}))
    d.add_agent(chat_agent("bo", {"legal": 3}), T0, AgentStatus.AWAY)
    out = d.escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    out += d.escalation_arrived(chat("e2", T0, {"legal": 2}), T0)  # only bo, and bo is away
    assert held(out) == ["e1"]
    [queued] = [x for x in out if isinstance(x, Queued) and x.escalation_id == "e2"]
    assert "away" in queued.reason
    assert sorted(d.waiting_ids()) == ["e1", "e2"]  # held ones are queued, too
    assert d.set_agent_status("bo", AgentStatus.AVAILABLE, T0 + 1) == [
        Offer("e2#1", "e2", "bo", T0 + 21)
    ]  # the freed agent reaches it at once from the queue
    assert d.waiting_ids() == ["e1"]


def test_a_held_one_left_unplaced_is_told_why_it_waits_now() -> None:
    d = desk(1.0, chat_agent("ana", {"billing": 3}))
    d.escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    d.escalation_arrived(chat("e2", T0, {"billing": 2}), T0)  # one slot for two
    routed = [x for _, x in d.advance_to(T0 + 1)]
    assert len(offers(routed)) == 1
    [again] = [x for x in routed if isinstance(x, Queued)]
    assert not again.reason.startswith(HELD_REASON)
    assert "busy" in again.reason
    assert d.violations(T0 + 1) == []


def test_abandoned_while_held_leaves_the_window_and_an_empty_window_closes() -> None:
    d = desk(1.0, *ROSTER)
    d.escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    assert d.escalation_abandoned("e1", T0 + 0.5) == [Finished("e1", EscalationState.ABANDONED)]
    assert d.violations(T0 + 0.5) == []
    assert d.next_wakeup_s() == math.inf  # nothing left to route: the window's alarm is stale
    d.escalation_arrived(chat("e2", T0 + 0.7, {"billing": 2}), T0 + 0.7)
    assert d.next_wakeup_s() == T0 + 1.7  # a new window, from the next arrival
    assert set(offers([x for _, x in d.advance_to(T0 + 1.7)])) == {"e2"}


def test_relaxed_while_held_it_stays_held_and_is_routed_at_the_close_with_the_new_level() -> None:
    steps = (RelaxationStep(after_s=10, drop_preferred_skills=True),)
    d = desk(2.0, chat_agent("ana", {"billing": 3}), relaxation=steps)
    # created 9 s before it reached the router: the first relaxation step falls inside the window
    late = chat("e1", T0 - 9, {"billing": 2}, preferred_skills={"billing": 3})
    assert held(d.escalation_arrived(late, T0)) == ["e1"]
    [(at, relaxed)] = d.advance_to(T0 + 1)
    assert (at, relaxed) == (T0 + 1, Relaxed("e1", 1, steps[0].describe()))
    assert d.waiting_reason("e1", T0 + 1).startswith(HELD_REASON)
    assert d.violations(T0 + 1) == []
    [(at, offer)] = d.advance_to(T0 + 2)
    assert at == T0 + 2
    assert isinstance(offer, Offer)
    assert d.relaxation_level("e1") == 1


def restored(d: Dispatcher, at_s: float, *esc_ids: str) -> Dispatcher:
    """A fresh dispatcher holding ``d``'s state, rebuilt at ``at_s`` as the service rebuilds one."""
    copy = Dispatcher(d.settings)
    for agent_id in d.agent_ids():
        copy.restore_agent(d.agent_profile(agent_id), d.agent_snapshot(agent_id), at_s)
    for esc_id in esc_ids:
        copy.restore_escalation(d.escalation(esc_id), d.escalation_snapshot(esc_id))
    return copy


def test_restored_inside_its_window_a_held_escalation_is_held_until_the_window_after_its_creation() -> None:
    d = desk(2.0, *ROSTER)
    d.escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    assert d.escalation_snapshot("e1").state is EscalationState.QUEUED  # storage knows no window
    copy = restored(d, T0 + 0.5, "e1")
    assert copy.violations(T0 + 0.5) == []
    assert copy.waiting_reason("e1", T0 + 0.5).startswith(HELD_REASON)
    assert copy.next_wakeup_s() == T0 + 2.0  # created at T0: its window ends at T0 + 2 at the latest
    assert copy.advance_to(T0 + 1.9) == []
    [(at, offer)] = copy.advance_to(T0 + 2.0)
    assert at == T0 + 2.0
    assert isinstance(offer, Offer)
    assert offer.escalation_id == "e1"


def test_held_long_after_its_creation_it_is_rechecked_at_the_restore() -> None:
    d = desk(2.0, *ROSTER)
    d.escalation_arrived(chat("e1", T0 - 30, {"billing": 2}), T0)  # reached the router 30 s late
    restart_s = T0 + 0.5
    copy = restored(d, restart_s, "e1")
    assert copy.violations() == []  # in the queue beside a free agent, but the re-check is due
    assert copy.next_wakeup_s() == restart_s
    [(at, offer)] = copy.advance_to(restart_s)
    assert at == restart_s
    assert isinstance(offer, Offer)
    assert offer.escalation_id == "e1"
    assert copy.violations(restart_s) == []
    assert copy.next_wakeup_s() == offer.expires_at_s


def test_a_restored_queue_that_waits_for_good_reason_is_rechecked_silently() -> None:
    d = desk(2.0, chat_agent("ana", {"billing": 3}))
    d.escalation_arrived(chat("e1", T0, {"billing": 2}), T0)
    d.advance_to(T0 + 2)
    d.escalation_arrived(chat("e2", T0 + 3, {"billing": 2}), T0 + 3)  # ana is taken: queued
    copy = restored(d, T0 + 4, "e1", "e2")
    assert copy.advance_to(T0 + 4) == []  # no Queued again for one that was queued all along
    assert copy.violations(T0 + 4) == []


# ---------------------------------------------------------------------------------- properties
WINDOWS = st.sampled_from([0.5, 2.0])


@given(
    window_s=WINDOWS,
    roster=st.integers(1, 4).flatmap(lambda n: st.tuples(*(agents(f"a{i}") for i in range(n)))),
    gaps=st.lists(st.sampled_from([0.0, 0.1, 0.4, 1.0, 2.5]), min_size=1, max_size=10),
    data=st.data(),
)
def test_every_held_escalation_is_routed_by_its_window_end(
    window_s: float, roster: tuple[Agent, ...], gaps: list[float], data: st.DataObject
) -> None:
    d = desk(window_s, *roster)
    held_at: dict[str, float] = {}
    routed_at: dict[str, float] = {}

    def note(at: float, decisions: list[Decision]) -> None:
        for x in decisions:
            esc_id = getattr(x, "escalation_id", None)
            if isinstance(x, Queued) and x.reason.startswith(HELD_REASON):
                held_at[x.escalation_id] = at
            elif isinstance(x, Offer | Queued | Deferred | Finished) and esc_id in held_at:
                routed_at.setdefault(esc_id, at)

    now = T0
    for i, gap in enumerate(gaps):
        now += gap
        for at, x in d.advance_to(now):
            note(at, [x])
        created_s = now - data.draw(st.sampled_from([0.0, 1.0, 9.7]))  # 9.7: relaxed while held
        note(now, d.escalation_arrived(data.draw(escalations(f"e{i}", created_s)), now))
        assert d.violations(now) == []
    for at, x in d.advance_to(now + window_s + EPS_S):
        note(at, [x])
    assert d.violations(now + window_s) == []
    assert set(routed_at) == set(held_at)
    for esc_id, at in held_at.items():
        assert routed_at[esc_id] <= at + window_s + EPS_S, esc_id


@given(
    roster=st.integers(1, 4).flatmap(lambda n: st.tuples(*(agents(f"a{i}") for i in range(n)))),
    arrivals=st.integers(2, 6).flatmap(lambda n: st.tuples(*(escalations(f"e{i}", T0) for i in range(n)))),
)
def test_a_window_never_serves_less_priority_than_one_by_one(
    roster: tuple[Agent, ...], arrivals: tuple[Escalation, ...]
) -> None:
    """Simultaneous arrivals: the batch solve is the lexicographic optimum (priority served first)
    over every assignment, and one-by-one placement is one of them."""
    one_by_one, batched = desk(0.0, *roster), desk(1.0, *roster)
    served_alone: dict[str, str] = {}
    units: dict[str, int] = {}  # priority at T0 of each one that is not deferred at once
    for esc in arrivals:
        served_alone |= offers(one_by_one.escalation_arrived(esc, T0))
        assert batched.escalation_arrived(esc, T0)
        if batched.state_of(esc.id) is EscalationState.QUEUED:
            units[esc.id] = priority_units(batched.priority_of(esc.id, T0))
    served_together = offers([x for _, x in batched.advance_to(T0 + 1)])

    def priority(served: dict[str, str]) -> int:
        return sum(units[e] for e in served)

    assert priority(served_together) >= priority(served_alone)
    assert batched.violations(T0 + 1) == []
