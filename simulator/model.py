"""The SimPy model: one replication of a scenario, routed by the production dispatcher.

SimPy keeps the clock and the event calendar; :class:`routing.dispatcher.Dispatcher` -- the very
object the service runs, imported, never copied -- decides. The model feeds it the events a contact
centre produces and reacts to its decisions:

* **arrivals** (pre-drawn, :mod:`simulator.demand`) -> ``escalation_arrived``;
* an **offer** -> the agent answers after its accept delay (accept, or decline with the scenario's
  probability); an answer slower than the offer timeout never comes and the dispatcher expires
  the offer itself (its agent goes not-responding and recovers after
  ``offers.not_responding_recovery_s``);
* **acceptance** -> work for the escalation's handle time -> ``work_completed``;
* **patience** runs out while the customer still waits for a human (queued or offered) ->
  ``escalation_abandoned``;
* **shifts**: agents are on the roster from the start; the dispatcher follows their weekly shifts
  and breaks in their own time zones, and the model wakes it at every ``next_wakeup_s`` (shift
  changes, offer expiries, relaxation steps, queue aging);
* **shrinkage**: each agent alternates between on-queue and off-queue (``away``) episodes, the
  off-queue ones of mean ``away_episode_min``, the on-queue ones long enough that the share of
  time away is the group's ``shrinkage``; agents keep the work they hold when they step away;
* **deferral**: the dispatcher defers escalations nobody eligible can take within its horizon
  (callback or ticket); they are counted apart from abandonment.

Events are SimPy timeouts with callbacks, not a process per escalation: a generator per customer
costs more than the routing decision itself. After the arrivals stop the model runs on until no
escalation waits for a human (or ``drain_s`` passes), so late arrivals get their outcome too.
"""

from __future__ import annotations

import math
import time
from typing import Final, cast

import numpy as np
import simpy
from numpy.typing import NDArray

from routing.decisions import AgentStatusChanged, Assigned, Decision, Deferred, Finished, Offer, Queued
from routing.dispatcher import Dispatcher
from routing.domain import AgentStatus, Channel, Escalation, EscalationState
from routing.errors import OfferNotActive, UnknownOffer
from simulator.demand import Arrivals, generate_demand, sample
from simulator.records import ABANDONED, ASSIGNED, COMPLETED, DEFERRED, WAITING, RunRecords
from simulator.scenario import AgentGroup, Scenario
from simulator.streams import stream

FloatArray = NDArray[np.float64]

_REOFFER_BATCH: Final = 1024


