"""Nothing waits in a void: the re-offer policy (``RoutingSettings.reoffer``), event by event.

An escalation whose every eligible agent has had it offered is offered again after the cool-down
(a decline) or once the agent is available again (an expiry), is deferred with that reason once
every agent had it the most times allowed, and says all of this in its Queued reason. The general
property (random event sequences) is ``nothing_waits_in_a_void`` in test_dispatcher_stateful.py.
"""

from __future__ import annotations

import dataclasses

from routing.decisions import Decision, Deferred, Offer, Queued
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, Channel, Escalation, EscalationState
from routing.settings import ReofferPolicy, RoutingSettings
from routing.snapshots import EscalationSnapshot

T0 = 1_800_000_000.0
NO_RELAXATION = RoutingSettings(relaxation=())


def desk(*agent_ids: str, settings: RoutingSettings = NO_RELAXATION) -> Dispatcher:
    d = Dispatcher(settings)
    for agent_id in agent_ids:
        d.add_agent(Agent(agent_id, {"billing": 3}), T0, AgentStatus.AVAILABLE)
    return d


def arrive(d: Dispatcher, esc_id: str = "e1", at_s: float = T0) -> Offer:
    [offer] = d.escalation_arrived(Escalation(esc_id, at_s, Channel.CHAT, {"billing": 2}), at_s)
    assert isinstance(offer, Offer)
    return offer


def only(kind: type, decisions: list[Decision]) -> list:  # type: ignore[type-arg]
    return [x for x in decisions if isinstance(x, kind)]


def test_the_only_agent_who_declined_is_offered_it_again_after_the_cool_down() -> None:
    d = desk("ana")
    offer = arrive(d)
    [queued] = only(Queued, d.offer_declined(offer.offer_id, T0 + 5))
    assert queued.reason.startswith("every eligible agent on shift has been offered it; ana may be offered")
    assert "(in 60 s)" in queued.reason
    assert d.next_wakeup_s() == T0 + 65  # the cool-down wakes the simulator and the service tick loop
    assert d.advance_to(T0 + 64) == []
    [(at_s, again)] = d.advance_to(T0 + 65)
    assert (at_s, type(again), again.agent_id) == (T0 + 65, Offer, "ana")  # type: ignore[union-attr]
    assert d.violations() == []


def test_every_agent_used_up_defers_with_that_reason() -> None:
    d = desk("ana", "ben")
    offers, now, deferred = [arrive(d)], T0, []
    while not deferred and now < T0 + 1000:  # everyone declines everything
        now += 1
        out = [x for _, x in d.advance_to(now)]
        for offer in [o for o in offers if o.offer_id in {a.offer_id for a in d.active_offers()}]:
            out += d.offer_declined(offer.offer_id, now)
        offers += only(Offer, out)
        deferred = only(Deferred, out)
        assert d.violations() == []
    assert sorted(o.agent_id for o in offers) == ["ana", "ana", "ben", "ben"]  # two offers each
    assert "every eligible agent on shift has been offered it 2 time(s) without taking it" in (
        deferred[0].reason
    )
    assert d.state_of("e1") is EscalationState.DEFERRED


def test_an_expired_offer_goes_back_to_the_agent_once_they_are_available_again() -> None:
    d = desk("ana")
    offer = arrive(d)
    decisions = [x for _, x in d.advance_to(offer.expires_at_s)]
    [queued] = only(Queued, decisions)
    # no cool-down after an expiry by default: what keeps it from ana is that she is not responding
    assert queued.reason == "the only eligible agent on shift, ana, is not responding"
    assert d.agent_status("ana") is AgentStatus.NOT_RESPONDING
    [again] = only(Offer, d.set_agent_status("ana", AgentStatus.AVAILABLE, offer.expires_at_s + 30))
    assert again.agent_id == "ana"


def test_a_free_agent_who_has_not_had_it_takes_it_during_the_cool_down() -> None:
    d = desk("ana")
    offer = arrive(d)
    d.offer_declined(offer.offer_id, T0 + 1)
    [taken] = only(Offer, d.add_agent(Agent("ben", {"billing": 3}), T0 + 2, AgentStatus.AVAILABLE))
    assert taken.agent_id == "ben"


def test_without_a_limit_an_agent_is_offered_it_again_after_every_decline() -> None:
    policy = ReofferPolicy(after_decline_s=10, max_offers_per_agent=None)
    d = desk("ana", settings=NO_RELAXATION.model_copy(update={"reoffer": policy}))
    offer, now = arrive(d), T0
    for _ in range(4):
        now += 1
        d.offer_declined(offer.offer_id, now)
        [(now, offer)] = d.advance_to(now + 10)  # type: ignore[assignment]
        assert isinstance(offer, Offer)
        assert offer.agent_id == "ana"


def test_cool_downs_survive_a_snapshot_and_an_old_snapshot_falls_under_the_policy() -> None:
    d = desk("ana")
    d.offer_declined(arrive(d).offer_id, T0 + 5)
    snap = d.escalation_snapshot("e1")
    assert (snap.offered_to, snap.reoffer_at_s) == (("ana",), (("ana", T0 + 65),))
    spec = d.escalation("e1")

    restored = desk("ana")
    restored.restore_escalation(spec, snap)
    assert restored.next_wakeup_s() == T0 + 65
    [(_, again)] = restored.advance_to(T0 + 65)
    assert isinstance(again, Offer)
    assert again.agent_id == "ana"
    # readmitted, then offered again: the snapshot keeps no finished cool-down
    assert restored.escalation_snapshot("e1").reoffer_at_s == ()

    # a snapshot stored before re-offers existed lists no cool-downs: an agent offered it fewer
    # times than allowed is eligible again and gets it at the next routing event for them
    old_shape = EscalationSnapshot(EscalationState.QUEUED, attempts=1, offered_to=("ana",))
    legacy = Dispatcher(d.settings)
    legacy.add_agent(Agent("ana", {"billing": 3}, channel_caps={Channel.CHAT: 1}), T0, AgentStatus.AWAY)
    legacy.restore_escalation(spec, old_shape)
    [offer] = [
        x for x in legacy.set_agent_status("ana", AgentStatus.AVAILABLE, T0 + 3600) if isinstance(x, Offer)
    ]
    assert offer.escalation_id == "e1"
    assert dataclasses.replace(snap, reoffer_at_s=()) != snap
