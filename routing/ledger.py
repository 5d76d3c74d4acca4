"""The ledger: every escalation that arrived, in exactly one state, every pending offer, and the
agent slots they hold.

Nothing is lost: an escalation is *live* (queued, offered or assigned) until it reaches a terminal
state, and the state counts always sum to the arrivals, also when finished escalations are not
kept (``keep_finished=False``, for long simulations). An offered escalation has exactly one
pending offer, named by :mod:`routing.offer_ids`. Every offered or assigned escalation holds one
slot of its agent, as does a completed one while its agent wraps up (after-contact work), and the
agents' loads in the :class:`~routing.roster.AgentTable` are exactly the slots held: the ledger is
the only writer of both.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from routing import offer_ids
from routing.domain import TERMINAL_STATES, Escalation, EscalationState
from routing.eligibility import Requirement
from routing.errors import InvalidTransition, OfferNotActive, UnknownEscalation, UnknownOffer
from routing.relaxation import Ladder
from routing.roster import AgentTable
from routing.snapshots import EscalationSnapshot
from routing.waiting_queue import QueueEntry


@dataclass(slots=True, eq=False)
class LiveEscalation:
    """An escalation on its way to an agent, as the dispatcher tracks it."""

    spec: Escalation
    state: EscalationState
    key: float  # priority at time 0; priority(now) = key + aging * now
    seq: int  # arrival order
    level: int  # relaxation steps applied
    req: Requirement  # what it demands now: ladder.reqs[level]
    ladder: Ladder
    #: agent rows it may not be offered to now: the one holding it, and those whose offer failed,
    #: until their re-offer cool-down ends (:mod:`routing.reoffer`) or for good
    excluded: set[int] = field(default_factory=set)
    offers_to: dict[int, int] = field(default_factory=dict)  # agent row -> offers made to it
    reoffer_at: dict[int, float] = field(default_factory=dict)  # row -> when its cool-down ends
    offer_id: str | None = None
    agent_row: int = -1  # the agent holding it while offered or assigned
    attempts: int = 0  # offers made so far
    assigned_s: float = math.nan  # when its agent accepted it (NaN: not assigned, or restored)
    expected_end_s: float = math.nan  # when that work was expected to end, as of acceptance
    transfers: int = 0  # times an agent holding it transferred it
    transferred_from: set[int] = field(default_factory=set)  # those agents' rows: excluded for good
    callback: bool = False  # the customer asked to be called back

    @property
    def queue_entry(self) -> QueueEntry:
        return (-self.key, self.seq, self.spec.id)

    @property
    def final_req(self) -> Requirement:
        """The requirement once every relaxation step applies."""
        return self.ladder.reqs[-1]


@dataclass(slots=True)
class LiveOffer:
    """A pending offer: ``esc`` holds a slot of agent ``agent_row`` on ``channel`` until answered."""

    offer_id: str
    esc: LiveEscalation
    agent_row: int
    channel: int
    expires_at_s: float


@dataclass(slots=True)
class WrapUp:
    """After-contact work: a completed escalation's agent ``agent_row`` keeps its slot on
    ``channel`` from ``started_s`` until ``until_s``."""

    agent_row: int
    channel: int
    started_s: float
    until_s: float


class Ledger:
    """Live escalations by id, their pending offers by id, the wrap-ups of completed ones by
    escalation id, and the count of escalations per state; the slots they hold are taken and
    released in ``table``."""

    __slots__ = ("_counts", "_finished", "_seq", "_table", "active", "keep_finished", "offers", "wrap_ups")

    def __init__(self, table: AgentTable, keep_finished: bool = True) -> None:
        self._table = table
        self.keep_finished = keep_finished
        self.active: dict[str, LiveEscalation] = {}
        self.offers: dict[str, LiveOffer] = {}
        self.wrap_ups: dict[str, WrapUp] = {}
        self._finished: dict[str, EscalationState] = {}
        self._counts: dict[EscalationState, int] = dict.fromkeys(EscalationState, 0)
        self._seq = itertools.count()

    # ------------------------------------------------------------------------------- reading
    def arrived(self, escalation_id: str) -> bool:
        """Whether the escalation is live or finished (as far as finished ones are kept)."""
        return escalation_id in self.active or escalation_id in self._finished

    def state_of(self, escalation_id: str) -> EscalationState:
        """Raise :class:`UnknownEscalation` if it never arrived (or finished and was not kept)."""
        esc = self.active.get(escalation_id)
        if esc is not None:
            return esc.state
        state = self._finished.get(escalation_id)
        if state is None:
            raise UnknownEscalation(escalation_id)
        return state

    def counts(self) -> dict[EscalationState, int]:
        return {s: self._counts.get(s, 0) for s in EscalationState}

    def ids_in(self, state: EscalationState) -> list[str]:
        return [esc_id for esc_id, esc in self.active.items() if esc.state is state]

    def live(self, escalation_id: str) -> LiveEscalation:
        """Raise :class:`UnknownEscalation` if the escalation is not live (whether or not it finished)."""
        esc = self.active.get(escalation_id)
        if esc is None:
            raise UnknownEscalation(escalation_id)
        return esc

    def expect_live(self, escalation_id: str) -> LiveEscalation:
        """The live escalation an event is about.

        Raise :class:`InvalidTransition` if it already finished, :class:`UnknownEscalation` if it
        never arrived.
        """
        esc = self.active.get(escalation_id)
        if esc is None:
            if escalation_id in self._finished:
                raise InvalidTransition(
                    f"escalation {escalation_id!r} already {self._finished[escalation_id].value}"
                )
            raise UnknownEscalation(escalation_id)
        return esc

    def expect_queued(self, escalation_id: str) -> LiveEscalation:
        """The queued escalation a query is about.

        Raise :class:`UnknownEscalation` if it never arrived, :class:`InvalidTransition` if it is
        not queued.
        """
        esc = self.expect_live(escalation_id)
        if esc.state is not EscalationState.QUEUED:
            raise InvalidTransition(f"escalation {escalation_id!r} is {esc.state.value}, not queued")
        return esc

    def has_offer(self, offer_id: str) -> bool:
        """Whether the offer is pending (not yet answered, expired or revoked)."""
        return offer_id in self.offers

    def waits_below(self, escalation_id: str, level: int) -> bool:
        """Whether the escalation is queued or offered at a relaxation level below ``level``."""
        esc = self.active.get(escalation_id)
        return esc is not None and esc.level < level and esc.state is not EscalationState.ASSIGNED

    def cools_down(self, escalation_id: str, row: int) -> bool:
        """Whether agent ``row`` waits for its re-offer cool-down of a waiting escalation to end."""
        esc = self.active.get(escalation_id)
        return (
            esc is not None
            and row in esc.reoffer_at
            and row in esc.excluded
            and esc.state is not EscalationState.ASSIGNED
        )

    def offers_held_by(self, row: int) -> list[LiveOffer]:
        return [o for o in self.offers.values() if o.agent_row == row]

    def assigned_to(self, row: int) -> int:
        """How many escalations agent ``row`` has accepted and not finished."""
        return sum(
            1 for e in self.active.values() if e.agent_row == row and e.state is EscalationState.ASSIGNED
        )

    def snapshot(self, escalation_id: str, agent_ids: Sequence[str]) -> EscalationSnapshot:
        """What storage keeps of the escalation (``agent_ids``: agent id per row).

        Raise :class:`UnknownEscalation` if it never arrived (or finished and was not kept).
        """
        esc = self.active.get(escalation_id)
        if esc is None:
            return EscalationSnapshot(self.state_of(escalation_id))
        offer = self.offers.get(esc.offer_id) if esc.offer_id else None
        timed = esc.state is EscalationState.ASSIGNED and not math.isnan(esc.expected_end_s)
        return EscalationSnapshot(
            state=esc.state,
            level=esc.level,
            attempts=esc.attempts,
            offered_to=tuple(sorted(agent_ids[r] for r, n in esc.offers_to.items() for _ in range(n))),
            reoffer_at_s=tuple(sorted((agent_ids[r], due) for r, due in esc.reoffer_at.items())),
            agent_id=agent_ids[esc.agent_row] if esc.agent_row >= 0 else None,
            offer_id=esc.offer_id,
            offer_expires_at_s=offer.expires_at_s if offer else None,
            transfers=esc.transfers,
            transferred_from=tuple(sorted(agent_ids[r] for r in esc.transferred_from)),
            callback=esc.callback,
            assigned_at_s=esc.assigned_s if timed else None,
            expected_end_s=esc.expected_end_s if timed else None,
        )

    # ------------------------------------------------------------------------------- writing
    def admit(
        self, spec: Escalation, state: EscalationState, ladder: Ladder, level: int, key: float
    ) -> LiveEscalation:
        """Enter an escalation that just arrived (or is being restored) in ``state``, at relaxation
        ``level`` of its ``ladder``, with priority ``key`` at time 0; it is last in arrival order."""
        esc = LiveEscalation(spec, state, key, next(self._seq), level, ladder.reqs[level], ladder)
        self.active[spec.id] = esc
        self._counts[state] += 1
        return esc

    def set_state(self, esc: LiveEscalation, state: EscalationState) -> None:
        self._counts[esc.state] -= 1
        self._counts[state] += 1
        esc.state = state

    def time_work(self, esc: LiveEscalation, assigned_s: float, expected_end_s: float) -> None:
        """Record when assigned ``esc``'s work started and is expected to end (a restore)."""
        esc.assigned_s, esc.expected_end_s = assigned_s, expected_end_s
        self._table.work_end_sum_s[esc.agent_row] += expected_end_s
        self._table.work_timed[esc.agent_row] += 1

    def assign(self, esc: LiveEscalation, now_s: float = math.nan, expected_end_s: float = math.nan) -> None:
        """The agent holding ``esc`` accepted it at ``now_s`` (the work expected to end at
        ``expected_end_s``): it is assigned, and re-offer cool-downs of other agents end with that
        (nothing is re-offered once it is someone's)."""
        self.set_state(esc, EscalationState.ASSIGNED)
        esc.assigned_s, esc.expected_end_s = now_s, expected_end_s
        if expected_end_s == expected_end_s:  # known (not NaN): the table sums expected ends
            self._table.work_end_sum_s[esc.agent_row] += expected_end_s
            self._table.work_timed[esc.agent_row] += 1
        esc.reoffer_at.clear()

    def finish(self, esc: LiveEscalation, state: EscalationState) -> None:
        """Move a live escalation to the terminal ``state``."""
        assert state in TERMINAL_STATES
        self.set_state(esc, state)
        del self.active[esc.spec.id]
        if self.keep_finished:
            self._finished[esc.spec.id] = state

    def hold(self, esc: LiveEscalation, row: int) -> None:
        """Take a slot of agent ``row`` for ``esc`` (to offer or assign); it is not offered back
        unless :mod:`routing.reoffer` readmits the agent after a failed offer."""
        self._table.take_slot(row, esc.req.channel_col)
        esc.agent_row = row
        esc.excluded.add(row)
        esc.reoffer_at.pop(row, None)

    def release(self, esc: LiveEscalation, now_s: float) -> None:
        """Give back the slot ``esc`` holds."""
        t = self._table
        if esc.state is EscalationState.ASSIGNED and esc.expected_end_s == esc.expected_end_s:
            t.work_end_sum_s[esc.agent_row] -= esc.expected_end_s
            t.work_timed[esc.agent_row] -= 1
        t.release_slot(esc.agent_row, esc.req.channel_col, now_s)
        esc.agent_row = -1

    def start_wrap_up(self, esc: LiveEscalation, now_s: float, until_s: float) -> None:
        """Keep the slot of ``esc`` (assigned, about to be released and finish) for its agent until
        ``until_s``: a second slot is taken here, so releasing the escalation's leaves one."""
        self._table.take_slot(esc.agent_row, esc.req.channel_col)
        self._time_wrap_up(esc.agent_row, until_s, +1)
        self.wrap_ups[esc.spec.id] = WrapUp(esc.agent_row, esc.req.channel_col, now_s, until_s)

    def restore_wrap_up(
        self, escalation_id: str, row: int, channel: int, until_s: float, started_s: float = math.nan
    ) -> None:
        """Put back a stored wrap-up of agent ``row`` on ``channel``, holding the slot."""
        self._table.take_slot(row, channel)
        self._time_wrap_up(row, until_s, +1)
        self.wrap_ups[escalation_id] = WrapUp(row, channel, started_s, until_s)

    def end_wrap_up(self, escalation_id: str, now_s: float) -> WrapUp:
        """End a wrap-up and give back its slot. Raise a KeyError if it is not in progress."""
        wrap = self.wrap_ups.pop(escalation_id)
        self._time_wrap_up(wrap.agent_row, wrap.until_s, -1)
        self._table.release_slot(wrap.agent_row, wrap.channel, now_s)
        return wrap

    def _time_wrap_up(self, row: int, until_s: float, sign: int) -> None:
        """Count (+1) or uncount (-1) a wrap-up's slot among the agent's timed slots: it frees at
        ``until_s`` at the latest (ETAs)."""
        t = self._table
        t.work_end_sum_s[row] += sign * until_s
        t.work_timed[row] += sign
        t.wrap_ups[row] += sign

    def wrap_ups_of(self, row: int) -> list[str]:
        """The escalations whose wrap-up agent ``row`` is in, oldest first."""
        return [esc_id for esc_id, w in self.wrap_ups.items() if w.agent_row == row]

    def open_offer(self, esc: LiveEscalation, expires_at_s: float) -> str:
        """Record offer number ``esc.attempts`` of ``esc`` to the agent holding it; returns its id."""
        offer_id = offer_ids.offer_id(esc.spec.id, esc.attempts)
        self.offers[offer_id] = LiveOffer(offer_id, esc, esc.agent_row, esc.req.channel_col, expires_at_s)
        esc.offer_id = offer_id
        return offer_id

    def offer(self, esc: LiveEscalation, row: int, expires_at_s: float) -> str:
        """Offer ``esc`` to agent ``row`` until ``expires_at_s``: hold the slot, count the attempt,
        record the offer; returns its id."""
        self.hold(esc, row)
        esc.attempts += 1
        esc.offers_to[row] = esc.offers_to.get(row, 0) + 1
        offer_id = self.open_offer(esc, expires_at_s)
        self.set_state(esc, EscalationState.OFFERED)
        return offer_id

    def offer_accepted_at_once(
        self, esc: LiveEscalation, row: int, now_s: float, expected_end_s: float
    ) -> str:
        """:meth:`offer` of queued ``esc`` to agent ``row`` then, at the same ``now_s``,
        :meth:`take_offer` and :meth:`assign` of it (the work expected to end at
        ``expected_end_s``), without recording the offer in between; returns the offer's id.
        The state left is theirs exactly."""
        self.hold(esc, row)
        esc.attempts += 1
        esc.offers_to[row] = esc.offers_to.get(row, 0) + 1
        self.assign(esc, now_s, expected_end_s)
        return offer_ids.offer_id(esc.spec.id, esc.attempts)

    def revoke_offers_of(self, row: int, now_s: float) -> list[LiveOffer]:
        """Withdraw every pending offer to agent ``row``; their escalations wait again (queued,
        not yet in the queue). Returns the offers withdrawn, oldest first."""
        revoked = self.offers_held_by(row)
        for offer in revoked:
            self.take_offer(offer.offer_id)
            self.release(offer.esc, now_s)
            self.set_state(offer.esc, EscalationState.QUEUED)
        return revoked

    def revoke_offers_over_caps(self, row: int, now_s: float) -> list[LiveOffer]:
        """Withdraw agent ``row``'s newest pending offers until its load is within its caps again
        (after its caps were lowered); accepted work is kept. Returns the offers withdrawn."""
        t = self._table
        revoked: list[LiveOffer] = []
        for offer in reversed(self.offers_held_by(row)):
            if not t.over_cap(row):
                break
            if (
                t.load[row, offer.channel] <= t.cap[row, offer.channel]
                and t.load_total[row] <= t.cap_total[row]
            ):
                continue  # this channel is within its cap: another one is over
            self.take_offer(offer.offer_id)
            self.release(offer.esc, now_s)
            self.set_state(offer.esc, EscalationState.QUEUED)
            revoked.append(offer)
        return revoked

    def take_offer(self, offer_id: str) -> LiveOffer:
        """Remove a pending offer to answer or revoke it.

        Raise :class:`OfferNotActive` if it was already answered, expired or revoked,
        :class:`UnknownOffer` if it was never made.
        """
        offer = self.offers.pop(offer_id, None)
        if offer is None:
            if self.arrived(offer_ids.escalation_id_of(offer_id)):
                raise OfferNotActive(f"offer {offer_id!r} is no longer active")
            raise UnknownOffer(offer_id)
        offer.esc.offer_id = None
        return offer

    # ------------------------------------------------------------------------------- audit
    def problems(self) -> list[str]:
        """Broken bookkeeping, described: slots held and agent loads, offers and offered
        escalations, states and counts."""
        t = self._table
        held = np.zeros_like(t.load[: t.n])
        for esc in self.active.values():
            if esc.state in (EscalationState.OFFERED, EscalationState.ASSIGNED):
                held[esc.agent_row, esc.req.channel_col] += 1
        for wrap in self.wrap_ups.values():
            held[wrap.agent_row, wrap.channel] += 1
        problems = (
            []
            if np.array_equal(held, t.load[: t.n])
            else ["agent loads differ from the offers and assignments held"]
        )
        problems += [
            f"{esc.spec.id} is offered without an active offer"
            for esc in self.active.values()
            if esc.state is EscalationState.OFFERED and esc.offer_id not in self.offers
        ]
        offered = [o.esc.spec.id for o in self.offers.values()]
        if len(offered) != len(set(offered)):
            problems.append("an escalation has two active offers")
        by_state = Counter(e.state for e in self.active.values()) + Counter(self._finished.values())
        if self.keep_finished and any(by_state.get(s, 0) != self._counts.get(s, 0) for s in EscalationState):
            problems.append(f"state counts {dict(self._counts)} differ from states held {dict(by_state)}")
        return problems
