"""Catching up at ``now`` (``Dispatcher.advance_to(now_s, late_after_s)``): after an outage or a
stalled clock, wake-ups that were missed are not replayed at past instants. Overdue offers expire
unseen (no missed offer, nobody not-responding), nothing is offered that has already expired, and
routing resumes from ``now``; wake-ups missed by less than the lateness allowed replay as before.
"""

from __future__ import annotations

from routing.decisions import AgentStatusChanged, Decision, Offer, OfferRevoked, Relaxed
from routing.dispatcher import EXPIRED_UNSEEN, Dispatcher
from routing.domain import Agent, AgentStatus, Channel, Escalation
from routing.settings import RelaxationStep, RoutingSettings

T0 = 1_800_000_000.0
OUTAGE_S = 300.0  # five minutes down: fifteen offer timeouts of 20 s
LATE_S = 5.0


def floor(*agent_ids: str, settings: RoutingSettings | None = None) -> Dispatcher:
    d = Dispatcher(settings or RoutingSettings(relaxation=()))
    for agent_id in agent_ids:
        d.add_agent(Agent(agent_id, {"billing": 3}), T0, AgentStatus.AVAILABLE)
    return d


def arrive(d: Dispatcher, esc_id: str, at_s: float = T0) -> list[Decision]:
    return d.escalation_arrived(Escalation(esc_id, at_s, Channel.CHAT, {"billing": 2}), at_s)


def test_an_outage_blames_nobody_and_routes_from_now() -> None:
    d = floor("ana", "ben")
    arrive(d, "e1")
    arrive(d, "e2")
    now = T0 + OUTAGE_S
    timed = d.advance_to(now, LATE_S)
    assert timed, "the two overdue offers expire"
    assert {at_s for at_s, _ in timed} == {now}  # nothing decided at a past instant
    decisions = [x for _, x in timed]
    revoked = [x for x in decisions if isinstance(x, OfferRevoked)]
    assert sorted(x.escalation_id for x in revoked) == ["e1", "e2"]
    assert {x.reason for x in revoked} == {EXPIRED_UNSEEN}
    assert not [x for x in decisions if isinstance(x, AgentStatusChanged)]
    for agent_id in ("ana", "ben"):
        assert d.agent_status(agent_id) is AgentStatus.AVAILABLE
        assert d.agent_snapshot(agent_id).missed_offers == 0
    offers = d.active_offers()
    assert sorted(o.escalation_id for o in offers) == ["e1", "e2"]  # offered again, at now
    assert all(o.expires_at_s > now for o in offers)  # never an offer already expired
    assert d.violations(now) == []


def test_replayed_in_virtual_time_the_same_outage_marks_the_floor_not_responding() -> None:
    """The default (``late_after_s`` = inf) replays every wake-up, as a simulation wants: what an
    agent who really let the offers lapse deserves, and what a service must not do after an outage."""
    d = floor("ana", "ben")
    arrive(d, "e1")
    arrive(d, "e2")
    decisions = [x for _, x in d.advance_to(T0 + OUTAGE_S)]
    assert {d.agent_status(a) for a in ("ana", "ben")} == {AgentStatus.NOT_RESPONDING}
    assert [x for x in decisions if isinstance(x, AgentStatusChanged)]


def test_a_wake_up_missed_by_less_than_the_lateness_allowed_is_an_ordinary_expiry() -> None:
    d = floor("ana")
    [offer] = [x for x in arrive(d, "e1") if isinstance(x, Offer)]
    now = offer.expires_at_s + LATE_S / 2  # the tick loop was a little late, the agent was not
    timed = d.advance_to(now, LATE_S)
    assert timed[0][0] == offer.expires_at_s  # replayed at its own time
    assert d.agent_status("ana") is AgentStatus.NOT_RESPONDING
    reasons = {x.reason for _, x in timed if isinstance(x, OfferRevoked)}
    assert reasons == {"offer expired unanswered"}


def test_relaxation_due_during_the_outage_applies_at_now() -> None:
    steps = (RelaxationStep(after_s=30.0, lower_min_proficiency_by=1),)
    d = floor(settings=RoutingSettings(relaxation=steps))
    d.add_agent(Agent("cal", {"billing": 1}), T0, AgentStatus.AVAILABLE)  # eligible once relaxed
    arrive(d, "e1")
    assert d.active_offers() == []
    now = T0 + OUTAGE_S
    timed = d.advance_to(now, LATE_S)
    assert [type(x) for _, x in timed] == [Relaxed, Offer]
    assert {at_s for at_s, _ in timed} == {now}
    [offer] = d.active_offers()
    assert offer.expires_at_s == now + 20.0


def test_the_lateness_allowed_is_at_most_half_the_shortest_offer_timeout() -> None:
    """With a 4 s timeout a wake-up 3 s late is caught up (half of 4 is 2): an offer replayed at
    that instant would have expired 1 s before ``now``."""
    d = floor("ana", settings=RoutingSettings(relaxation=(), offer_timeout_s={Channel.CHAT: 4.0}))
    [offer] = [x for x in arrive(d, "e1") if isinstance(x, Offer)]
    now = offer.expires_at_s + 3.0
    timed = d.advance_to(now, LATE_S)
    assert {at_s for at_s, _ in timed} == {now}
    assert d.agent_status("ana") is AgentStatus.AVAILABLE
    assert all(o.expires_at_s > now for o in d.active_offers())
