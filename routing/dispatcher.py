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
else -- several escalations relaxed at once, many agents starting a shift together -- is one batch
min-cost-flow solve (:mod:`routing.solver`). Fast paths and solver compare the same integer units,
and ``tests/routing/test_fast_path.py`` proves they reach the same value.

Nothing is lost: every escalation that arrived is in exactly one
:class:`~routing.domain.EscalationState`; :meth:`Dispatcher.counts` sums to the arrivals.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from routing.cost import (
    COST_SCALE,
    CostTerms,
    aging_per_s,
    base_priority,
    cost_units,
    live_cost_terms,
    priority_units,
    total_cost,
)
from routing.decisions import (
    AgentStatusChanged,
    Assigned,
    Decision,
    Deferred,
    Explanation,
    Finished,
    Offer,
    OfferRevoked,
    Queued,
    Relaxed,
)
from routing.domain import (
    AGENT_STATUSES,
    CHANNEL_INDEX,
    CHANNELS,
    STATUS_CODE,
    TERMINAL_STATES,
    Agent,
    AgentStatus,
    DeferralMode,
    Escalation,
    EscalationState,
)
from routing.eligibility import (
    LIVE_RULES,
    EligibilityCache,
    Requirement,
    StaticEligibility,
    requirement_at,
)
from routing.errors import (
    DuplicateEscalation,
    InvalidTransition,
    OfferNotActive,
    UnknownAgent,
    UnknownEscalation,
    UnknownOffer,
)
from routing.roster import OFFLINE, AgentTable, BoolArray, IntArray
from routing.settings import RoutingSettings
from routing.solver import AssignmentProblem, solve_assignment

_EXPIRE: Final = 0
_MAX_LADDERS: Final = 4096  # distinct routing profiles remembered; the cache restarts beyond it
_RELAX: Final = 1


@dataclass(slots=True, eq=False)
class _Esc:
    spec: Escalation
    state: EscalationState
    key: float  # priority at time 0; priority(now) = key + aging * now
    seq: int
    level: int
    req: Requirement
    ladder: _Ladder
    excluded: set[int] = field(default_factory=set)  # agent rows it was offered to before
    offer_id: str | None = None
    agent_row: int = -1
    attempts: int = 0

    @property
    def queue_entry(self) -> tuple[float, int, str]:
        return (-self.key, self.seq, self.spec.id)

    @property
    def final_req(self) -> Requirement:
        """The requirement once every relaxation step applies."""
        return self.ladder.reqs[-1]


@dataclass(frozen=True, slots=True)
class _Ladder:
    """An escalation's requirement at every relaxation level, and where it next changes.

    ``reqs[level]`` is :func:`requirement_at` for that level; ``next_change[level]`` is the first
    higher level whose requirement differs (``None``: no further step loosens anything).
    Escalations with the same routing-relevant fields share one ladder.
    """

    reqs: tuple[Requirement, ...]
    next_change: tuple[int | None, ...]
    base_priority: float

    @staticmethod
    def of(escalation: Escalation, settings: RoutingSettings) -> _Ladder:
        reqs = tuple(
            requirement_at(escalation, level, settings) for level in range(len(settings.relaxation) + 1)
        )
        next_change: list[int | None] = []
        for level, req in enumerate(reqs):
            later = (k for k in range(level + 1, len(reqs)) if reqs[k] != req)
            next_change.append(next(later, None))
        return _Ladder(reqs, tuple(next_change), base_priority(escalation, settings))


@dataclass(slots=True)
class _OfferState:
    offer_id: str
    esc: _Esc
    agent_row: int
    channel: int
    expires_at_s: float


