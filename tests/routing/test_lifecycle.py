"""The dispatcher's lifecycle events: cancel with a reason (abandonment is its customer_left),
hand back, transfer, wrap-up after completion and callbacks."""

from __future__ import annotations

import pytest

from routing.decisions import CallbackRequested, Finished, Offer, OfferRevoked, Transferred, WrapUpEnded
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, CancelReason, Channel, Escalation, EscalationState
from routing.errors import InvalidTransition, UnknownEscalation
from routing.settings import RoutingSettings

T0 = 1_700_000_000.0


def one_slot(settings: RoutingSettings | None = None) -> Dispatcher:
    d = Dispatcher(settings)
    caps = {Channel.CHAT: 1, Channel.VOICE: 1}
    d.add_agent(Agent("ana", {"billing": 3}, channel_caps=caps, max_total=1), T0, AgentStatus.AVAILABLE)
    return d


def esc(esc_id: str, channel: Channel = Channel.CHAT, skills: dict[str, int] | None = None) -> Escalation:
    return Escalation(esc_id, T0, channel, skills if skills is not None else {"billing": 2})


@pytest.mark.parametrize("reason", list(CancelReason))
def test_cancel_withdraws_the_offer_and_fills_the_slot(reason: CancelReason) -> None:
    d = one_slot()
    offer = d.escalation_arrived(esc("e1"), T0)[0]
    assert isinstance(offer, Offer)
    d.escalation_arrived(esc("e2"), T0)
    out = d.escalation_cancelled("e1", T0 + 1, reason)
    assert out[0] == Finished("e1", reason.state)
    assert out[0].reason == reason.value
    assert isinstance(out[1], OfferRevoked)
    assert isinstance(out[2], Offer)
    assert out[2].escalation_id == "e2"
    assert d.state_of("e1") is (
        EscalationState.ABANDONED if reason is CancelReason.CUSTOMER_LEFT else EscalationState.CANCELLED
    )
    assert d.violations() == []


def test_cancel_refuses_assigned_finished_and_unknown() -> None:
    d = one_slot()
    offer = d.escalation_arrived(esc("e1"), T0)[0]
    assert isinstance(offer, Offer)
    d.offer_accepted(offer.offer_id, T0)
    with pytest.raises(InvalidTransition, match="assigned"):
        d.escalation_cancelled("e1", T0, CancelReason.DUPLICATE)
    d.handed_back("e1", T0 + 1, "resolved")
    with pytest.raises(InvalidTransition, match="already handed_back"):
        d.escalation_cancelled("e1", T0)
    with pytest.raises(UnknownEscalation):
        d.escalation_cancelled("zz", T0)


def test_hand_back_frees_the_slot() -> None:
    d = one_slot()
    offer = d.escalation_arrived(esc("e1"), T0)[0]
    assert isinstance(offer, Offer)
    d.offer_accepted(offer.offer_id, T0)
    d.escalation_arrived(esc("e2"), T0)
    out = d.handed_back("e1", T0 + 5, "resolved")
    assert out[0] == Finished("e1", EscalationState.HANDED_BACK)
    assert isinstance(out[1], Offer)
    assert out[1].escalation_id == "e2"
    with pytest.raises(InvalidTransition, match="not assigned"):
        d.handed_back("e2", T0 + 5)


def test_transfer_keeps_creation_time_and_counts() -> None:
    d = one_slot()
    offer = d.escalation_arrived(esc("e1"), T0)[0]
    assert isinstance(offer, Offer)
    d.offer_accepted(offer.offer_id, T0 + 1)
    out = d.escalation_transferred(Escalation("e1", T0 + 500, Channel.CHAT, {"tech": 1}), T0 + 45, "tech")
    assert out[0] == Transferred("e1", "ana", 1, "tech")
    assert out[1].kind == "deferred"  # nobody else has tech
    assert d.state_of("e1") is EscalationState.DEFERRED


def test_wrap_up_is_bounded_and_ends_early() -> None:
    d = one_slot(RoutingSettings(wrap_up_s={Channel.CHAT: 20}))
    offer = d.escalation_arrived(esc("e1"), T0)[0]
    assert isinstance(offer, Offer)
    d.offer_accepted(offer.offer_id, T0)
    d.work_completed("e1", T0 + 10, 999)
    assert d.wrap_up_until_s("ana") == T0 + 30
    assert d.escalation_arrived(esc("e2"), T0 + 11)[0].kind == "queued"
    out = d.wrap_up_ended("ana", T0 + 15)
    assert out[0] == WrapUpEnded("e1", "ana", 5.0)
    assert isinstance(out[1], Offer)
    assert d.wrap_up_ended("ana", T0 + 16) == []
    assert all(x.kind != "wrap_up_ended" for x in d.tick(T0 + 30))  # the alarm is stale now
    assert d.violations() == []


def test_callback_keeps_the_place_and_marks_the_offer() -> None:
    d = one_slot()
    d.set_agent_status("ana", AgentStatus.AWAY, T0)
    d.escalation_arrived(esc("v1", Channel.VOICE), T0)
    d.escalation_arrived(esc("v2", Channel.VOICE), T0)
    assert d.callback_requested("v2", T0 + 1) == [CallbackRequested("v2")]
    assert d.callback_requested("v2", T0 + 2) == []
    assert d.waiting_ids() == ["v1", "v2"]
    d.escalation_arrived(esc("c1"), T0)
    with pytest.raises(InvalidTransition, match="callbacks are offered on: voice"):
        d.callback_requested("c1", T0)
    d.escalation_cancelled("v1", T0 + 3, CancelReason.CUSTOMER_LEFT)
    d.escalation_cancelled("c1", T0 + 3, CancelReason.DUPLICATE)
    out = d.set_agent_status("ana", AgentStatus.AVAILABLE, T0 + 4)
    assert isinstance(out[0], Offer)
    assert out[0].callback
    assert d.escalation_snapshot("v2").callback
