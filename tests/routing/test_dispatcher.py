"""The dispatcher's decisions in the situations a contact-center engineer checks first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from routing.decisions import (
    AgentStatusChanged,
    Assigned,
    Decision,
    Deferred,
    Finished,
    Offer,
    OfferRevoked,
    Queued,
    Relaxed,
)
from routing.dispatcher import Dispatcher
from routing.domain import (
    Agent,
    AgentStatus,
    Channel,
    CustomerTier,
    DeferralMode,
    Escalation,
    EscalationState,
    WeeklyShift,
)
from routing.errors import DuplicateEscalation, InvalidTransition, OfferNotActive, UnknownAgent, UnknownOffer

# Tuesday 2026-12-01 09:00 UTC
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()
ALL_DAYS = frozenset(range(7))


def agent(agent_id: str, skills: dict[str, int] | None = None, **kw: object) -> Agent:
    kw.setdefault("channel_caps", {Channel.CHAT: 1})
    return Agent(agent_id, skills or {"billing": 3}, **kw)  # type: ignore[arg-type]


def esc(esc_id: str, at: float = T0, skills: dict[str, int] | None = None, **kw: object) -> Escalation:
    kw.setdefault("channel", Channel.CHAT)
    return Escalation(esc_id, at, required_skills=skills or {"billing": 2}, **kw)  # type: ignore[arg-type]


def desk(*agents: Agent, status: AgentStatus = AgentStatus.AVAILABLE) -> Dispatcher:
    d = Dispatcher()
    for a in agents:
        d.add_agent(a, T0 - 600, status)
    return d


def only(decisions: list[Decision], kind: type) -> list:  # type: ignore[type-arg]
    return [d for d in decisions if isinstance(d, kind)]


def test_offers_the_closest_fit_not_the_expert() -> None:
    d = desk(agent("expert", {"billing": 5}, tier=1), agent("fit", {"billing": 2}, tier=1))
    [offer] = d.escalation_arrived(esc("e1"), T0)
    assert offer.agent_id == "fit"
    assert offer.explanation.winner_cost.proficiency_surplus == 0
    assert offer.expires_at_s == T0 + 20


def test_longest_idle_agent_wins_between_equals() -> None:
    d = Dispatcher()
    d.add_agent(agent("recent"), T0 - 10, AgentStatus.AVAILABLE)
    d.add_agent(agent("longest"), T0 - 900, AgentStatus.AVAILABLE)
    [offer] = d.escalation_arrived(esc("e1"), T0)
    assert offer.agent_id == "longest"


def test_vip_goes_only_to_tier_two_or_above_and_explains_the_rest() -> None:
    d = desk(
        agent("junior", tier=1),
        agent("senior", tier=2),
        agent("linguist", tier=2, languages=frozenset({"fr"})),
    )
    [offer] = d.escalation_arrived(esc("vip", customer_tier=CustomerTier.VIP), T0)
    assert offer.agent_id == "senior"
    assert offer.explanation.rejected == {"customer_tier_policy": ["junior"], "language": ["linguist"]}
    assert offer.explanation.eligible == 1


def test_data_residency_keeps_eu_customers_with_eu_agents() -> None:
    d = desk(agent("us1", regions=frozenset({"us"})), agent("eu1", regions=frozenset({"eu"})))
    [offer] = d.escalation_arrived(esc("e1", customer_region="eu"), T0)
    assert offer.agent_id == "eu1"


def test_accept_assigns_and_reports_handoff_time() -> None:
    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("e1"), T0)
    [assigned] = d.offer_accepted(offer.offer_id, T0 + 7)
    assert assigned == Assigned("e1", "a", offer.offer_id, 7.0)
    assert d.state_of("e1") is EscalationState.ASSIGNED


def test_decline_reroutes_to_someone_else_never_back() -> None:
    d = desk(agent("a"), agent("b"))
    [first] = d.escalation_arrived(esc("e1"), T0)
    out = d.offer_declined(first.offer_id, T0 + 3)
    assert out[0] == OfferRevoked(first.offer_id, "e1", first.agent_id, "declined by agent")
    [second] = only(out, Offer)
    assert second.agent_id != first.agent_id
    out = d.offer_declined(second.offer_id, T0 + 5)
    [queued] = only(out, Queued)
    assert queued.explanation.rejected == {"offered_before": ["a", "b"]}


def test_expired_offer_marks_agent_not_responding_and_reroutes() -> None:
    d = desk(agent("a"), agent("b"))
    [first] = d.escalation_arrived(esc("e1"), T0)
    assert d.next_wakeup_s() == first.expires_at_s
    out = d.tick(first.expires_at_s)
    assert only(out, OfferRevoked)[0].offer_id == first.offer_id
    assert only(out, AgentStatusChanged) == [
        AgentStatusChanged(first.agent_id, AgentStatus.NOT_RESPONDING, "offer expired unanswered")
    ]
    [again] = only(out, Offer)
    assert again.agent_id != first.agent_id
    assert d.agent_status(first.agent_id) is AgentStatus.NOT_RESPONDING
    with pytest.raises(OfferNotActive):
        d.offer_accepted(first.offer_id, first.expires_at_s + 1)


def test_relaxation_lowers_proficiency_after_thirty_seconds() -> None:
    d = desk(agent("b2", {"billing": 2}))
    [queued] = d.escalation_arrived(esc("e1", skills={"billing": 3}), T0)
    assert isinstance(queued, Queued)
    assert queued.explanation.rejected == {"proficiency": ["b2"]}
    out = d.advance_to(T0 + 30)
    kinds = [type(x) for _, x in out]
    assert kinds == [Relaxed, Offer]
    assert out[1][0] == T0 + 30
    assert out[1][1].explanation.relaxation == "after 30s: minimum proficiency lowered by 1"


def test_preferred_skills_required_first_then_dropped() -> None:
    d = desk(agent("plain", {"billing": 3}))
    [queued] = d.escalation_arrived(esc("e1", preferred_skills={"refunds": 3}), T0)
    assert isinstance(queued, Queued)
    [(_, relaxed), (_, offer)] = d.advance_to(T0 + 10)
    assert isinstance(relaxed, Relaxed)
    assert isinstance(offer, Offer)
    assert offer.explanation.winner_cost.preferred_skill_miss == 1.0


def test_higher_priority_gets_the_freed_agent_and_aging_prevents_starvation() -> None:
    d = desk(agent("a", tier=2))
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    d.escalation_arrived(esc("old-standard", T0), T0)
    d.escalation_arrived(esc("new-vip", T0 + 60, customer_tier=CustomerTier.VIP), T0 + 60)
    assert d.waiting_ids() == ["new-vip", "old-standard"]  # VIP 4 vs 1 + 1/min aging
    late = T0 + 60 * 10
    d.escalation_arrived(esc("newest-vip", late, customer_tier=CustomerTier.VIP), late)
    # old-standard has waited 10 min (1 + 10 = 11) and now outranks a fresh VIP (4)
    assert d.waiting_ids() == ["new-vip", "old-standard", "newest-vip"]
    assert d.priority_of("old-standard", late) == pytest.approx(11.0)
    [nxt] = only(d.work_completed("busy", late), Offer)
    assert nxt.escalation_id == "new-vip"


def test_queue_reports_position_and_eta() -> None:
    d = desk(agent("a", channel_caps={Channel.CHAT: 2}))
    for i in range(2):
        [o] = d.escalation_arrived(esc(f"busy{i}"), T0)
        d.offer_accepted(o.offer_id, T0)
    [q1] = d.escalation_arrived(esc("q1"), T0 + 1)
    [q2] = d.escalation_arrived(esc("q2"), T0 + 2)
    assert (q1.position, q2.position) == (1, 2)
    # no completion seen yet: the work accepted at T0 is expected to take the default chat handle
    # time (600 s), so the 2 slots free at 2 per 599 s from q1's arrival, 2 per 598 s from q2's
    # (routing.eta): q1 waits for one of them, q2 for both
    assert q1.eta_s == pytest.approx(599 / 2)
    assert q2.eta_s == pytest.approx(598)


def test_outside_hours_chat_is_deferred_to_a_ticket_with_next_opening() -> None:
    night = WeeklyShift(ALL_DAYS, 20 * 60, 23 * 60)  # 20:00-23:00 local
    d = desk(agent("eve", shifts=(night,), time_zone="UTC"))
    [deferred] = d.escalation_arrived(esc("e1"), T0)
    assert isinstance(deferred, Deferred)
    assert deferred.mode is DeferralMode.TICKET
    assert deferred.next_open_at_s == datetime(2026, 12, 1, 20, 0, tzinfo=UTC).timestamp()
    assert d.state_of("e1") is EscalationState.DEFERRED


def test_voice_is_deferred_to_a_callback_and_nobody_matching_means_no_opening() -> None:
    d = desk(agent("a"))
    [deferred] = d.escalation_arrived(esc("e1", skills={"legal": 3}, channel=Channel.VOICE), T0)
    assert isinstance(deferred, Deferred)
    assert deferred.mode is DeferralMode.CALLBACK
    assert deferred.next_open_at_s is None
    assert "no agent on the roster" in deferred.reason


def test_shift_starting_within_horizon_queues_then_offers_at_start() -> None:
    soon = WeeklyShift(ALL_DAYS, 9 * 60 + 10, 17 * 60)  # starts 09:10 UTC, ten minutes away
    d = desk(agent("a", shifts=(soon,)), agent("b", shifts=(soon,)))
    [q1] = d.escalation_arrived(esc("e1"), T0)
    [q2] = d.escalation_arrived(esc("e2"), T0)
    assert isinstance(q1, Queued)
    assert isinstance(q2, Queued)
    offers = [(at, x) for at, x in d.advance_to(T0 + 600) if isinstance(x, Offer)]
    assert sorted(o.agent_id for _, o in offers) == ["a", "b"]  # both start at once: batch solve
    assert {at for at, _ in offers} == {T0 + 600}
    assert d.violations() == []


def test_breaks_take_the_agent_off_and_bring_them_back() -> None:
    shift = WeeklyShift(ALL_DAYS, 8 * 60, 17 * 60, breaks=((9 * 60, 9 * 60 + 10),))
    d = desk(agent("a", shifts=(shift,)))  # added at 08:50, on shift
    assert d.agent_on_shift("a")
    assert d.next_wakeup_s() == T0  # the break starts at 09:00
    d.tick(T0)
    assert not d.agent_on_shift("a")
    [queued] = d.escalation_arrived(esc("e1"), T0 + 1)
    assert isinstance(queued, Queued)  # back within the 15 min deferral horizon
    assert queued.explanation.rejected == {"on_shift": ["a"]}
    offers = [(at, x) for at, x in d.advance_to(T0 + 1800) if isinstance(x, Offer)]
    assert [(at, o.agent_id) for at, o in offers] == [(T0 + 600, "a")]


def test_a_long_break_with_nobody_else_defers() -> None:
    shift = WeeklyShift(ALL_DAYS, 8 * 60, 17 * 60, breaks=((9 * 60, 10 * 60),))
    d = desk(agent("a", shifts=(shift,)))
    d.tick(T0)
    [deferred] = d.escalation_arrived(esc("e1"), T0 + 1)
    assert isinstance(deferred, Deferred)
    assert deferred.next_open_at_s == T0 + 3600


def test_going_offline_revokes_offers_and_reroutes() -> None:
    d = desk(agent("a"), agent("b"))
    [offer] = d.escalation_arrived(esc("e1"), T0)
    out = d.set_agent_status(offer.agent_id, AgentStatus.OFFLINE, T0 + 2)
    [revoked] = only(out, OfferRevoked)
    assert revoked.offer_id == offer.offer_id
    [again] = only(out, Offer)
    assert again.agent_id != offer.agent_id


def test_lowering_a_cap_withdraws_the_newest_offers_above_it_and_keeps_accepted_work() -> None:
    d = desk(agent("a", channel_caps={Channel.CHAT: 1}), agent("b", channel_caps={Channel.CHAT: 1}))
    d.add_agent(agent("a", channel_caps={Channel.CHAT: 3}), T0)
    d.set_agent_status("b", AgentStatus.AWAY, T0)
    offers = [only(d.escalation_arrived(esc(f"e{i}"), T0 + i), Offer)[0] for i in range(3)]
    assert {o.agent_id for o in offers} == {"a"}
    d.offer_accepted(offers[0].offer_id, T0 + 5)
    d.set_agent_status("b", AgentStatus.AVAILABLE, T0 + 6)  # b has room for one: nothing waits
    out = d.add_agent(agent("a", channel_caps={Channel.CHAT: 1}), T0 + 7)
    revoked = only(out, OfferRevoked)
    assert {r.offer_id for r in revoked} == {offers[1].offer_id, offers[2].offer_id}
    assert all(r.reason == "cap lowered" for r in revoked)
    assert d.agent_load("a") == {"chat": 1}  # the accepted one stays
    assert d.violations() == []


def test_a_cap_lowered_under_accepted_work_takes_effect_as_it_finishes() -> None:
    d = desk(agent("a", channel_caps={Channel.CHAT: 2}))
    for i in range(2):
        [offer] = d.escalation_arrived(esc(f"e{i}"), T0 + i)
        d.offer_accepted(offer.offer_id, T0 + i + 1)
    assert only(d.add_agent(agent("a", channel_caps={Channel.CHAT: 1}), T0 + 3), OfferRevoked) == []
    assert d.agent_load("a") == {"chat": 2}  # kept: nothing is taken from an agent mid-conversation
    assert d.violations() == []
    d.escalation_arrived(esc("e2"), T0 + 4)
    assert d.state_of("e2") is EscalationState.QUEUED
    assert only(d.work_completed("e0", T0 + 5), Offer) == []  # still at the new cap
    assert only(d.work_completed("e1", T0 + 6), Offer)[0].escalation_id == "e2"


def test_abandon_while_offered_frees_the_slot_for_the_next_in_line() -> None:
    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("e1"), T0)
    d.escalation_arrived(esc("e2"), T0 + 1)
    out = d.escalation_abandoned("e1", T0 + 5)
    assert isinstance(out[0], Finished)
    assert only(out, OfferRevoked)[0].offer_id == offer.offer_id
    assert only(out, Offer)[0].escalation_id == "e2"
    assert d.counts()[EscalationState.ABANDONED] == 1


def test_errors_name_what_is_wrong() -> None:
    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("e1"), T0)
    with pytest.raises(DuplicateEscalation, match="'e1' already arrived"):
        d.escalation_arrived(esc("e1"), T0)
    with pytest.raises(UnknownOffer, match="unknown offer 'nope'"):
        d.offer_accepted("nope", T0)
    with pytest.raises(InvalidTransition, match="is offered, not assigned"):
        d.work_completed("e1", T0)
    with pytest.raises(UnknownAgent, match="unknown agent 'zed'"):
        d.set_agent_status("zed", AgentStatus.AVAILABLE, T0)
    d.offer_accepted(offer.offer_id, T0 + 1)
    with pytest.raises(InvalidTransition, match="still has 1 assigned"):
        d.remove_agent("a", T0 + 2)
    with pytest.raises(InvalidTransition, match="only waiting ones abandon"):
        d.escalation_abandoned("e1", T0 + 3)
    d.work_completed("e1", T0 + 4)
    with pytest.raises(InvalidTransition, match="already completed"):
        d.work_completed("e1", T0 + 5)


def test_concurrency_caps_and_total_cap_hold() -> None:
    d = desk(agent("a", channel_caps={Channel.CHAT: 3, Channel.VOICE: 1}, max_total=3))
    offers = [d.escalation_arrived(esc(f"c{i}"), T0) for i in range(2)]
    assert all(isinstance(o[0], Offer) for o in offers)
    [voice] = d.escalation_arrived(esc("v1", channel=Channel.VOICE), T0)
    assert isinstance(voice, Offer)
    [queued] = d.escalation_arrived(esc("c3"), T0)
    assert isinstance(queued, Queued)
    assert d.agent_load("a") == {"chat": 2, "voice": 1}


def test_profile_update_takes_effect_for_waiting_escalations() -> None:
    d = desk(agent("a", {"billing": 3}), agent("r", {"refunds": 3}))
    [busy] = d.escalation_arrived(esc("busy", skills={"refunds": 2}), T0)
    d.offer_accepted(busy.offer_id, T0)
    [queued] = d.escalation_arrived(esc("e1", skills={"refunds": 2}), T0)
    assert isinstance(queued, Queued)  # the only refunds agent is busy
    # a planner adds the skill to an idle agent while the customer waits
    [offer] = d.add_agent(agent("a", {"billing": 3, "refunds": 2}), T0 + 5)
    assert isinstance(offer, Offer)
    assert offer.agent_id == "a"
    assert d.agent_profile("a").skills == {"billing": 3, "refunds": 2}


def test_one_tick_across_two_relaxation_thresholds_relaxes_twice() -> None:
    """A tick that jumps past several steps applies each, and the escalation is queued once."""
    d = Dispatcher()
    d.add_agent(Agent("a", {"billing": 1}), 0.0, AgentStatus.AVAILABLE)
    d.escalation_arrived(
        Escalation("e", 0.0, Channel.CHAT, {"billing": 2}, preferred_skills={"billing": 3}), 0.0
    )
    decisions = d.tick(100.0)
    assert [x.level for x in decisions if isinstance(x, Relaxed)] == [1, 2, 3]
    assert any(isinstance(x, Offer) and x.agent_id == "a" for x in decisions)
    assert d.violations() == []