class Model:
    """One replication. Build, then :meth:`run` once.

    ``counts`` overrides the agents per group (a staffing candidate); groups missing from it keep
    the scenario's count. ``drain_s`` bounds how long the model runs on after the last arrival.
    ``record_etas`` asks the router for the ETA of every escalation queued on arrival (the
    records' ``eta_s``; NaN throughout without it).
    """

    def __init__(
        self,
        scenario: Scenario,
        arrivals: Arrivals,
        replication: np.random.SeedSequence,
        counts: dict[str, int] | None = None,
        *,
        drain_s: float = 3600.0,
        record_etas: bool = True,
    ) -> None:
        self.scenario = scenario
        self.arrivals = arrivals
        self.start_s = scenario.start_s
        self.end_s = scenario.end_s
        self.drain_s = drain_s
        self.env = simpy.Environment(initial_time=self.start_s)
        self.dispatcher = Dispatcher(
            scenario.effective_routing, explain=False, keep_finished=False, queue_estimates=False
        )
        n = len(arrivals)
        self.first_offer_s = np.full(n, np.nan)
        self.accepted_s = np.full(n, np.nan)
        self.finished_s = np.full(n, np.nan)
        self.outcome = np.zeros(n, np.int8)
        self.agent = np.full(n, -1, np.int32)
        self.agent_group = np.full(n, -1, np.int16)
        self.offers = np.zeros(n, np.int16)
        self.offered_on_arrival = np.zeros(n, bool)
        self.eta_s = np.full(n, np.nan)
        self._record_etas = record_etas
        self.waiting = 0
        self.events = 0
        self._next = 0
        self._wake_at = math.inf
        self._new_timers = False
        self._reoffer_rng = stream(replication, "reoffer")
        self._reoffer_delay = np.empty(0)
        self._reoffer_decline = np.empty(0, bool)
        self._reoffer_at = 0
        self._templates = arrivals.templates
        # bound ``ndarray.item``: a Python scalar per call without a list copy of each column
        # (a list of a million floats costs 32 MB, the array 8 MB)
        self._n = n
        self._kind = arrivals.kind.item
        self._created = arrivals.created_s.item
        self._handle = arrivals.handle_s.item
        self._patience = arrivals.patience_s.item
        self._accept_delay = arrivals.accept_delay_s.item
        self._declines = arrivals.declines.item
        # an answer without delay comes in time (and so at once) when no offer times out at once
        routing = scenario.effective_routing
        self._answers_at_once = all(routing.offer_timeout_for(c) > 0 for c in Channel)

        counts = counts or {}
        unknown = sorted(set(counts) - {g.group for g in scenario.roster})
        if unknown:
            raise ValueError(f"counts names unknown group(s): {', '.join(unknown)}")
        self.group_names = tuple(g.group for g in scenario.roster)
        self.group_counts = tuple(counts.get(g.group, g.count) for g in scenario.roster)
        self._group_of: dict[str, int] = {}
        self._agent_no: dict[str, int] = {}
        self._away: dict[str, bool] = {}
        self._not_responding: dict[str, bool] = {}
        self._away_log: list[tuple[int, float, float]] = []
        self._away_since: dict[str, float] = {}
        for g, (group, count) in enumerate(zip(scenario.roster, self.group_counts, strict=True)):
            for k, agent in enumerate(group.agents(count)):
                self._group_of[agent.id] = g
                self._agent_no[agent.id] = len(self._agent_no)
                self.dispatcher.add_agent(agent, self.start_s, AgentStatus.AVAILABLE)
                if group.shrinkage > 0:
                    self._start_shrinkage(agent.id, group, stream(replication, "shrinkage", g, k))

    # ------------------------------------------------------------------------------ running
    def run(self) -> RunRecords:
        """Simulate to the end of the horizon, then drain; return the records."""
        began = time.perf_counter()
        self._schedule_next_arrival()
        self._schedule_wake()
        env = self.env
        env.run(until=self.end_s)
        limit = self.end_s + self.drain_s
        while self.waiting > 0 and env.peek() <= limit:
            env.step()
        stopped = env.now
        for agent_id, since in self._away_since.items():
            self._away_log.append((self._agent_no[agent_id], since, stopped))
        away = np.asarray(self._away_log, dtype=np.float64).reshape(-1, 3)
        agent_groups = np.asarray(list(self._group_of.values()), dtype=np.int16)
        return RunRecords(
            arrivals=self.arrivals,
            first_offer_s=self.first_offer_s,
            accepted_s=self.accepted_s,
            finished_s=self.finished_s,
            outcome=self.outcome,
            agent=self.agent,
            agent_group=self.agent_group,
            offers=self.offers,
            offered_on_arrival=self.offered_on_arrival,
            eta_s=self.eta_s,
            group_names=self.group_names,
            group_counts=self.group_counts,
            agent_groups=agent_groups,
            away_agent=away[:, 0].astype(np.int32),
            away_start_s=away[:, 1],
            away_end_s=away[:, 2],
            start_s=self.start_s,
            end_s=self.end_s,
            stopped_s=float(stopped),
            events=self.events,
            wall_s=time.perf_counter() - began,
        )

    def _schedule_next_arrival(self) -> None:
        if self._next < self._n:
            ev = self.env.timeout(self._created(self._next) - self.env.now)
            ev.callbacks.append(self._on_arrival)

    def _schedule_wake_if_needed(self) -> None:
        """:meth:`_schedule_wake`, skipped when the last event left no new live dispatcher timer.

        The dispatcher only gains a live timer (offer expiry, relaxation step) when an offer stays
        unanswered or an escalation is queued; an escalation handed over and accepted at once
        leaves only timers that are already dead. Skipping the check then saves a heap inspection
        on most events of a well-staffed run.
        """
        if self._new_timers:
            self._new_timers = False
            self._schedule_wake()

    def _schedule_wake(self) -> None:
        """Make sure SimPy wakes the dispatcher at its next timer or shift change."""
        due = self.dispatcher.next_wakeup_s()
        if due < self._wake_at:
            self._wake_at = due
            now = self.env.now
            self.env.timeout(due - now if due > now else 0.0).callbacks.append(self._on_wake)

    # ------------------------------------------------------------------------------ events
    def _on_arrival(self, _: simpy.Event) -> None:
        i = self._next
        self._next += 1
        self.events += 1
        now = self.env.now
        escalation = Escalation(str(i), self._created(i), *self._templates[self._kind(i)])
        self.waiting += 1
        if self._answers_at_once and self._accept_delay(i) == 0.0 and not self._declines(i):
            # the first offer would be accepted on the spot: one dispatcher call makes and accepts it
            decisions = self.dispatcher.escalation_arrived_and_accepted(escalation, now)
            if decisions and type(decisions[0]) is Offer:
                self.offered_on_arrival[i] = True
                self.offers[i] = 1
                self.first_offer_s[i] = now
                self.events += 1  # the answer, as _offered counts it
                self._assigned(i, cast(Assigned, decisions[1]).agent_id)
                self._schedule_next_arrival()
                return
        else:
            decisions = self.dispatcher.escalation_arrived(escalation, now)
        if decisions and type(decisions[0]) is Offer:
            self.offered_on_arrival[i] = True
        elif self._record_etas and decisions and type(decisions[0]) is Queued:
            eta_s = self.dispatcher.queue_estimate(escalation.id, now)[1]
            self.eta_s[i] = math.inf if eta_s is None else eta_s
        self._apply(decisions, now)
        # a customer handed to an agent at once cannot abandon: no patience event for them
        if self.outcome[i] == WAITING:
            patience = self._patience(i)
            if patience < math.inf:
                self.env.timeout(patience, value=i).callbacks.append(self._on_patience)
        self._schedule_next_arrival()
        self._schedule_wake_if_needed()

    def _on_patience(self, ev: simpy.Event) -> None:
        i = ev.value
        if self.outcome[i] != WAITING:
            return
        self.events += 1
        now = self.env.now
        self._apply(self.dispatcher.escalation_abandoned(str(i), now), now)
        self._schedule_wake_if_needed()

    def _on_answer(self, ev: simpy.Event) -> None:
        offer_id, declines = cast(tuple[str, bool], ev.value)
        now = self.env.now
        try:
            if declines:
                decisions = self.dispatcher.offer_declined(offer_id, now)
            else:
                decisions = self.dispatcher.offer_accepted(offer_id, now)
        except (OfferNotActive, UnknownOffer):
            # the offer ended first (the customer left; without kept history the id is unknown)
            return
        self.events += 1
        self._apply(decisions, now)
        self._schedule_wake_if_needed()

    def _on_done(self, ev: simpy.Event) -> None:
        i = ev.value
        self.events += 1
        now = self.env.now
        decisions = self.dispatcher.work_completed(str(i), now)
        # the first decision is this escalation's Finished (completed); offers of the freed slot follow
        self.finished_s[i] = now
        self.outcome[i] = COMPLETED
        if len(decisions) > 1:
            self._apply(decisions[1:], now)
        if self._new_timers:
            self._schedule_wake_if_needed()

    def _on_wake(self, _: simpy.Event) -> None:
        now = self.env.now
        if now >= self._wake_at:
            self._wake_at = math.inf
        if self.dispatcher.next_wakeup_s() <= now:
            self.events += 1
            self._apply(self.dispatcher.tick(now), now)
        self._schedule_wake()

    # ------------------------------------------------------------------------------ decisions
    def _apply(self, decisions: list[Decision], now: float) -> None:
        """Record each decision and schedule what follows from it (answers, work, recovery)."""
        k = 0
        while k < len(decisions):
            decision = decisions[k]
            k += 1
            # isinstance, most frequent first: this loop runs for every decision of the run
            if isinstance(decision, Offer):
                more = self._offered(decision, now)
                if more:
                    decisions.extend(more)
            elif isinstance(decision, Assigned):
                self._assigned(int(decision.escalation_id), decision.agent_id)
            elif isinstance(decision, Finished):
                i = int(decision.escalation_id)
                self.finished_s[i] = now
                if decision.state is EscalationState.COMPLETED:
                    self.outcome[i] = COMPLETED
                else:
                    self.outcome[i] = ABANDONED
                    self.waiting -= 1
            elif isinstance(decision, Queued):
                self._new_timers = True
            elif isinstance(decision, Deferred):
                i = int(decision.escalation_id)
                self.finished_s[i] = now
                self.outcome[i] = DEFERRED
                self.waiting -= 1
            elif isinstance(decision, AgentStatusChanged) and decision.status is AgentStatus.NOT_RESPONDING:
                self._not_responding[decision.agent_id] = True
                recovery = self.scenario.offers.not_responding_recovery_s
                self.env.timeout(recovery, value=decision.agent_id).callbacks.append(self._on_recovered)

    def _assigned(self, i: int, agent_id: str) -> None:
        """Record that ``agent_id`` accepted escalation ``i`` now and start the work: it ends
        after the escalation's handle time."""
        env = self.env
        self.accepted_s[i] = env.now
        self.outcome[i] = ASSIGNED
        self.agent[i] = self._agent_no[agent_id]
        self.agent_group[i] = self._group_of[agent_id]
        self.waiting -= 1
        env.timeout(self._handle(i), value=i).callbacks.append(self._on_done)

    def _offered(self, offer: Offer, now: float) -> list[Decision]:
        """Decide how the agent answers; answer at once when there is no delay."""
        i = int(offer.escalation_id)
        made = self.offers[i]
        self.offers[i] = made + 1
        if made == 0:
            self.first_offer_s[i] = now
            delay, declines = float(self.arrivals.accept_delay_s[i]), bool(self.arrivals.declines[i])
        else:
            delay, declines = self._reoffer_answer()
        if delay >= offer.expires_at_s - now:
            self._new_timers = True
            return []  # too slow: the dispatcher expires the offer at its timeout
        if delay > 0:
            self._new_timers = True
            ev = self.env.timeout(delay, value=(offer.offer_id, declines))
            ev.callbacks.append(self._on_answer)
            return []
        self.events += 1
        if declines:
            return self.dispatcher.offer_declined(offer.offer_id, now)
        return self.dispatcher.offer_accepted(offer.offer_id, now)

    def _reoffer_answer(self) -> tuple[float, bool]:
        if self._reoffer_at >= self._reoffer_delay.size:
            offers = self.scenario.offers
            self._reoffer_delay = sample(offers.accept_delay, self._reoffer_rng, _REOFFER_BATCH)
            self._reoffer_decline = self._reoffer_rng.random(_REOFFER_BATCH) < offers.decline_probability
            self._reoffer_at = 0
        j = self._reoffer_at
        self._reoffer_at += 1
        return float(self._reoffer_delay[j]), bool(self._reoffer_decline[j])

    # ------------------------------------------------------------------------------ agents
    def _status_for(self, agent_id: str) -> AgentStatus:
        if self._away.get(agent_id):
            return AgentStatus.AWAY
        if self._not_responding.get(agent_id):
            return AgentStatus.NOT_RESPONDING
        return AgentStatus.AVAILABLE

    def _set_status(self, agent_id: str) -> None:
        now = self.env.now
        self.events += 1
        self._apply(self.dispatcher.set_agent_status(agent_id, self._status_for(agent_id), now), now)
        self._schedule_wake()

    def _on_recovered(self, ev: simpy.Event) -> None:
        agent_id = cast(str, ev.value)
        self._not_responding[agent_id] = False
        self._set_status(agent_id)

    def _start_shrinkage(self, agent_id: str, group: AgentGroup, rng: np.random.Generator) -> None:
        """Alternate on-queue and away episodes so that the share of time away is ``shrinkage``."""
        away_mean_s = group.away_episode_min * 60.0
        on_mean_s = away_mean_s * (1.0 - group.shrinkage) / group.shrinkage

        def toggle(_: simpy.Event | None) -> None:
            now = self.env.now
            if self._away.get(agent_id):
                self._away[agent_id] = False
                self._away_log.append((self._agent_no[agent_id], self._away_since.pop(agent_id), now))
                spell = rng.exponential(on_mean_s)
            else:
                self._away[agent_id] = True
                self._away_since[agent_id] = now
                spell = rng.exponential(away_mean_s)
            if _ is not None:
                self._set_status(agent_id)
            self.env.timeout(spell).callbacks.append(toggle)

        # start in the stationary mix: away with probability `shrinkage`
        if rng.random() < group.shrinkage:
            self._away[agent_id] = False  # toggle() flips it to away
            toggle(None)
            self.dispatcher.set_agent_status(agent_id, AgentStatus.AWAY, self.start_s)
        else:
            self.env.timeout(rng.exponential(on_mean_s)).callbacks.append(toggle)


def simulate(
    scenario: Scenario,
    replication: np.random.SeedSequence,
    counts: dict[str, int] | None = None,
    arrivals: Arrivals | None = None,
    *,
    record_etas: bool = True,
) -> RunRecords:
    """Run one replication of ``scenario`` (optionally with other group ``counts``) and return its
    records. ``arrivals`` defaults to the replication's own demand (pass it to reuse one draw);
    ``record_etas``: see :class:`Model`."""
    if arrivals is None:
        arrivals = generate_demand(scenario, replication)
    return Model(scenario, arrivals, replication, counts, record_etas=record_etas).run()