class Dispatcher:
    """Routes escalations to agents. Every public method is one event; all take ``now_s``.

    ``explain`` builds an :class:`~routing.decisions.Explanation` for every routing decision (the
    service wants it; a simulator run at scale may turn it off). ``keep_finished`` keeps the final
    state of finished escalations for :meth:`state_of` (off in long simulations: counts are kept
    either way). ``queue_estimates`` computes each Queued decision's position and ETA (a
    simulation that never reads them turns it off: position 0, ETA ``None``).
    ``fast_paths=False`` sends every decision through the batch solver: slower, same value; it
    exists to prove exactly that.
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
        self.settings = settings or RoutingSettings()
        self.explain = explain
        self.keep_finished = keep_finished
        self.fast_paths = fast_paths
        self.queue_estimates = queue_estimates
        self._t = AgentTable()
        self._cache = EligibilityCache(self._t, self.settings)
        self._active: dict[str, _Esc] = {}
        self._finished: dict[str, EscalationState] = {}
        self._counts: dict[EscalationState, int] = dict.fromkeys(EscalationState, 0)
        self._waiting: dict[Requirement, list[tuple[float, int, str]]] = {}
        self._offers: dict[str, _OfferState] = {}
        self._timers: list[tuple[float, int, int, str, int]] = []
        self._seq = itertools.count()
        self._aging = aging_per_s(self.settings)
        self._next_shift_change_s = math.inf
        self._ladders: dict[tuple[object, ...], _Ladder] = {}
        self._first_relaxation_s = (
            self.settings.relaxation[0].after_s if self.settings.relaxation else math.inf
        )
        self._offer_timeout_s = {c: self.settings.offer_timeout_for(c) for c in CHANNELS}

    # ================================================================================ queries
    def state_of(self, escalation_id: str) -> EscalationState:
        esc = self._active.get(escalation_id)
        if esc is not None:
            return esc.state
        state = self._finished.get(escalation_id)
        if state is None:
            raise UnknownEscalation(escalation_id)
        return state

    def counts(self) -> dict[EscalationState, int]:
        """Escalations per state; the values sum to every escalation that ever arrived."""
        return {s: self._counts.get(s, 0) for s in EscalationState}

    def active_offers(self) -> list[Offer]:
        return [
            Offer(o.offer_id, o.esc.spec.id, self._t.ids[o.agent_row], o.expires_at_s)
            for o in self._offers.values()
        ]

    def offer_of(self, escalation_id: str) -> str | None:
        esc = self._active.get(escalation_id)
        return esc.offer_id if esc else None

    def agent_of(self, escalation_id: str) -> str | None:
        """The agent an offered or assigned escalation is with."""
        esc = self._active.get(escalation_id)
        if esc is None or esc.agent_row < 0:
            return None
        return self._t.ids[esc.agent_row]

    def agent_ids(self) -> list[str]:
        return [self._t.ids[i] for i in self._t.rows_present()]

    def agent_profile(self, agent_id: str) -> Agent:
        return self._t.profiles[self._row(agent_id)]

    def agent_status(self, agent_id: str) -> AgentStatus:
        return AGENT_STATUSES[int(self._t.status[self._row(agent_id)])]

    def agent_load(self, agent_id: str) -> dict[str, int]:
        """Slots in use per channel (offers pending count: a slot is reserved while offered)."""
        row = self._row(agent_id)
        return {c.value: int(self._t.load[row, i]) for i, c in enumerate(CHANNELS) if self._t.load[row, i]}

    def agent_on_shift(self, agent_id: str) -> bool:
        return bool(self._t.on_shift[self._row(agent_id)])

    def ids_in(self, state: EscalationState) -> list[str]:
        """Escalations now in a non-terminal ``state`` (queued, offered or assigned)."""
        return [esc_id for esc_id, esc in self._active.items() if esc.state is state]

    def waiting_ids(self) -> list[str]:
        """Queued escalations, highest priority first."""
        entries = sorted(e for group in self._waiting.values() for e in group)
        return [esc_id for _, _, esc_id in entries]

    def escalation(self, escalation_id: str) -> Escalation:
        esc = self._active.get(escalation_id)
        if esc is None:
            raise UnknownEscalation(escalation_id)
        return esc.spec

    def relaxation_level(self, escalation_id: str) -> int:
        esc = self._active.get(escalation_id)
        if esc is None:
            raise UnknownEscalation(escalation_id)
        return esc.level

    def priority_of(self, escalation_id: str, now_s: float) -> float:
        esc = self._active.get(escalation_id)
        if esc is None:
            raise UnknownEscalation(escalation_id)
        return esc.key + self._aging * now_s

    def next_wakeup_s(self) -> float:
        """Earliest time :meth:`tick` has something to do (offer expiry, relaxation, shift change)."""
        self._drop_stale_timers()
        due = self._timers[0][0] if self._timers else math.inf
        return min(due, self._next_shift_change_s)

    # ================================================================================ agents
    def add_agent(
        self, agent: Agent, now_s: float, status: AgentStatus = AgentStatus.OFFLINE
    ) -> list[Decision]:
        """Add an agent, or replace the profile of a known one (its status, load and offers stay)."""
        known = agent.id in self._t.row
        row = self._t.upsert(agent, now_s)
        if not known:
            self._t.set_status(row, status)
        self._next_shift_change_s = min(self._next_shift_change_s, float(self._t.shift_until_s[row]))
        out: list[Decision] = []
        self._after_agent_change(row, now_s, out)
        return out

    def remove_agent(self, agent_id: str, now_s: float) -> list[Decision]:
        """Take an agent off the roster. Pending offers are revoked and re-routed.

        Raises :class:`InvalidTransition` while the agent still has assigned work.
        """
        row = self._row(agent_id)
        assigned = sum(
            1 for e in self._active.values() if e.agent_row == row and e.state is EscalationState.ASSIGNED
        )
        if assigned:
            raise InvalidTransition(f"agent {agent_id!r} still has {assigned} assigned escalation(s)")
        out: list[Decision] = []
        returned = self._revoke_offers_of(row, now_s, "agent removed", out)
        self._t.remove(row)
        self._route(returned, [], now_s, out)
        self._check_deferrals(now_s, out)
        return out

    def set_agent_status(self, agent_id: str, status: AgentStatus, now_s: float) -> list[Decision]:
        """Presence change. Going offline revokes the agent's pending offers (re-routed elsewhere)."""
        row = self._row(agent_id)
        out: list[Decision] = []
        self._t.set_status(row, status)
        if status is AgentStatus.AVAILABLE:
            self._t.missed_offers[row] = 0
        returned: list[_Esc] = []
        if status is AgentStatus.OFFLINE:
            returned = self._revoke_offers_of(row, now_s, "agent went offline", out)
        self._route(returned, [row] if self._t.routable[row] else [], now_s, out)
        if status is AgentStatus.OFFLINE:
            self._check_deferrals(now_s, out)
        return out

    def _after_agent_change(self, row: int, now_s: float, out: list[Decision]) -> None:
        if self._t.routable[row]:
            self._route([], [row], now_s, out)
        else:
            self._check_deferrals(now_s, out)

    # ================================================================================ escalations
    def escalation_arrived(self, escalation: Escalation, now_s: float) -> list[Decision]:
        """A new escalation: offer it to the best eligible agent, or queue it, or defer it."""
        if escalation.id in self._active or escalation.id in self._finished:
            raise DuplicateEscalation(f"escalation {escalation.id!r} already arrived")
        settings = self.settings
        waited = now_s - escalation.created_s
        level = (
            0
            if waited < self._first_relaxation_s
            else sum(1 for step in settings.relaxation if step.after_s <= waited)
        )
        ladder = self._ladder(escalation)
        esc = _Esc(
            spec=escalation,
            state=EscalationState.QUEUED,
            key=ladder.base_priority - self._aging * escalation.created_s,
            seq=next(self._seq),
            level=level,
            req=ladder.reqs[level],
            ladder=ladder,
        )
        self._active[escalation.id] = esc
        self._counts[EscalationState.QUEUED] += 1
        self._schedule_relaxation(esc)
        out: list[Decision] = []
        if not self.fast_paths:
            self._route([esc], [], now_s, out, announce=True)
        elif not self._place(esc, now_s, out):  # fast path A, inlined from _route: the hot path
            self._enqueue(esc, now_s, out, announce=True)
        return out

    def offer_accepted(self, offer_id: str, now_s: float) -> list[Decision]:
        offer = self._take_offer(offer_id)
        esc = offer.esc
        self._set_state(esc, EscalationState.ASSIGNED)
        self._t.missed_offers[offer.agent_row] = 0
        return [Assigned(esc.spec.id, self._t.ids[offer.agent_row], offer_id, now_s - esc.spec.created_s)]

    def offer_declined(self, offer_id: str, now_s: float) -> list[Decision]:
        """The agent said no: re-route the escalation to someone else (never back to them)."""
        offer = self._take_offer(offer_id)
        declined = OfferRevoked(
            offer_id, offer.esc.spec.id, self._t.ids[offer.agent_row], "declined by agent"
        )
        return [declined, *self._offer_failed(offer, now_s, missed=False)]

    def offer_expired(self, offer_id: str, now_s: float) -> list[Decision]:
        """Nobody answered in time: re-route, and mark the agent not-responding after enough misses."""
        offer = self._take_offer(offer_id)
        lapsed = OfferRevoked(
            offer_id, offer.esc.spec.id, self._t.ids[offer.agent_row], "offer expired unanswered"
        )
        return [lapsed, *self._offer_failed(offer, now_s, missed=True)]

    def work_completed(self, escalation_id: str, now_s: float) -> list[Decision]:
        """The agent finished: free the slot and give it to the best waiting escalation."""
        esc = self._get(escalation_id)
        if esc.state is not EscalationState.ASSIGNED:
            raise InvalidTransition(f"escalation {escalation_id!r} is {esc.state.value}, not assigned")
        row, channel = esc.agent_row, CHANNEL_INDEX[esc.spec.channel]
        self._t.release_slot(row, channel, now_s)
        self._t.record_completion(row, now_s, self.settings.completion_window_s)
        self._finish(esc, EscalationState.COMPLETED)
        out: list[Decision] = [Finished(escalation_id, EscalationState.COMPLETED)]
        self._route([], [row] if self._t.routable[row] else [], now_s, out)
        return out

    def escalation_abandoned(self, escalation_id: str, now_s: float) -> list[Decision]:
        """The customer left before an agent accepted. Revokes a pending offer."""
        esc = self._get(escalation_id)
        out: list[Decision] = []
        if esc.state is EscalationState.QUEUED:
            self._unqueue(esc)
        elif esc.state is EscalationState.OFFERED:
            assert esc.offer_id is not None
            offer = self._take_offer(esc.offer_id)
            esc.agent_row = -1
            out.append(
                OfferRevoked(offer.offer_id, escalation_id, self._t.ids[offer.agent_row], "customer left")
            )
            self._t.release_slot(offer.agent_row, offer.channel, now_s)
            self._route([], [offer.agent_row] if self._t.routable[offer.agent_row] else [], now_s, out)
        else:
            raise InvalidTransition(
                f"escalation {escalation_id!r} is {esc.state.value}; only waiting ones abandon"
            )
        self._finish(esc, EscalationState.ABANDONED)
        out.insert(0, Finished(escalation_id, EscalationState.ABANDONED))
        return out

    # ================================================================================ time
    def advance_to(self, now_s: float) -> list[tuple[float, Decision]]:
        """Tick at every wake-up up to ``now_s`` (inclusive); the decisions with their times."""
        out: list[tuple[float, Decision]] = []
        while (due := self.next_wakeup_s()) <= now_s:
            out.extend((due, d) for d in self.tick(due))
        return out

    def tick(self, now_s: float) -> list[Decision]:
        """Let time pass: expire offers, relax requirements, follow shift starts and ends."""
        out: list[Decision] = []
        freed_rows: list[int] = []
        if now_s >= self._next_shift_change_s:
            freed_rows = self._refresh_shifts(now_s, out)
        relaxed: list[_Esc] = []
        while self._timers and self._timers[0][0] <= now_s:
            _, _, kind, ref, token = heapq.heappop(self._timers)
            if not self._timer_live(kind, ref, token):
                continue
            if kind == _EXPIRE:
                out.extend(self.offer_expired(ref, now_s))
                continue
            esc = self._active[ref]
            # a tick spanning two thresholds relaxes an escalation twice: take it out of the queue once
            queued = esc.state is EscalationState.QUEUED and not any(e is esc for e in relaxed)
            if queued:
                self._unqueue(esc)
            self._relax(esc, token, out)
            if queued:
                relaxed.append(esc)
        self._route(relaxed, freed_rows, now_s, out)
        return out

    def _refresh_shifts(self, now_s: float, out: list[Decision]) -> list[int]:
        t = self._t
        due = np.flatnonzero(t.present[: t.n] & (t.shift_until_s[: t.n] <= now_s))
        freed: list[int] = []
        went_off = False
        for row in due.tolist():
            was_on = bool(t.on_shift[row])
            t.refresh_shift(row, now_s)
            if t.routable[row] and not was_on:
                freed.append(row)
            went_off |= was_on and not t.on_shift[row]
        present = t.present[: t.n]
        self._next_shift_change_s = (
            float(t.shift_until_s[: t.n][present].min()) if present.any() else math.inf
        )
        if went_off:
            self._check_deferrals(now_s, out)
        return freed

    def _relax(self, esc: _Esc, level: int, out: list[Decision]) -> None:
        esc.level = level
        esc.req = esc.ladder.reqs[level]
        out.append(Relaxed(esc.spec.id, level, self.settings.relaxation[level - 1].describe()))
        self._schedule_relaxation(esc)

    def _schedule_relaxation(self, esc: _Esc) -> None:
        """Wake up at the next step that actually loosens this escalation's requirement.

        Steps that change nothing for it (dropping preferred skills it does not have) are skipped,
        so a simulation does not tick for them.
        """
        level = esc.ladder.next_change[esc.level]
        if level is not None:
            due = esc.spec.created_s + self.settings.relaxation[level - 1].after_s
            heapq.heappush(self._timers, (due, next(self._seq), _RELAX, esc.spec.id, level))

    def _ladder(self, escalation: Escalation) -> _Ladder:
        """The escalation's requirement ladder, shared by escalations that route alike (memoised).

        The key holds every field :func:`requirement_at` and :func:`base_priority` read; mappings
        enter as item tuples in their own order, so equal keys always mean equal requirements (a
        different order only costs a cache miss).
        """
        key = (
            escalation.channel,
            tuple(escalation.required_skills.items()),
            tuple(escalation.preferred_skills.items()),
            escalation.language,
            escalation.complexity_tier,
            escalation.customer_tier,
            escalation.customer_region,
            escalation.urgency,
            escalation.trigger,
        )
        ladder = self._ladders.get(key)
        if ladder is None:
            if len(self._ladders) >= _MAX_LADDERS:
                self._ladders.clear()
            ladder = self._ladders[key] = _Ladder.of(escalation, self.settings)
        return ladder

    def _timer_live(self, kind: int, ref: str, token: int) -> bool:
        """An offer timer lives while its offer does; a relaxation timer while its escalation waits."""
        if kind == _EXPIRE:
            return ref in self._offers
        esc = self._active.get(ref)
        return esc is not None and esc.level < token and esc.state is not EscalationState.ASSIGNED

    def _drop_stale_timers(self) -> None:
        timers = self._timers
        while timers and not self._timer_live(*timers[0][2:]):
            heapq.heappop(timers)

    # ================================================================================ routing
    def _route(
        self, escs: list[_Esc], rows: list[int], now_s: float, out: list[Decision], *, announce: bool = False
    ) -> None:
        """Restore the invariant after ``escs`` (not in the queue) and agent ``rows`` changed.

        Unplaced escalations join the queue; with ``announce`` they also get a Queued or Deferred
        decision (new arrivals and re-routes do; a relaxation already said Relaxed).
        """
        unplaced: list[_Esc]
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
            self._enqueue(esc, now_s, out, announce=announce)

    def _candidates(self, esc: _Esc, entry: StaticEligibility) -> IntArray:
        t = self._t
        mask = entry.mask & t.free_mask(esc.req.channel_col)
        if esc.excluded:
            mask[list(esc.excluded)] = False
        return mask.nonzero()[0]

    def _costs(self, entry: StaticEligibility, rows: IntArray, now_s: float) -> IntArray:
        load, idle = live_cost_terms(self._t, rows, now_s, self.settings)
        return cost_units(total_cost(entry.cost[rows], load, idle, self.settings))

    def _place(self, esc: _Esc, now_s: float, out: list[Decision]) -> bool:
        """Fast path A: one escalation, its cheapest eligible agent with a free slot."""
        entry = self._cache.get(esc.req)
        rows = self._candidates(esc, entry)
        if rows.size == 0:
            return False
        if rows.size == 1:
            best = 0
        else:
            # the float argmin rounds to the least cost unit too (rounding is monotone)
            load, idle = live_cost_terms(self._t, rows, now_s, self.settings)
            best = int(total_cost(entry.cost[rows], load, idle, self.settings).argmin())
        self._make_offer(esc, int(rows[best]), now_s, out, entry)
        return True

    def _fill_agent(self, row: int, now_s: float, out: list[Decision]) -> None:
        """Fast path B: give agent ``row``'s free slots to the best waiting escalations, one by one.

        Best = highest priority units, then least cost units: the solver's lexicographic objective.
        """
        t, settings = self._t, self.settings
        aging, cache = self._aging * now_s, self._cache
        while self._waiting and t.has_room[row]:
            best: tuple[int, int, _Esc, StaticEligibility] | None = None
            load, idle = live_cost_terms(t, np.array([row]), now_s, settings)
            # same operation order as cost.total_cost, so the float and its rounding match the solver's
            load_term, idle_term = (
                settings.weights.load * float(load[0]),
                settings.weights.idle * float(idle[0]),
            )
            free = (t.load[row] < t.cap[row]).tolist()
            for req, group in self._waiting.items():
                if not free[req.channel_col]:
                    continue
                entry = cache.get(req)
                if not entry.mask[row]:
                    continue
                for _, _, esc_id in group:
                    esc = self._active[esc_id]
                    if row in esc.excluded:
                        continue
                    prio = priority_units(esc.key + aging)
                    # round() halves to even like np.rint in cost_units
                    cost = round((float(entry.cost[row]) + load_term + idle_term) * COST_SCALE)
                    if best is None or prio > best[0] or (prio == best[0] and cost < best[1]):
                        best = (prio, cost, esc, entry)
                    break  # the group is in priority order and shares this agent's cost
            if best is None:
                return
            esc = best[2]
            self._unqueue(esc)
            self._make_offer(esc, row, now_s, out, best[3])

    def _solve_batch(self, escs: list[_Esc], now_s: float, out: list[Decision]) -> list[_Esc]:
        """Several changes at once: one min-cost-flow over everything waiting plus ``escs``."""
        t, settings = self._t, self.settings
        waiting = [self._active[esc_id] for group in self._waiting.values() for _, _, esc_id in group]
        everyone = escs + waiting
        groups: dict[Requirement, list[int]] = {}
        for i, esc in enumerate(everyone):
            groups.setdefault(esc.req, []).append(i)
        arc_esc: list[IntArray] = []
        arc_row: list[IntArray] = []
        arc_cost: list[IntArray] = []
        arc_channel: list[IntArray] = []
        pruned: set[int] = set()
        k_min = settings.solver.candidates_per_escalation
        for req, members in groups.items():
            entry = self._cache.get(req)
            rows = np.flatnonzero(entry.mask & t.free_mask(req.channel_col))
            if rows.size == 0:
                continue
            costs = self._costs(entry, rows, now_s)
            max_excluded = max(len(everyone[i].excluded) for i in members)
            keep = max(k_min, 2 * len(members)) + max_excluded
            if rows.size > keep:
                top = np.argpartition(costs, keep)[:keep]
                rows, costs = rows[top], costs[top]
                pruned.update(everyone[i].seq for i in members)
            for i in members:
                excluded = everyone[i].excluded
                if excluded:
                    ok = ~np.isin(rows, list(excluded))
                    r, c = rows[ok], costs[ok]
                else:
                    r, c = rows, costs
                arc_esc.append(np.full(r.size, i, np.int64))
                arc_row.append(r)
                arc_cost.append(c)
                arc_channel.append(np.full(r.size, req.channel_col, np.int64))
        for esc in waiting:
            self._unqueue(esc)
        if not arc_esc:
            return everyone
        all_rows = np.concatenate(arc_row)
        agents, local = np.unique(all_rows, return_inverse=True)
        problem = AssignmentProblem(
            priority=np.array([priority_units(e.key + self._aging * now_s) for e in everyone], np.int64),
            arc_esc=np.concatenate(arc_esc),
            arc_agent=local.astype(np.int64),
            arc_channel=np.concatenate(arc_channel),
            arc_cost=np.concatenate(arc_cost),
            free=t.cap[agents] - t.load[agents],
            free_total=t.cap_total[agents] - t.load_total[agents],
        )
        result = solve_assignment(problem, settings.solver.time_limit_s)
        unplaced: list[_Esc] = []
        for i, esc in enumerate(everyone):
            a = int(result.agent_of[i])
            if a >= 0:
                self._make_offer(esc, int(agents[a]), now_s, out, self._cache.get(esc.req))
            else:
                unplaced.append(esc)
        # Pruned candidate lists can leave an escalation unserved while an agent it could take
        # still has a slot; place those directly, highest priority first, to keep the invariant.
        unplaced.sort(key=lambda e: (-e.key, e.seq))
        return [e for e in unplaced if e.seq not in pruned or not self._place(e, now_s, out)]

    def _make_offer(
        self, esc: _Esc, row: int, now_s: float, out: list[Decision], entry: StaticEligibility
    ) -> None:
        t = self._t
        channel = CHANNEL_INDEX[esc.spec.channel]
        explanation = self._explain(esc, entry, now_s, winner=row) if self.explain else None
        t.take_slot(row, channel)
        esc.attempts += 1
        offer_id = f"{esc.spec.id}#{esc.attempts}"
        expires = now_s + self._offer_timeout_s[esc.spec.channel]
        self._offers[offer_id] = _OfferState(offer_id, esc, row, channel, expires)
        esc.offer_id, esc.agent_row = offer_id, row
        esc.excluded.add(row)
        self._set_state(esc, EscalationState.OFFERED)
        heapq.heappush(self._timers, (expires, next(self._seq), _EXPIRE, offer_id, 0))
        out.append(Offer(offer_id, esc.spec.id, t.ids[row], expires, explanation))

    def _take_offer(self, offer_id: str) -> _OfferState:
        offer = self._offers.pop(offer_id, None)
        if offer is None:
            esc_id = offer_id.rpartition("#")[0]
            if esc_id in self._active or esc_id in self._finished:
                raise OfferNotActive(f"offer {offer_id!r} is no longer active")
            raise UnknownOffer(offer_id)
        offer.esc.offer_id = None
        return offer

    def _offer_failed(self, offer: _OfferState, now_s: float, *, missed: bool) -> list[Decision]:
        t, esc, row = self._t, offer.esc, offer.agent_row
        out: list[Decision] = []
        t.release_slot(row, offer.channel, now_s)
        esc.agent_row = -1
        self._set_state(esc, EscalationState.QUEUED)
        if missed:
            t.missed_offers[row] += 1
            not_yet = t.status[row] not in (OFFLINE, STATUS_CODE[AgentStatus.NOT_RESPONDING])
            if not_yet and t.missed_offers[row] >= self.settings.missed_offers_before_not_responding:
                t.set_status(row, AgentStatus.NOT_RESPONDING)
                out.append(
                    AgentStatusChanged(t.ids[row], AgentStatus.NOT_RESPONDING, "offer expired unanswered")
                )
        # The agent's slot and the escalation are independent changes (the escalation may not go
        # back to this agent), so the two fast paths in turn reach the joint optimum.
        self._route([], [row] if t.routable[row] else [], now_s, out)
        self._route([esc], [], now_s, out, announce=True)
        return out

    def _revoke_offers_of(self, row: int, now_s: float, reason: str, out: list[Decision]) -> list[_Esc]:
        returned = []
        for offer in [o for o in self._offers.values() if o.agent_row == row]:
            del self._offers[offer.offer_id]
            esc = offer.esc
            esc.offer_id, esc.agent_row = None, -1
            self._t.release_slot(row, offer.channel, now_s)
            self._set_state(esc, EscalationState.QUEUED)
            out.append(OfferRevoked(offer.offer_id, esc.spec.id, self._t.ids[row], reason))
            returned.append(esc)
        return returned

    # ================================================================================ queue
    def _enqueue(self, esc: _Esc, now_s: float, out: list[Decision], *, announce: bool) -> None:
        verdict = self._deferral(esc.final_req, now_s)
        if verdict is not None:
            self._defer(esc, verdict, now_s, out)
            return
        bisect.insort(self._waiting.setdefault(esc.req, []), esc.queue_entry)
        if announce:
            position, eta_s = self._position_and_eta(esc, now_s) if self.queue_estimates else (0, None)
            entry = self._cache.get(esc.req)
            explanation = self._explain(esc, entry, now_s) if self.explain else None
            reason = (
                "every matching agent is busy, away or off shift"
                if entry.mask.any()
                else "no agent matches until requirements relax"
            )
            out.append(Queued(esc.spec.id, position, eta_s, reason, explanation))

    def _unqueue(self, esc: _Esc) -> None:
        group = self._waiting[esc.req]
        entry = esc.queue_entry
        i = bisect.bisect_left(group, entry)
        del group[i]
        if not group:
            del self._waiting[esc.req]

    def _staffed(self) -> BoolArray:
        t = self._t
        staffed: BoolArray = t.present[: t.n] & t.on_shift[: t.n] & (t.status[: t.n] != OFFLINE)
        return staffed

    def _deferral(
        self, final_req: Requirement, now_s: float
    ) -> tuple[DeferralMode, float | None, str] | None:
        """Defer when no agent eligible even after all relaxation is staffed or starts in the horizon."""
        t = self._t
        eligible = self._cache.get(final_req).mask
        if (eligible & self._staffed()).any():
            return None
        later = eligible & ~t.on_shift[: t.n]
        next_open = float(t.shift_until_s[: t.n][later].min()) if later.any() else math.inf
        if next_open - now_s <= self.settings.deferral.horizon_s:
            return None
        mode = self.settings.deferral.mode.get(final_req.channel, DeferralMode.TICKET)
        if not eligible.any():
            reason = "no agent on the roster can take this escalation"
        else:
            reason = "no eligible agent is on shift"
        return mode, (next_open if math.isfinite(next_open) else None), reason

    def _check_deferrals(self, now_s: float, out: list[Decision]) -> None:
        """Staffing dropped: defer waiting escalations that nobody on shift can take any more."""
        verdicts: dict[Requirement, tuple[DeferralMode, float | None, str] | None] = {}
        for esc in [self._active[i] for group in self._waiting.values() for _, _, i in group]:
            if esc.final_req not in verdicts:
                verdicts[esc.final_req] = self._deferral(esc.final_req, now_s)
            verdict = verdicts[esc.final_req]
            if verdict is not None:
                self._unqueue(esc)
                self._defer(esc, verdict, now_s, out)

    def _defer(
        self, esc: _Esc, verdict: tuple[DeferralMode, float | None, str], now_s: float, out: list[Decision]
    ) -> None:
        """Hand a (not queued) escalation to a callback or ticket, with its explanation."""
        self._finish(esc, EscalationState.DEFERRED)
        explanation = self._explain(esc, self._cache.get(esc.req), now_s) if self.explain else None
        out.append(Deferred(esc.spec.id, *verdict, explanation))

    def _position_and_eta(self, esc: _Esc, now_s: float) -> tuple[int, float | None]:
        """1-based position among waiting escalations competing for the same agents, and an ETA.

        ETA = position / throughput, where throughput is the recent completion rate of the eligible
        agents on shift (decayed over ``completion_window_s``), or, before any completion was
        seen, their channel caps over the default handle time.
        """
        t, settings = self._t, self.settings
        pool = self._cache.get(esc.req).mask & self._staffed()
        ahead = 0
        entry = esc.queue_entry
        for req, group in self._waiting.items():
            if (self._cache.get(req).mask & pool).any():
                ahead += bisect.bisect_left(group, entry)
        position = ahead + 1
        rows = np.flatnonzero(pool)
        if rows.size == 0:
            return position, None
        rate = t.completion_rate_per_s(rows, now_s, settings.completion_window_s)
        if rate <= 0:
            channel = esc.req.channel_col
            rate = float(t.cap[rows, channel].sum()) / settings.default_handle_time_s.get(
                esc.spec.channel, 600.0
            )
        return position, position / rate if rate > 0 else None

    # ================================================================================ explain
    def _explain(
        self, esc: _Esc, entry: StaticEligibility, now_s: float, winner: int | None = None
    ) -> Explanation:
        t = self._t
        masks = {name: rule(t, esc.req) for name, rule in LIVE_RULES}
        masks.update(entry.rule_masks)
        offered_before = np.ones(t.n, bool)
        if esc.excluded:
            offered_before[list(esc.excluded)] = False
        masks["offered_before"] = offered_before
        winner_cost = None
        if winner is not None:
            load, idle = live_cost_terms(t, np.array([winner]), now_s, self.settings)
            winner_cost = CostTerms(
                proficiency_surplus=float(entry.surplus[winner]),
                preferred_skill_miss=float(entry.preferred_miss[winner]),
                tier_distance=float(entry.tier_distance[winner]),
                load=float(load[0]),
                idle=float(idle[0]),
                total=float(total_cost(entry.cost[[winner]], load, idle, self.settings)[0]),
            )
        relaxation = self.settings.relaxation[esc.level - 1].describe() if esc.level else None
        return Explanation(
            t.ids, t.present[: t.n].copy(), masks, esc.key + self._aging * now_s, relaxation, winner_cost
        )

    # ================================================================================ audit
    def violations(self) -> list[str]:
        """Every broken invariant, described; empty when the state is sound. O(agents x waiting).

        Checked: loads equal the offers and assignments held, no cap exceeded, one offer per
        offered escalation, state counts match, and no waiting escalation has an eligible agent
        with a free slot (the maximality the fast paths rely on).
        """
        t, problems = self._t, []
        load = np.zeros_like(t.load[: t.n])
        for esc in self._active.values():
            if esc.state in (EscalationState.OFFERED, EscalationState.ASSIGNED):
                load[esc.agent_row, CHANNEL_INDEX[esc.spec.channel]] += 1
            if esc.state is EscalationState.OFFERED and (esc.offer_id not in self._offers):
                problems.append(f"{esc.spec.id} is offered without an active offer")
        if not np.array_equal(load, t.load[: t.n]):
            problems.append("agent loads differ from the offers and assignments held")
        if (t.load[: t.n] > t.cap[: t.n]).any() or (t.load_total[: t.n] > t.cap_total[: t.n]).any():
            over = np.flatnonzero(
                (t.load[: t.n] > t.cap[: t.n]).any(axis=1) | (t.load_total[: t.n] > t.cap_total[: t.n])
            )
            problems.append(f"agents over a cap: {[t.ids[i] for i in over]}")
        n = t.n
        if not np.array_equal(t.has_room[:n], t.routable[:n] & (t.load_total[:n] < t.cap_total[:n])):
            problems.append("the agents-with-room index is out of step with status and load")
        offered = [o.esc.spec.id for o in self._offers.values()]
        if len(offered) != len(set(offered)):
            problems.append("an escalation has two active offers")
        by_state = Counter(e.state for e in self._active.values()) + Counter(self._finished.values())
        if self.keep_finished and any(by_state.get(s, 0) != self._counts.get(s, 0) for s in EscalationState):
            problems.append(f"state counts {dict(self._counts)} differ from states held {dict(by_state)}")
        queued = {i for group in self._waiting.values() for _, _, i in group}
        if queued != {e.spec.id for e in self._active.values() if e.state is EscalationState.QUEUED}:
            problems.append("the queue and the queued escalations differ")
        for esc_id in queued:
            esc = self._active[esc_id]
            if self._candidates(esc, self._cache.get(esc.req)).size:
                problems.append(f"{esc_id} waits while an eligible agent has a free slot")
        return problems

    # ================================================================================ helpers
    def _row(self, agent_id: str) -> int:
        row = self._t.row.get(agent_id)
        if row is None or not self._t.present[row]:
            raise UnknownAgent(agent_id)
        return row

    def _get(self, escalation_id: str) -> _Esc:
        esc = self._active.get(escalation_id)
        if esc is None:
            if escalation_id in self._finished:
                raise InvalidTransition(
                    f"escalation {escalation_id!r} already {self._finished[escalation_id].value}"
                )
            raise UnknownEscalation(escalation_id)
        return esc

    def _set_state(self, esc: _Esc, state: EscalationState) -> None:
        self._counts[esc.state] -= 1
        self._counts[state] += 1
        esc.state = state

    def _finish(self, esc: _Esc, state: EscalationState) -> None:
        assert state in TERMINAL_STATES
        self._set_state(esc, state)
        del self._active[esc.spec.id]
        if self.keep_finished:
            self._finished[esc.spec.id] = state

    # ==== persistence: restore state from storage
    # The routing service keeps its state in a database and rebuilds a dispatcher from the rows
    # (after a restart, or when another instance changed them). These methods read and put back
    # exactly the state an event leaves behind, without routing anything: stored state already
    # satisfies the invariant, and tick() handles the time that passed since. On a fresh
    # dispatcher, restore agents first, then escalations in arrival order.
    def agent_snapshot(self, agent_id: str) -> AgentSnapshot:
        """The live state of an agent that storage must keep (load follows from escalations)."""
        row, t = self._row(agent_id), self._t
        return AgentSnapshot(
            status=AGENT_STATUSES[int(t.status[row])],
            missed_offers=int(t.missed_offers[row]),
            idle_since_s=float(t.idle_since_s[row]),
            done_ewma=float(t.done_ewma[row]),
            done_at_s=float(t.done_at_s[row]),
        )

    def escalation_snapshot(self, escalation_id: str) -> EscalationSnapshot:
        """The routing state of an escalation that storage must keep; terminal ones carry only state."""
        esc = self._active.get(escalation_id)
        if esc is None:
            return EscalationSnapshot(self.state_of(escalation_id))
        offer = self._offers.get(esc.offer_id) if esc.offer_id else None
        t = self._t
        return EscalationSnapshot(
            state=esc.state,
            level=esc.level,
            attempts=esc.attempts,
            offered_to=tuple(sorted(t.ids[r] for r in esc.excluded)),
            agent_id=t.ids[esc.agent_row] if esc.agent_row >= 0 else None,
            offer_id=esc.offer_id,
            offer_expires_at_s=offer.expires_at_s if offer else None,
        )

    def queue_estimate(self, escalation_id: str, now_s: float) -> tuple[int, float | None]:
        """(1-based position, ETA in seconds or None) of a queued escalation, as Queued reports them.

        Raises :class:`InvalidTransition` when the escalation is not queued.
        """
        esc = self._get(escalation_id)
        if esc.state is not EscalationState.QUEUED:
            raise InvalidTransition(f"escalation {escalation_id!r} is {esc.state.value}, not queued")
        return self._position_and_eta(esc, now_s)

    def restore_agent(self, agent: Agent, snapshot: AgentSnapshot, now_s: float) -> None:
        """Put back an agent with its stored live state. Routes nothing.

        Raises :class:`InvalidTransition` if the agent is already known.
        """
        if agent.id in self._t.row:
            raise InvalidTransition(f"agent {agent.id!r} is already known; restore into a fresh dispatcher")
        t = self._t
        row = t.upsert(agent, now_s)
        t.set_status(row, snapshot.status)
        t.missed_offers[row] = snapshot.missed_offers
        t.idle_since_s[row] = snapshot.idle_since_s
        t.done_ewma[row] = snapshot.done_ewma
        t.done_at_s[row] = snapshot.done_at_s
        self._next_shift_change_s = min(self._next_shift_change_s, float(t.shift_until_s[row]))

    def restore_escalation(self, escalation: Escalation, snapshot: EscalationSnapshot) -> None:
        """Put back a queued, offered or assigned escalation as it was stored. Routes nothing.

        An offered one gets its offer (``{id}#{attempts}``, same expiry) and holds the agent's slot;
        an assigned one holds the slot. Agents in ``offered_to`` that are no longer known are
        ignored. Raises :class:`DuplicateEscalation` for a known id, :class:`InvalidTransition` for
        a terminal state, :class:`UnknownAgent` for an unknown holder, and ValueError when an
        offered snapshot lacks its expiry.
        """
        from routing.cost import base_priority  # local: keeps this section self-contained

        if escalation.id in self._active or escalation.id in self._finished:
            raise DuplicateEscalation(f"escalation {escalation.id!r} already arrived")
        state = snapshot.state
        if state in TERMINAL_STATES:
            raise InvalidTransition(f"escalation {escalation.id!r} is {state.value}; nothing to restore")
        ladder = self._ladder(escalation)
        level = min(max(snapshot.level, 0), len(ladder.reqs) - 1)
        esc = _Esc(
            spec=escalation,
            state=state,
            key=base_priority(escalation, self.settings) - self._aging * escalation.created_s,
            seq=next(self._seq),
            level=level,
            req=ladder.reqs[level],
            ladder=ladder,
        )
        esc.attempts = snapshot.attempts
        esc.excluded = {self._t.row[a] for a in snapshot.offered_to if a in self._t.row}
        if state is EscalationState.QUEUED:
            bisect.insort(self._waiting.setdefault(esc.req, []), esc.queue_entry)
        else:
            if snapshot.agent_id is None:
                raise ValueError(f"escalation {escalation.id!r} is {state.value} but names no agent")
            row = self._row(snapshot.agent_id)
            channel = CHANNEL_INDEX[escalation.channel]
            self._t.take_slot(row, channel)
            esc.agent_row = row
            esc.excluded.add(row)
            if state is EscalationState.OFFERED:
                if snapshot.offer_expires_at_s is None:
                    raise ValueError(f"offered escalation {escalation.id!r} has no offer expiry")
                offer_id = f"{escalation.id}#{snapshot.attempts}"
                expires = snapshot.offer_expires_at_s
                self._offers[offer_id] = _OfferState(offer_id, esc, row, channel, expires)
                esc.offer_id = offer_id
                heapq.heappush(self._timers, (expires, next(self._seq), _EXPIRE, offer_id, 0))
        self._active[escalation.id] = esc
        self._counts[state] += 1
        if state is not EscalationState.ASSIGNED:
            self._schedule_relaxation(esc)


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """An agent's live routing state as storage keeps it (see :meth:`Dispatcher.restore_agent`)."""

    status: AgentStatus
    missed_offers: int = 0
    idle_since_s: float = 0.0
    done_ewma: float = 0.0
    done_at_s: float = 0.0


@dataclass(frozen=True, slots=True)
class EscalationSnapshot:
    """An escalation's routing state as storage keeps it (see :meth:`Dispatcher.restore_escalation`).

    ``offered_to``: agents it was offered to (never offered again); ``agent_id``: the agent holding
    it while offered or assigned; ``attempts``: offers made so far (the offer id's suffix).
    """

    state: EscalationState
    level: int = 0
    attempts: int = 0
    offered_to: tuple[str, ...] = ()
    agent_id: str | None = None
    offer_id: str | None = None
    offer_expires_at_s: float | None = None


# ==== end of persistence section
