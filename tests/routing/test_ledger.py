"""The ledger on its own: counts that sum to arrivals, one offer per offered escalation, slots
held exactly where the agent table says, and the errors of answering an offer twice."""

from __future__ import annotations

import pytest

from routing.domain import Agent, AgentStatus, Channel, Escalation, EscalationState
from routing.errors import InvalidTransition, OfferNotActive, UnknownEscalation, UnknownOffer
from routing.ledger import Ledger, LiveEscalation
from routing.relaxation import Relaxation
from routing.roster import AgentTable
from routing.settings import RoutingSettings

T0 = 1_700_000_000.0


def setup() -> tuple[Ledger, AgentTable, LiveEscalation]:
    table = AgentTable()
    row = table.upsert(Agent("ana", {"billing": 3}, channel_caps={Channel.CHAT: 2}), T0)
    table.set_status(row, AgentStatus.AVAILABLE)
    ledger = Ledger(table)
    spec = Escalation("e1", T0, Channel.CHAT, {"billing": 2})
    ladder = Relaxation(RoutingSettings()).ladder(spec)
    return ledger, table, ledger.admit(spec, EscalationState.QUEUED, ladder, 0, 1.0)


def test_an_offer_holds_a_slot_until_taken_and_released() -> None:
    ledger, table, esc = setup()
    offer_id = ledger.offer(esc, 0, T0 + 20)
    assert offer_id == "e1#1"
    assert (esc.state, esc.agent_row, esc.excluded, int(table.load_total[0])) == (
        EscalationState.OFFERED,
        0,
        {0},
        1,
    )
    assert ledger.problems() == []
    offer = ledger.take_offer(offer_id)
    assert esc.offer_id is None
    ledger.release(offer.esc, T0 + 5)
    ledger.set_state(esc, EscalationState.QUEUED)
    assert int(table.load_total[0]) == 0
    assert ledger.problems() == []


def test_answering_twice_or_an_unknown_offer_raises() -> None:
    ledger, _, esc = setup()
    offer_id = ledger.offer(esc, 0, T0 + 20)
    ledger.take_offer(offer_id)
    with pytest.raises(OfferNotActive):
        ledger.take_offer(offer_id)
    with pytest.raises(UnknownOffer):
        ledger.take_offer("nobody#1")


def test_counts_sum_to_arrivals_also_without_keeping_finished() -> None:
    ledger, _, esc = setup()
    ledger.keep_finished = False
    ledger.finish(esc, EscalationState.ABANDONED)
    assert sum(ledger.counts().values()) == 1
    assert ledger.counts()[EscalationState.ABANDONED] == 1
    assert not ledger.arrived("e1")
    with pytest.raises(UnknownEscalation):
        ledger.state_of("e1")


def test_a_finished_escalation_is_not_live_for_events() -> None:
    ledger, _, esc = setup()
    ledger.finish(esc, EscalationState.COMPLETED)
    with pytest.raises(InvalidTransition, match="already completed"):
        ledger.expect_live("e1")
    with pytest.raises(UnknownEscalation):
        ledger.live("e1")
    with pytest.raises(UnknownEscalation):
        ledger.expect_live("e2")


def test_problems_name_a_load_out_of_step() -> None:
    ledger, table, esc = setup()
    ledger.offer(esc, 0, T0 + 20)
    table.take_slot(0, 0)  # a slot nobody holds
    assert ledger.problems() == ["agent loads differ from the offers and assignments held"]
