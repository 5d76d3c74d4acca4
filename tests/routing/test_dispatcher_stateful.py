"""The dispatcher driven by random event sequences beside a simple model.

After every step: the dispatcher's own audit is clean, every escalation is in exactly the state the
decisions said (nothing lost), no agent is over a cap, at most one active offer per escalation,
every offer went to an agent the reference model finds eligible at that moment, and nothing waits
in a void: a waiting escalation is kept from an idle agent who could take it only by the re-offer
policy (that agent's offer of it failed less than the cool-down ago, or they had it the most times
allowed), its reason says so, and it waits at all only while someone who may still be offered it
is logged in. The machine runs with and without an arrival window: an arrival held for its window
is the one that may wait beside a free agent, and only until the window ends.

The lifecycle events run too: cancels for every reason (customer left: abandoned; the others:
cancelled), hand-backs, transfers (never offered back to the agent who transferred it; its
creation time kept), wrap-ups after completion (the slot held until the wrap-up ends, by its
alarm or early) and callbacks (its offers say so).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from routing.arrival_batch import HELD_REASON
from routing.decisions import (
    AgentStatusChanged,
    Assigned,
    CallbackRequested,
    Decision,
    Deferred,
    Finished,
    Offer,
    OfferRevoked,
    Queued,
    Relaxed,
    Transferred,
    WrapUpEnded,
)
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, CancelReason, Channel, Escalation, EscalationState
from routing.settings import RoutingSettings
from tests.routing.strategies import agents, escalations, reference_eligible


class DispatcherMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.d = Dispatcher()
        self.now_s = 1_000.0
        self.profiles: dict[str, Agent] = {}
        self.status: dict[str, AgentStatus] = {}
        self.specs: dict[str, Escalation] = {}
        self.state: dict[str, EscalationState] = {}
        self.offer: dict[str, tuple[str, str]] = {}  # offer id -> (escalation, agent)
        self.holder: dict[str, str] = {}  # offered/assigned escalation -> agent
        self.offers_made: Counter[tuple[str, str]] = Counter()  # (escalation, agent) -> offers
        self.failed_at: dict[tuple[str, str], tuple[float, bool]] = {}  # -> (when, declined)
        self.held_at: dict[str, float] = {}  # escalation held for its arrival window -> since
        self.transferred_from: dict[str, set[str]] = {}  # escalation -> agents who transferred it
        self.wrapping: dict[str, tuple[str, Channel]] = {}  # completed escalation -> (agent, channel)
        self.callbacks: set[str] = set()
        self.n_arrived = 0

    # ------------------------------------------------------------------ applying decisions
    def apply(self, decisions: list[Decision]) -> None:
        for d in decisions:
            if not isinstance(d, Relaxed | AgentStatusChanged | CallbackRequested | WrapUpEnded):
                # it said what happens to it next
                self.held_at.pop(d.escalation_id, None)
            if isinstance(d, Offer):
                self.check_offer(d)
                self.offer[d.offer_id] = (d.escalation_id, d.agent_id)
                self.holder[d.escalation_id] = d.agent_id
                self.offers_made[d.escalation_id, d.agent_id] += 1
                self.state[d.escalation_id] = EscalationState.OFFERED
            elif isinstance(d, Assigned):
                self.state[d.escalation_id] = EscalationState.ASSIGNED
            elif isinstance(d, Queued):
                self.state[d.escalation_id] = EscalationState.QUEUED
                if d.reason.startswith(HELD_REASON):
                    self.held_at[d.escalation_id] = self.now_s
            elif isinstance(d, Deferred):
                self.state[d.escalation_id] = EscalationState.DEFERRED
            elif isinstance(d, Finished):
                self.state[d.escalation_id] = d.state
                self.holder.pop(d.escalation_id, None)
            elif isinstance(d, OfferRevoked):
                assert self.offer.pop(d.offer_id)[0] == d.escalation_id
                declined = d.reason == "declined by agent"
                self.failed_at[d.escalation_id, d.agent_id] = (self.now_s, declined)
                self.holder.pop(d.escalation_id, None)
                if self.state[d.escalation_id] is EscalationState.OFFERED:
                    self.state[d.escalation_id] = EscalationState.QUEUED
            elif isinstance(d, AgentStatusChanged):
                self.status[d.agent_id] = d.status
            elif isinstance(d, Transferred):
                assert self.holder.pop(d.escalation_id) == d.agent_id
                self.state[d.escalation_id] = EscalationState.QUEUED
            elif isinstance(d, WrapUpEnded):
                assert self.wrapping.pop(d.escalation_id)[0] == d.agent_id
            elif isinstance(d, CallbackRequested):
                self.callbacks.add(d.escalation_id)
            else:
                assert isinstance(d, Relaxed)

    def load_of(self, agent_id: str) -> Counter[Channel]:
        held = Counter(
            self.specs[e].channel
            for e, a in self.holder.items()
            if a == agent_id and self.state[e] in (EscalationState.OFFERED, EscalationState.ASSIGNED)
        )
        return held + Counter(c for a, c in self.wrapping.values() if a == agent_id)

    def check_offer(self, offer: Offer) -> None:
        esc_id, agent_id = offer.escalation_id, offer.agent_id
        assert self.state.get(esc_id) in (None, EscalationState.QUEUED, EscalationState.OFFERED)
        assert self.kept_by_policy(esc_id, agent_id) is None, "re-offered against the re-offer policy"
        assert offer.callback == (esc_id in self.callbacks), "the offer does not say it is a callback"
        # Relaxation only loosens, so eligibility at the loosest level the wait allows is the
        # weakest claim; the dispatcher may lag a level behind between ticks, never ahead.
        waited = self.now_s - self.specs[esc_id].created_s
        level = sum(1 for s in self.d.settings.relaxation if s.after_s <= waited)
        assert reference_eligible(
            self.profiles[agent_id],
            self.specs[esc_id],
            level,
            self.d.settings,
            status=self.status[agent_id],
            on_shift=True,
            load=self.load_of(agent_id),
            offered_before=False,
        ), f"{esc_id} offered to ineligible agent {agent_id}"

    def kept_by_policy(self, esc_id: str, agent_id: str) -> str | None:
        """Why the re-offer policy keeps ``esc_id`` from ``agent_id`` now; ``None`` if it does not."""
        policy = self.d.settings.reoffer
        if agent_id in self.transferred_from.get(esc_id, ()):
            return "transferred"
        if (esc_id, agent_id) not in self.failed_at:
            return None
        limit = policy.max_offers_per_agent
        if limit is not None and self.offers_made[esc_id, agent_id] >= limit:
            return "exhausted"
        failed_s, declined = self.failed_at[esc_id, agent_id]
        if self.now_s < failed_s + policy.cool_down_s(declined=declined):
            return "cooling down"
        return None

    def could_take(self, agent_id: str, esc_id: str, level: int, *, now: bool = True) -> bool:
        """Whether ``agent_id`` could take ``esc_id`` at ``level``: now (available, a free slot) or
        some time (logged in; status and load aside)."""
        status = self.status[agent_id] if now else AgentStatus.AVAILABLE
        load: Mapping[Channel, int] = self.load_of(agent_id) if now else {}
        return reference_eligible(
            self.profiles[agent_id],
            self.specs[esc_id],
            level,
            self.d.settings,
            status=status,
            on_shift=True,
            load=load,
            offered_before=False,
        )

    def advance(self, dt_s: float) -> None:
        self.now_s += dt_s
        for at_s, decision in self.d.advance_to(self.now_s):
            saved, self.now_s = self.now_s, at_s
            self.apply([decision])
            self.now_s = saved

    # ------------------------------------------------------------------ rules
    @initialize(
        data=st.data(),
        n=st.integers(1, 5),
        window_s=st.sampled_from([0.0, 0.5, 2.0, 2.0]),
        wrap_up_s=st.sampled_from([0.0, 15.0]),
        callbacks=st.sampled_from([frozenset({Channel.VOICE}), frozenset(Channel)]),
    )
    def roster(
        self, data: st.DataObject, n: int, window_s: float, wrap_up_s: float, callbacks: frozenset[Channel]
    ) -> None:
        wrap_up = dict.fromkeys(Channel, wrap_up_s)
        self.d = Dispatcher(
            RoutingSettings(arrival_batch_window_s=window_s, wrap_up_s=wrap_up, callback_channels=callbacks)
        )
        for i in range(n):
            agent = data.draw(agents(f"a{i}"))
            status = data.draw(
                st.sampled_from([AgentStatus.AVAILABLE, AgentStatus.AVAILABLE, AgentStatus.AWAY])
            )
            self.profiles[agent.id] = agent
            self.status[agent.id] = status
            self.apply(self.d.add_agent(agent, self.now_s, status))

    @rule(data=st.data(), dt_s=st.sampled_from([0.0, 1.0, 5.0]))
    def arrive(self, data: st.DataObject, dt_s: float) -> None:
        self.advance(dt_s)
        esc = data.draw(escalations(f"e{self.n_arrived}", self.now_s))
        self.n_arrived += 1
        self.specs[esc.id] = esc
        self.state[esc.id] = EscalationState.QUEUED
        decisions = self.d.escalation_arrived(esc, self.now_s)
        assert any(getattr(x, "escalation_id", None) == esc.id for x in decisions), "arrival left unanswered"
        self.apply(decisions)

    @precondition(lambda self: self.offer)
    @rule(data=st.data(), accept=st.booleans())
    def answer_offer(self, data: st.DataObject, accept: bool) -> None:
        offer_id = data.draw(st.sampled_from(sorted(self.offer)))
        esc_id, agent_id = self.offer[offer_id]
        if accept:
            del self.offer[offer_id]
            self.apply(self.d.offer_accepted(offer_id, self.now_s))
            assert self.state[esc_id] is EscalationState.ASSIGNED
        else:
            decisions = self.d.offer_declined(offer_id, self.now_s)
            assert decisions[0] == OfferRevoked(offer_id, esc_id, agent_id, "declined by agent")
            self.apply(decisions)  # the revocation returns it to the queue in the model
            assert self.d.agent_of(esc_id) != agent_id

    @precondition(lambda self: any(s is EscalationState.ASSIGNED for s in self.state.values()))
    @rule(
        data=st.data(), dt_s=st.sampled_from([0.0, 30.0]), wrap_up_s=st.sampled_from([None, 0.0, 5.0, 99.0])
    )
    def complete(self, data: st.DataObject, dt_s: float, wrap_up_s: float | None) -> None:
        assigned = sorted(e for e, s in self.state.items() if s is EscalationState.ASSIGNED)
        esc_id = data.draw(st.sampled_from(assigned))
        agent_id = self.holder[esc_id]
        most_s = self.d.settings.wrap_up_for(self.specs[esc_id].channel)
        if min(most_s, most_s if wrap_up_s is None else wrap_up_s) > 0:
            self.wrapping[esc_id] = (agent_id, self.specs[esc_id].channel)
        self.apply(self.d.work_completed(esc_id, self.now_s, wrap_up_s))
        assert self.state[esc_id] is EscalationState.COMPLETED
        in_wrap_up = any(a == agent_id for a, _ in self.wrapping.values())
        assert in_wrap_up == (self.d.wrap_up_until_s(agent_id) is not None)
        self.advance(dt_s)

    @precondition(lambda self: self.wrapping)
    @rule(data=st.data())
    def end_wrap_up(self, data: st.DataObject) -> None:
        agent_id = data.draw(st.sampled_from(sorted({a for a, _ in self.wrapping.values()})))
        self.apply(self.d.wrap_up_ended(agent_id, self.now_s))
        assert all(a != agent_id for a, _ in self.wrapping.values())
        assert self.d.wrap_up_until_s(agent_id) is None

    @precondition(lambda self: any(s is EscalationState.ASSIGNED for s in self.state.values()))
    @rule(data=st.data())
    def hand_back(self, data: st.DataObject) -> None:
        assigned = sorted(e for e, s in self.state.items() if s is EscalationState.ASSIGNED)
        esc_id = data.draw(st.sampled_from(assigned))
        self.apply(self.d.handed_back(esc_id, self.now_s, "resolved"))
        assert self.state[esc_id] is EscalationState.HANDED_BACK

    @precondition(lambda self: any(s is EscalationState.ASSIGNED for s in self.state.values()))
    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        assigned = sorted(e for e, s in self.state.items() if s is EscalationState.ASSIGNED)
        esc_id = data.draw(st.sampled_from(assigned))
        created_s = self.specs[esc_id].created_s
        new = data.draw(escalations(esc_id, self.now_s))  # new requirements, created now ...
        self.specs[esc_id] = replace(new, created_s=created_s, channel=self.specs[esc_id].channel)
        new = replace(new, channel=self.specs[esc_id].channel)
        self.transferred_from.setdefault(esc_id, set()).add(self.holder[esc_id])
        limit = self.d.settings.reoffer.max_offers_per_agent
        for key in [k for k in self.failed_at if k[0] == esc_id]:  # cool-downs end, exhaustion stays
            if limit is None or self.offers_made[key] < limit:
                del self.failed_at[key]
        decisions = self.d.escalation_transferred(new, self.now_s, "needs another skill")
        assert isinstance(decisions[0], Transferred)
        assert decisions[0].transfers == len(self.transferred_from[esc_id])
        self.apply(decisions)
        if self.state[esc_id] is not EscalationState.DEFERRED:  # deferred: no longer live
            assert self.d.escalation(esc_id).created_s == created_s  # ... but keeps its creation time
        assert self.state[esc_id] is not EscalationState.ASSIGNED

    @precondition(
        lambda self: any(s in (EscalationState.QUEUED, EscalationState.OFFERED) for s in self.state.values())
    )
    @rule(data=st.data())
    def request_callback(self, data: st.DataObject) -> None:
        allowed = self.d.settings.callback_channels
        waiting = sorted(
            e
            for e, s in self.state.items()
            if s in (EscalationState.QUEUED, EscalationState.OFFERED) and self.specs[e].channel in allowed
        )
        if not waiting:
            return
        esc_id = data.draw(st.sampled_from(waiting))
        before = self.d.counts()
        self.apply(self.d.callback_requested(esc_id, self.now_s))
        assert esc_id in self.callbacks
        assert self.d.counts() == before

    @precondition(
        lambda self: any(s in (EscalationState.QUEUED, EscalationState.OFFERED) for s in self.state.values())
    )
    @rule(data=st.data(), reason=st.sampled_from([None, *CancelReason]))
    def abandon(self, data: st.DataObject, reason: CancelReason | None) -> None:
        waiting = sorted(
            e for e, s in self.state.items() if s in (EscalationState.QUEUED, EscalationState.OFFERED)
        )
        esc_id = data.draw(st.sampled_from(waiting))
        if reason is None:  # the simulator's path
            self.apply(self.d.escalation_abandoned(esc_id, self.now_s))
            assert self.state[esc_id] is EscalationState.ABANDONED
        else:
            self.apply(self.d.escalation_cancelled(esc_id, self.now_s, reason))
            assert self.state[esc_id] is reason.state
        assert all(e != esc_id for e, _ in self.offer.values()), "abandoned escalation kept its offer"

    @rule(data=st.data())
    def change_status(self, data: st.DataObject) -> None:
        agent_id = data.draw(st.sampled_from(sorted(self.profiles)))
        status = data.draw(st.sampled_from(list(AgentStatus)))
        self.status[agent_id] = status
        self.apply(self.d.set_agent_status(agent_id, status, self.now_s))

    @rule(dt_s=st.sampled_from([3.0, 11.0, 21.0, 45.0]))
    def time_passes(self, dt_s: float) -> None:
        self.advance(dt_s)

    # ------------------------------------------------------------------ invariants
    @invariant()
    def audit_is_clean(self) -> None:
        assert self.d.violations(self.now_s) == []

    @invariant()
    def held_only_within_the_window(self) -> None:
        window_s = self.d.settings.arrival_batch_window_s
        for esc_id, since_s in self.held_at.items():
            assert self.state[esc_id] is EscalationState.QUEUED
            assert self.now_s < since_s + window_s, f"{esc_id} held past its window"
            assert self.d.waiting_reason(esc_id, self.now_s).startswith(HELD_REASON)

    @invariant()
    def nothing_lost(self) -> None:
        counts = self.d.counts()
        assert sum(counts.values()) == self.n_arrived
        for esc_id, state in self.state.items():
            assert self.d.state_of(esc_id) is state, esc_id
        assert Counter(self.state.values()) == Counter({s: n for s, n in counts.items() if n})

    @invariant()
    def caps_hold(self) -> None:
        for agent_id, agent in self.profiles.items():
            load = self.load_of(agent_id)
            for channel, n in load.items():
                assert n <= agent.channel_caps.get(channel, 0)
            if agent.max_total is not None:
                assert sum(load.values()) <= agent.max_total
            assert {k.value: v for k, v in load.items() if v} == self.d.agent_load(agent_id)

    @invariant()
    def nothing_waits_in_a_void(self) -> None:
        top = len(self.d.settings.relaxation)
        for esc_id, state in self.state.items():
            if state is not EscalationState.QUEUED or esc_id in self.held_at:
                continue
            level = self.d.relaxation_level(esc_id)
            for agent_id in self.profiles:
                if not self.could_take(agent_id, esc_id, level):
                    continue
                assert self.kept_by_policy(esc_id, agent_id), f"{esc_id} waits while {agent_id} is free"
                assert "has been offered it" in self.d.waiting_reason(esc_id, self.now_s)
            assert any(
                self.status[a] is not AgentStatus.OFFLINE
                and self.could_take(a, esc_id, top, now=False)
                and self.kept_by_policy(esc_id, a) not in ("exhausted", "transferred")
                for a in self.profiles
            ), f"{esc_id} waits for nobody: it should be deferred"

    @invariant()
    def one_offer_per_escalation(self) -> None:
        offers = self.d.active_offers()
        assert len({o.escalation_id for o in offers}) == len(offers)
        assert {o.offer_id for o in offers} == set(self.offer)


TestDispatcherMachine = DispatcherMachine.TestCase
TestDispatcherMachine.settings = hyp_settings(
    TestDispatcherMachine.settings, stateful_step_count=30, max_examples=hyp_settings().max_examples
)
