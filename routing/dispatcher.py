"""The dispatcher: a pure, event-driven state machine that decides who takes each escalation.

Events in (each a method, each taking ``now_s``), decisions out (lists of
:mod:`routing.decisions`). No I/O, no wall clock, no global state: the HTTP service and the
simulator drive the very same object, one with real time and storage around it, the other with
SimPy's clock.

The invariant that makes the common events cheap
------------------------------------------------
After every event, **no waiting escalation has an eligible agent with a free slot** (the
assignment is maximal). So when one escalation arrives, the free slots are useless to everyone
already waiting, and the best decision is simply its cheapest eligible agent (fast path A). When
one agent frees up, only that agent's slots are new, and filling them greedily by objective is
optimal (the choices form a matroid: per-channel caps under a total cap) (fast path B). Anything
else -- several escalations relaxed at once, many agents starting a shift together, the arrivals
held for an arrival window (:mod:`routing.arrival_batch`; the one exception to the invariant until
it closes) -- is one batch min-cost-flow solve (:mod:`routing.solver`). The three pick from
:mod:`routing.candidates` and compare the same integer units; ``tests/routing/test_fast_path.py``
proves they reach the same value.

Nothing is lost: every escalation that arrived is in exactly one
:class:`~routing.domain.EscalationState`, kept by the :mod:`routing.ledger`;
:meth:`Dispatcher.counts` sums to the arrivals.

The dispatcher keeps the routing events, the queries and this strategy; the lifecycle events
(completion and wrap-up, hand-back, transfer, cancellation, callback) are its base
:class:`~routing.lifecycle.Lifecycle`; its parts live beside it (roster, eligibility, cost,
waiting_queue, relaxation, reoffer, timers, ledger, placement, arrival_batch).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import numpy as np

from routing.arrival_batch import ArrivalBatch
from routing.candidates import best_waiting, candidate_graph, cheapest_candidate, free_agents
from routing.cost import aging_per_s, costs_now, idle_recency, priority_units
from routing.decisions import (
    AgentStatusChanged,
    Assigned,
    Decision,
    Offer,
    OfferRevoked,
    Relaxed,
)
from routing.domain import (
    Agent,
    AgentStatus,
    Channel,
    Escalation,
    EscalationState,
)
from routing.eligibility import EligibilityCache, StaticEligibility
from routing.errors import DuplicateEscalation, InvalidTransition
from routing.eta import LearnedMean
from routing.ledger import Ledger, LiveEscalation, LiveOffer
from routing.lifecycle import Lifecycle
from routing.placement import Placement
from routing.relaxation import Relaxation
from routing.roster import AgentTable
from routing.settings import RoutingSettings
from routing.snapshots import AgentSnapshot, EscalationSnapshot
from routing.solver import solve_assignment
from routing.timers import CLOSE, EXPIRE, READMIT, RELAX, WRAP_UP, Timers
from routing.waiting_queue import WaitingQueue

#: the reason of the OfferRevoked of an offer that expired while routing was stalled
EXPIRED_UNSEEN = "offer expired while routing was stalled (not counted against the agent)"


class Dispatcher(Lifecycle):
    """Routes escalations to agents. Every public method is one event or one query; events take ``now_s``.

    ``explain`` builds an :class:`~routing.explanation.Explanation` for every routing decision
    (the service wants it; a simulator run at scale may turn it off). ``keep_finished`` keeps the
    final state of finished escalations for :meth:`state_of` (off in long simulations: counts are
    kept either way). ``queue_estimates`` computes each Queued decision's position and ETA (a
    simulation that never reads them turns it off: position 0, ETA ``None``).
    ``fast_paths=False`` sends every decision through the batch solver: slower, same value; it
    exists to prove exactly that. All four may be changed between events.

    Errors are :mod:`routing.errors`; a method whose docstring names none raises none.
    """

    def __init__(
        self,
        settings: RoutingSettings | None = None,
        *,
        explain: bool = True,
        keep_finished: bool = True,
        fast_paths: bool = True,
        queue_estimates: bool = True,
    ) -> None:
        self.settings = settings = settings or RoutingSettings()
        self.fast_paths = fast_paths
        self._t = AgentTable()
        self._cache = EligibilityCache(self._t, settings)
        self._ledger = Ledger(self._t, keep_finished)
        self._active = self._ledger.active  # the same dict, read on every routing event
        self._queue = WaitingQueue(self._t, self._cache)
        self._timers = Timers(
            self._ledger.has_offer,
            self._ledger.waits_below,
            self._ledger.cools_down,
            self._ledger.wrap_ups.__contains__,
        )
        self._relaxation = Relaxation(settings)
        self._placement = Placement(
            self._t, self._cache, self._ledger, self._queue, self._timers, self._relaxation, settings
        )
        self._reoffer = self._placement.reoffer
        self._batch = ArrivalBatch(
            self._t, self._cache, self._queue, self._timers, self._placement, self._route, settings
        )
        self.explain = explain
        self.queue_estimates = queue_estimates
        self._aging = aging_per_s(settings)
        self._next_shift_change_s = math.inf
        self._late_at_most_s = 0.5 * min(settings.offer_timeout_for(c) for c in Channel)
        self._offer_timeout_s = {c: settings.offer_timeout_for(c) for c in Channel}

    # the options live where they are read on the hot path
    @property
    def explain(self) -> bool:
        return self._placement.explain

    @explain.setter
    def explain(self, on: bool) -> None:
        self._placement.explain = on

    @property
    def queue_estimates(self) -> bool:
        return self._placement.queue_estimates

    @queue_estimates.setter
    def queue_estimates(self, on: bool) -> None:
        self._placement.queue_estimates = on

    @property
    def keep_finished(self) -> bool:
        return self._ledger.keep_finished

    @keep_finished.setter
    def keep_finished(self, keep: bool) -> None:
        self._ledger.keep_finished = keep

    # ================================================================================ queries
    def state_of(self, escalation_id: str) -> EscalationState:
        """The escalation's state. Raise :class:`UnknownEscalation` if it never arrived (or
        finished, with ``keep_finished`` off)."""
        return self._ledger.state_of(escalation_id)

    def counts(self) -> dict[EscalationState, int]:
        """Escalations per state; the values sum to every escalation that ever arrived."""
        return self._ledger.counts()

    def active_offers(self) -> list[Offer]:
        """Every offer awaiting an answer, in the order they were made."""
        return [
            Offer(o.offer_id, o.esc.spec.id, self._t.ids[o.agent_row], o.expires_at_s)
            for o in self._ledger.offers.values()
        ]

    def offer_of(self, escalation_id: str) -> str | None:
        """The id of the escalation's pending offer; ``None`` if it has none (or is unknown)."""
        esc = self._active.get(escalation_id)
        return esc.offer_id if esc else None

    def agent_of(self, escalation_id: str) -> str | None:
        """The agent an offered or assigned escalation is with; ``None`` otherwise (or unknown)."""
        esc = self._active.get(escalation_id)
        if esc is None or esc.agent_row < 0:
            return None
        return self._t.ids[esc.agent_row]

    def agent_ids(self) -> list[str]:
        """Agents on the roster, in the order they were first added."""
        return [self._t.ids[i] for i in self._t.rows_present()]

    def agent_profile(self, agent_id: str) -> Agent:
        """The agent's profile. Raise :class:`UnknownAgent` if not on the roster."""
        return self._t.profiles[self._t.row_of(agent_id)]

    def agent_status(self, agent_id: str) -> AgentStatus:
        """The agent's presence. Raise :class:`UnknownAgent` if not on the roster."""
        return self._t.status_of(self._t.row_of(agent_id))

    def agent_load(self, agent_id: str) -> dict[str, int]:
        """Slots in use per channel (offers pending count: a slot is reserved while offered).

        Raise :class:`UnknownAgent` if not on the roster.
        """
        return self._t.load_by_channel(self._t.row_of(agent_id))

    def agent_on_shift(self, agent_id: str) -> bool:
        """Whether the agent is on shift now. Raise :class:`UnknownAgent` if not on the roster."""
        return bool(self._t.on_shift[self._t.row_of(agent_id)])

    def ids_in(self, state: EscalationState) -> list[str]:
        """Escalations now in a non-terminal ``state`` (queued, offered or assigned)."""
        return self._ledger.ids_in(state)

    def waiting_ids(self) -> list[str]:
        """Queued escalations (held arrivals too), highest priority first."""
        return self._batch.waiting_ids()

    def escalation(self, escalation_id: str) -> Escalation:
        """A not yet finished escalation. Raise :class:`UnknownEscalation` if none is live."""
        return self._ledger.live(escalation_id).spec

    def relaxation_level(self, escalation_id: str) -> int:
        """Relaxation steps applied so far. Raise :class:`UnknownEscalation` if none is live."""
        return self._ledger.live(escalation_id).level

    def priority_of(self, escalation_id: str, now_s: float) -> float:
        """Priority at ``now_s``. Raise :class:`UnknownEscalation` if none is live."""
        return self._ledger.live(escalation_id).key + self._aging * now_s

    def queue_estimate(self, escalation_id: str, now_s: float) -> tuple[int, float | None]:
        """(1-based position, ETA in seconds or None) of a queued escalation, as Queued reports them.

        Raise :class:`UnknownEscalation` if it never arrived, :class:`InvalidTransition` if it is
        not queued.
        """
        return self._placement.eta.estimate(self._ledger.expect_queued(escalation_id), now_s)

    def waiting_reason(self, escalation_id: str, now_s: float) -> str:
        """Why a queued escalation waits now, as a Queued decision would say it.

        Raise :class:`UnknownEscalation` if it never arrived, :class:`InvalidTransition` if it is
        not queued.
        """
        esc = self._ledger.expect_queued(escalation_id)
        return self._batch.reason(esc, now_s) or self._placement.reason(esc, self._cache.get(esc.req), now_s)

    def next_wakeup_s(self) -> float:
        """Earliest time :meth:`tick` has something to do (expiry, relaxation, re-offer, shift,
        window, wrap-up end)."""
        return min(self._timers.next_due_s(), self._next_shift_change_s)

    # ================================================================================ agents
    def add_agent(
        self, agent: Agent, now_s: float, status: AgentStatus = AgentStatus.OFFLINE
    ) -> list[Decision]:
        """Add an agent, or replace the profile of a known one: its status, load and offers stay,
        but offers above lowered caps are withdrawn and re-routed (accepted work is kept)."""
        known = agent.id in self._t.row
        row = self._t.upsert(agent, now_s)
        if not known:
            self._t.set_status(row, status)
        self._note_shift_change(row)
        out: list[Decision] = []
        returned = self._revoke(
            self._ledger.revoke_offers_over_caps(row, now_s), row, now_s, "cap lowered", out
        )
        self._route(returned, self._if_routable(row), now_s, out)
        if not self._t.routable[row]:
            self._placement.defer_stranded(now_s, out)
        return out

    def remove_agent(self, agent_id: str, now_s: float) -> list[Decision]:
        """Take an agent off the roster. Pending offers are revoked and re-routed.

        Raise :class:`UnknownAgent` if not on the roster, :class:`InvalidTransition` while the
        agent still has assigned work.
        """
        row = self._t.row_of(agent_id)
        assigned = self._ledger.assigned_to(row)
        if assigned:
            raise InvalidTransition(f"agent {agent_id!r} still has {assigned} assigned escalation(s)")
        out: list[Decision] = []
        for esc_id in self._ledger.wrap_ups_of(row):
            self._end_wrap_up(esc_id, now_s, out)
        returned = self._revoke_offers_of(row, now_s, "agent removed", out)
        self._t.remove(row)
        self._route(returned, [], now_s, out)
        self._placement.defer_stranded(now_s, out)
        return out

    def set_agent_status(self, agent_id: str, status: AgentStatus, now_s: float) -> list[Decision]:
        """Presence change. Going offline revokes the agent's pending offers (re-routed elsewhere).

        Raise :class:`UnknownAgent` if not on the roster.
        """
        row = self._t.row_of(agent_id)
        out: list[Decision] = []
        self._t.set_status(row, status)
        if status is AgentStatus.AVAILABLE:
            self._t.missed_offers[row] = 0
        returned: list[LiveEscalation] = []
        if status is AgentStatus.OFFLINE:
            returned = self._revoke_offers_of(row, now_s, "agent went offline", out)
        self._route(returned, self._if_routable(row), now_s, out)
        if status is AgentStatus.OFFLINE:
            self._placement.defer_stranded(now_s, out)
        return out

    # ================================================================================ escalations
    def escalation_arrived(self, escalation: Escalation, now_s: float) -> list[Decision]:
        """A new escalation: offer it to the best eligible agent, or queue it, or defer it.

        Raise :class:`DuplicateEscalation` if an escalation with its id arrived before.
        """
        esc = self._arrive(escalation, now_s)
        out: list[Decision] = []
        if self._batch.hold(esc, now_s, out):  # routed with the window's other arrivals at its end
            pass
        elif not self.fast_paths:
            self._route([esc], [], now_s, out, announce=True)
        elif not self._place(esc, now_s, out):  # fast path A, inlined from _route: the hot path
            self._placement.wait(esc, now_s, out, announce=True)
        return out

    def _arrive(self, escalation: Escalation, now_s: float) -> LiveEscalation:
        """Admit a new escalation (queued, at the relaxation level its age gives) and schedule
        its next relaxation. Raise :class:`DuplicateEscalation` if its id arrived before."""
        if self._ledger.arrived(escalation.id):
            raise DuplicateEscalation(f"escalation {escalation.id!r} already arrived")
        esc = self._admit(
            escalation, EscalationState.QUEUED, self._relaxation.level_after(now_s - escalation.created_s)
        )
        self._schedule_relaxation(esc)
        return esc

    def escalation_arrived_and_accepted(self, escalation: Escalation, now_s: float) -> list[Decision]:
        """:meth:`escalation_arrived`, and when it offers the escalation on arrival, the agent
        accepts at once: the decisions of :meth:`offer_accepted` of that offer at ``now_s``
        follow the Offer. The decisions and the state left are those of the two calls in turn
        (``tests/simulator/test_dispatcher_entry_points.py``); the accepted offer never sets its
        expiry alarm. A simulation whose agents answer without delay calls it on every arrival.

        Raise :class:`DuplicateEscalation` if an escalation with its id arrived before.
        """
        if self.explain or not self.fast_paths:
            general = self.escalation_arrived(escalation, now_s)
            if general and type(general[0]) is Offer:
                general.extend(self.offer_accepted(general[0].offer_id, now_s))
            return general
        esc = self._arrive(escalation, now_s)
        out: list[Decision] = []
        if self._batch.hold(esc, now_s, out):
            return out
        entry = self._cache.get(esc.req)
        row = self._cheapest_row(esc, entry, now_s)
        if row < 0:
            self._placement.wait(esc, now_s, out, announce=True)
            return out
        spec = esc.spec
        end_s = now_s + self._placement.eta.handle_times.mean_s(esc)
        offer_id = self._ledger.offer_accepted_at_once(esc, row, now_s, end_s)
        self._t.missed_offers[row] = 0
        agent_id = self._t.ids[row]
        expires_s = now_s + self._offer_timeout_s[spec.channel]
        out.append(Offer(offer_id, spec.id, agent_id, expires_s, None, esc.callback))
        out.append(Assigned(spec.id, agent_id, offer_id, now_s - spec.created_s))
        return out

    def offer_accepted(self, offer_id: str, now_s: float) -> list[Decision]:
        """The agent took the escalation: it is theirs.

        Raise :class:`OfferNotActive` if the offer was already answered, expired or revoked,
        :class:`UnknownOffer` if it was never made.
        """
        offer = self._ledger.take_offer(offer_id)
        esc = offer.esc
        self._ledger.assign(esc, now_s, now_s + self._placement.eta.handle_times.mean_s(esc))
        self._t.missed_offers[offer.agent_row] = 0
        return [Assigned(esc.spec.id, self._t.ids[offer.agent_row], offer_id, now_s - esc.spec.created_s)]

    def offer_declined(self, offer_id: str, now_s: float) -> list[Decision]:
        """The agent said no: re-route the escalation (back to them only after the re-offer cool-down).

        Raise :class:`OfferNotActive` if the offer was already answered, expired or revoked,
        :class:`UnknownOffer` if it was never made.
        """
        offer = self._ledger.take_offer(offer_id)
        declined = OfferRevoked(
            offer_id, offer.esc.spec.id, self._t.ids[offer.agent_row], "declined by agent"
        )
        return [declined, *self._offer_failed(offer, now_s, missed=False, declined=True)]

    def offer_expired(self, offer_id: str, now_s: float, *, unseen: bool = False) -> list[Decision]:
        """Nobody answered in time: re-route, and mark the agent not-responding after enough misses.

        With ``unseen`` the offer's time ran out while routing was stalled (see :meth:`advance_to`):
        nobody could answer it, so nobody is blamed: no missed offer is counted, and the agent is
        kept from the escalation only for the cool-down of a withdrawn offer (reason
        :data:`EXPIRED_UNSEEN`).

        Raise :class:`OfferNotActive` if the offer was already answered, expired or revoked,
        :class:`UnknownOffer` if it was never made.
        """
        offer = self._ledger.take_offer(offer_id)
        why = EXPIRED_UNSEEN if unseen else "offer expired unanswered"
        lapsed = OfferRevoked(offer_id, offer.esc.spec.id, self._t.ids[offer.agent_row], why)
        return [lapsed, *self._offer_failed(offer, now_s, missed=not unseen, declined=False)]

    # ================================================================================ time
    def advance_to(self, now_s: float, late_after_s: float = math.inf) -> list[tuple[float, Decision]]:
        """Tick at every wake-up up to ``now_s`` (inclusive); the decisions with their times.

        The catch-up rule: a wake-up due more than ``late_after_s`` before ``now_s`` was missed
        (the caller was down, or its clock stalled). Then everything due is done in one tick *at*
        ``now_s`` instead of being replayed at past instants: offers whose time ran out more than
        ``late_after_s`` ago expire *unseen* (:meth:`offer_expired`: nobody is blamed), relaxation
        steps, cool-downs, shift changes and wrap-up ends due by then take effect at ``now_s``,
        and routing resumes from ``now_s``, so no offer is made that has already expired. The
        lateness allowed is at most half the shortest offer timeout, so that an offer made at a
        wake-up replayed on time never expires before ``now_s``. The default (``inf``) replays
        every wake-up at its own time, as a simulation wants.
        """
        if late_after_s < math.inf:
            late_after_s = min(late_after_s, self._late_at_most_s)
        out: list[tuple[float, Decision]] = []
        while (due := self.next_wakeup_s()) <= now_s:
            if now_s - due > late_after_s:
                out.extend((now_s, d) for d in self.tick(now_s, unseen_before_s=now_s - late_after_s))
            else:
                out.extend((due, d) for d in self.tick(due))
        return out

    def tick(self, now_s: float, unseen_before_s: float = -math.inf) -> list[Decision]:
        """Let time pass: expire offers, relax, end re-offer cool-downs, follow shift starts and ends.

        An offer whose expiry was due before ``unseen_before_s`` expires unseen (nobody is blamed;
        see :meth:`advance_to`, which sets it).
        """
        out: list[Decision] = []
        freed_rows: list[int] = []
        if now_s >= self._next_shift_change_s:
            freed_rows, went_off = self._t.refresh_due_shifts(now_s)
            self._next_shift_change_s = self._t.next_shift_change_s()
            if went_off:
                self._placement.defer_stranded(now_s, out)
        changed: list[LiveEscalation] = []  # queued ones relaxed or with an agent readmitted
        while (alarm := self._timers.pop_due(now_s)) is not None:
            if alarm.kind == EXPIRE:
                out.extend(self.offer_expired(alarm.ref, now_s, unseen=alarm.due_s < unseen_before_s))
                continue
            if alarm.kind == CLOSE:  # closed below, once every alarm due is in
                continue
            if alarm.kind == WRAP_UP:
                row = self._end_wrap_up(alarm.ref, now_s, out)
                if self._t.routable[row] and row not in freed_rows:
                    freed_rows.append(row)
                continue
            esc = self._active[alarm.ref]
            if alarm.kind == READMIT and not self._reoffer.readmit(esc, alarm.arg, now_s):
                continue
            # two alarms of one escalation change it twice: out of the queue once (held ones are not in it)
            if esc.state is EscalationState.QUEUED and esc not in changed and esc not in self._batch:
                self._queue.remove(esc)
                changed.append(esc)
            if alarm.kind == RELAX:
                esc.level, esc.req = alarm.arg, esc.ladder.reqs[alarm.arg]
                out.append(Relaxed(esc.spec.id, alarm.arg, self._relaxation.describe(alarm.arg)))
                self._schedule_relaxation(esc)
        if not self._batch.close_due(changed, freed_rows, now_s, out):  # routes them with its own
            self._route(changed, freed_rows, now_s, out)
        return out

    def _note_shift_change(self, row: int) -> None:
        self._next_shift_change_s = min(self._next_shift_change_s, float(self._t.shift_until_s[row]))

    def _schedule_relaxation(self, esc: LiveEscalation) -> None:
        """Wake up at the next step that actually loosens this escalation's requirement."""
        step = self._relaxation.next_step(esc.spec, esc.ladder, esc.level)
        if step is not None:
            self._timers.relax_at(step[0], esc.spec.id, step[1])

    # ================================================================================ strategy
    def _route(
        self,
        escs: list[LiveEscalation],
        rows: list[int],
        now_s: float,
        out: list[Decision],
        *,
        announce: bool = False,
    ) -> None:
        """Restore the invariant after ``escs`` (not in the queue) and agent ``rows`` changed.

        Unplaced escalations join the queue; with ``announce`` they also get a Queued or Deferred
        decision (new arrivals and re-routes do; a relaxation already said Relaxed).
        """
        unplaced: list[LiveEscalation]
        if not self.fast_paths and (escs or rows):
            unplaced = self._solve_batch(escs, now_s, out)
        elif len(escs) == 1 and not rows:
            unplaced = [] if self._place(escs[0], now_s, out) else escs
        elif not escs and len(rows) == 1:
            self._fill_agent(rows[0], now_s, out)
            unplaced = []
        elif escs or rows:
            unplaced = self._solve_batch(escs, now_s, out)
        else:
            return
        for esc in unplaced:
            self._placement.wait(esc, now_s, out, announce=announce)

    def _if_routable(self, row: int) -> list[int]:
        """``[row]`` if the agent can take work now, else ``[]``: the rows to route after a change."""
        return [row] if self._t.routable[row] else []

    def _place(self, esc: LiveEscalation, now_s: float, out: list[Decision]) -> bool:
        """Fast path A: offer one escalation to its cheapest candidate agent, if it has one."""
        entry = self._cache.get(esc.req)
        if not self.explain:  # nothing reads the candidates: the lean search finds the same agent
            row = self._cheapest_row(esc, entry, now_s)
            if row < 0:
                return False
            self._placement.offer(esc, row, entry, now_s, out)
            return True
        found = cheapest_candidate(esc, entry, self._t, now_s, self.settings)
        if found is None:
            return False
        self._placement.offer(esc, found[0], entry, now_s, out, candidates=found[1])
        return True

    def _cheapest_row(self, esc: LiveEscalation, entry: StaticEligibility, now_s: float) -> int:
        """The row :func:`~routing.candidates.cheapest_agent` picks for ``esc`` now, -1 for none.

        The same floats in fewer array operations: the static costs are read from the entry's
        whole-roster column (elementwise the very sums ``cost_at`` takes for the rows) and priced
        by :func:`~routing.cost.costs_now`, or, when no candidate is busy (every load term adds
        0.0), by the idle term alone; ``tests/simulator/test_dispatcher_entry_points.py`` checks
        it against the general search. It runs on every arrival of a simulation.
        """
        t = self._t
        n = t.n
        ch = esc.req.channel_col
        mask = entry.mask & t.has_room[:n]
        mask &= t.load[:n, ch] < t.cap[:n, ch]
        if esc.excluded:
            mask[list(esc.excluded)] = False
        rows = mask.nonzero()[0]
        if rows.size <= 1:
            return int(rows[0]) if rows.size else -1
        settings = self.settings
        w = settings.weights
        if np.count_nonzero(t.load_total[rows]) or not math.isfinite(w.load):
            totals = costs_now(entry.cost[rows], t, rows, now_s, settings)
        else:  # nobody busy (a free agent of one slot never is): every load term adds 0.0
            totals = entry.cost[rows] + w.idle * idle_recency(t, rows, now_s, settings)
        return int(rows[totals.argmin()])

    def _fill_agent(self, row: int, now_s: float, out: list[Decision]) -> None:
        """Fast path B: give agent ``row``'s free slots to the best waiting escalations, one by one."""
        t, aging_now = self._t, self._aging * now_s
        while self._queue and t.has_room[row]:
            best = best_waiting(
                row, self._queue, self._active, self._cache, t, aging_now, now_s, self.settings
            )
            if best is None:
                return
            esc, entry, ranking = best
            self._queue.remove(esc)
            self._placement.offer(esc, row, entry, now_s, out, ranking)

    def _solve_batch(
        self, escs: list[LiveEscalation], now_s: float, out: list[Decision]
    ) -> list[LiveEscalation]:
        """Several changes at once: one min-cost-flow over everything waiting plus ``escs``."""
        waiting = [self._active[esc_id] for esc_id in self._queue.ids()]
        everyone = escs + waiting
        aging_now = self._aging * now_s
        priority = np.array([priority_units(e.key + aging_now) for e in everyone], np.int64)
        reqs, excluded = [e.req for e in everyone], [e.excluded for e in everyone]
        graph = candidate_graph(reqs, excluded, priority, self._cache, self._t, now_s, self.settings)
        for esc in waiting:
            self._queue.remove(esc)
        if graph is None:
            return everyone
        result = solve_assignment(graph.problem, self.settings.solver.time_limit_s)
        unplaced: list[LiveEscalation] = []
        for i, esc in enumerate(everyone):
            a = int(result.agent_of[i])
            if a >= 0:
                self._placement.offer(esc, int(graph.agents[a]), self._cache.get(esc.req), now_s, out)
            else:
                unplaced.append(esc)
        # Pruned candidate lists can leave an escalation unserved while an agent it could take
        # still has a slot; place those directly, highest priority first, to keep the invariant.
        pruned = {everyone[i].seq for i in graph.pruned}
        unplaced.sort(key=lambda e: (-e.key, e.seq))
        return [e for e in unplaced if e.seq not in pruned or not self._place(e, now_s, out)]

    def _offer_failed(
        self, offer: LiveOffer, now_s: float, *, missed: bool, declined: bool
    ) -> list[Decision]:
        t, esc, row = self._t, offer.esc, offer.agent_row
        out: list[Decision] = []
        self._ledger.release(esc, now_s)
        self._ledger.set_state(esc, EscalationState.QUEUED)
        if missed and t.miss_offer(row, self.settings.missed_offers_before_not_responding):
            out.append(AgentStatusChanged(t.ids[row], AgentStatus.NOT_RESPONDING, "offer expired unanswered"))
        self._reoffer.offer_failed(esc, row, now_s, declined=declined)
        # The agent's slot and the escalation are independent changes (the escalation may not go
        # back to this agent), so the two fast paths in turn reach the joint optimum.
        self._route([], self._if_routable(row), now_s, out)
        self._route([esc], [], now_s, out, announce=True)
        return out

    def _revoke_offers_of(
        self, row: int, now_s: float, reason: str, out: list[Decision]
    ) -> list[LiveEscalation]:
        return self._revoke(self._ledger.revoke_offers_of(row, now_s), row, now_s, reason, out)

    def _revoke(
        self, revoked: list[LiveOffer], row: int, now_s: float, reason: str, out: list[Decision]
    ) -> list[LiveEscalation]:
        for o in revoked:
            self._reoffer.offer_failed(o.esc, row, now_s, declined=False)
            out.append(OfferRevoked(o.offer_id, o.esc.spec.id, self._t.ids[row], reason))
        return [o.esc for o in revoked]

    # ================================================================================ audit
    def violations(self, now_s: float | None = None) -> list[str]:
        """Every broken invariant, described; empty when the state is sound. O(agents x waiting).

        Checked: loads equal the offers and assignments held, no cap exceeded, one offer per
        offered escalation, state counts match, and no waiting escalation has an eligible agent
        with a free slot (the maximality the fast paths rely on) -- but arrivals held for their
        window (not past its end, given ``now_s``) and a restored queue before its re-check.
        """
        problems = self._t.problems() + self._ledger.problems()
        # above a cap only after it was lowered under accepted work: then no offer may be pending
        offered_over = [self._t.ids[r] for r in self._t.over_cap_rows() if self._ledger.offers_held_by(r)]
        if offered_over:
            problems.append(f"agents over a cap with offers pending: {offered_over}")
        queued = set(self._queue.ids())
        if queued | set(self._batch.ids()) != set(self._ledger.ids_in(EscalationState.QUEUED)):
            problems.append("the queue and the queued escalations differ")
        problems += self._batch.problems(queued, now_s)
        for esc_id in () if self._batch.rechecks else queued:
            esc = self._active[esc_id]
            if free_agents(esc, self._cache.get(esc.req), self._t).size:
                problems.append(f"{esc_id} waits while an eligible agent has a free slot")
        return problems

    def _admit(self, escalation: Escalation, state: EscalationState, level: int) -> LiveEscalation:
        """Enter ``escalation`` in the ledger at relaxation ``level`` (clamped to its ladder)."""
        ladder = self._relaxation.ladder(escalation)
        key = ladder.base_priority - self._aging * escalation.created_s
        return self._ledger.admit(escalation, state, ladder, min(max(level, 0), ladder.top), key)

    # ================================================================================ persistence
    # The service rebuilds a dispatcher from its rows: these read and put back exactly the state
    # an event leaves, routing nothing (stored state satisfies the invariant; tick() handles the
    # time since). Into a fresh dispatcher: agents first, then escalations in arrival order.
    def agent_snapshot(self, agent_id: str) -> AgentSnapshot:
        """The live state of an agent that storage must keep (load follows from escalations).
        Raise :class:`UnknownAgent` if not on the roster."""
        return self._t.snapshot(self._t.row_of(agent_id))

    def escalation_snapshot(self, escalation_id: str) -> EscalationSnapshot:
        """The routing state of an escalation that storage must keep; terminal ones carry only state.
        Raise :class:`UnknownEscalation` if it never arrived (or finished, with keep_finished off)."""
        return self._ledger.snapshot(escalation_id, self._t.ids)

    def learned_means(self) -> list[LearnedMean]:
        """What the dispatcher has learned of handle and wrap-up times (expected ends of work and
        ETAs follow from it), for storage to keep."""
        return self._placement.eta.handle_times.learned()

    def learned_changes(self) -> tuple[bool, list[LearnedMean]]:
        """The learned means changed since the last call, and whether the kinds' means were
        forgotten since (:meth:`HandleTimes.take_changes <routing.eta.HandleTimes.take_changes>`)."""
        return self._placement.eta.handle_times.take_changes()

    def restore_learned_means(self, means: Iterable[LearnedMean]) -> None:
        """Put back learned means (:meth:`learned_means` of a dispatcher with the same settings),
        before the escalations. Raise a ValueError for a mean filed under another channel."""
        self._placement.eta.handle_times.restore(means)

    def restore_agent(self, agent: Agent, snapshot: AgentSnapshot, now_s: float) -> None:
        """Put back an agent with its stored live state. Routes nothing.
        Raise :class:`InvalidTransition` if the agent is already known."""
        if agent.id in self._t.row:
            raise InvalidTransition(f"agent {agent.id!r} is already known; restore into a fresh dispatcher")
        row = self._t.upsert(agent, now_s)
        self._t.restore(row, snapshot)
        self._note_shift_change(row)
        self._batch.restored_agent(now_s)

    def restore_escalation(self, escalation: Escalation, snapshot: EscalationSnapshot) -> None:
        """Put back a queued, offered or assigned escalation as it was stored. Routes nothing.

        An offered one gets its offer (:func:`routing.offer_ids.offer_id` of its attempts, same
        expiry) and holds the agent's slot; an assigned one holds the slot. Agents no longer known
        are ignored; re-offer cool-downs that ended before the snapshot end again at :meth:`tick`.

        Raise :class:`DuplicateEscalation` if its id is known, :class:`InvalidTransition` if the
        state is terminal, a ValueError if an offered or assigned snapshot names no agent,
        :class:`UnknownAgent` if that agent is not on the roster, and a ValueError if an offered
        snapshot lacks its expiry. Nothing changes when it raises.
        """
        if self._ledger.arrived(escalation.id):
            raise DuplicateEscalation(f"escalation {escalation.id!r} already arrived")
        state, expires_s = snapshot.state, snapshot.offer_expires_at_s
        agent_id = snapshot.restorable_holder(escalation.id)
        row = -1 if agent_id is None else self._t.row_of(agent_id)
        esc = self._admit(escalation, state, snapshot.level)
        esc.attempts, esc.transfers, esc.callback = snapshot.attempts, snapshot.transfers, snapshot.callback
        offers_to = Counter(self._t.row[a] for a in snapshot.offered_to if a in self._t.row)
        self._reoffer.restore(esc, offers_to, snapshot.reoffer_at_s)
        esc.transferred_from = {self._t.row[a] for a in snapshot.transferred_from if a in self._t.row}
        esc.excluded |= esc.transferred_from
        if state is EscalationState.QUEUED:
            self._batch.restore_queued(esc)  # re-checked at the restore's time with a window
        else:
            self._ledger.hold(esc, row)
        if state is EscalationState.OFFERED and expires_s is not None:
            self._timers.expire_offer_at(expires_s, self._ledger.open_offer(esc, expires_s))
        if state is not EscalationState.ASSIGNED:
            self._schedule_relaxation(esc)
        elif snapshot.assigned_at_s is not None:  # when its work is likely to end, for ETAs
            end_s = snapshot.expected_end_s
            if end_s is None:
                end_s = snapshot.assigned_at_s + self._placement.eta.handle_times.mean_s(esc)
            self._ledger.time_work(esc, snapshot.assigned_at_s, end_s)
