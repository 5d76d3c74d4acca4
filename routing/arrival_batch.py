"""Arrival batching: escalations that arrive together are one assignment problem.

Placed one by one as they arrive (fast path A of :mod:`routing.dispatcher`), each escalation takes
its cheapest agent, so a later one can be left without anyone although an assignment serving both
exists: E1 may go to X or Y and X is cheaper for it, E2 only to X; one by one E1 takes X and E2
waits, together E1 goes to Y and E2 to X. With ``RoutingSettings.arrival_batch_window_s`` above 0
the dispatcher *holds* the arrivals that could be offered now, for a short window, and routes them
together in one batch solve (:mod:`routing.solver`) when it closes. At 0 (the default) nothing is
ever held and every arrival is routed at once, exactly as without this module.

The window opens with the first arrival held and closes ``window_s`` later (a
:data:`routing.timers.CLOSE` alarm, so ``next_wakeup_s`` and ``tick`` drive it like any other
timer); arrivals while it is open join it, so nobody is held longer than the window. A held
escalation is queued -- its state, and a Queued decision whose reason begins with
:data:`HELD_REASON` (position and ETA as for any queued escalation) -- but it is not in the
waiting queue: fast path B fills a freed agent from the queue alone, and the close routes the
held and whatever else changed in that tick together -- one batch solve over them and the queue,
or fast path A's same answer when a window caught a single arrival; those left unplaced join the
queue, and the held among them are told why they wait now (a second Queued decision). Only
arrivals with a free eligible agent are held: one with none could not be offered now anyway, and
waits in the queue, where an agent who frees up reaches it at once.

Edge cases:

* a held escalation abandoned (the customer left) leaves the window; a window left empty closes
  (its alarm goes stale), and the next arrival opens a new one;
* a relaxation step due while held loosens its requirement in place (a Relaxed decision); it is
  routed at the close with the new requirement;
* restored from a snapshot (storage keeps no window, a held escalation is stored as queued): a
  queued escalation created less than a window before the restore (the time the agents were
  restored at) may still be in its window, so it is held again, until its creation plus the
  window -- never later than the window after it arrived, as it cannot arrive before it was
  created. Any other joins the waiting queue; it may have been held all the same (it reached the
  router long after it was created) and have a free eligible agent, so with a window these are
  routed again, with the queue, at the restore's time (a *re-check*); until then the dispatcher's
  audit allows it. A restore never delays an escalation past its own window, so repeated
  rebuilds (several service instances) cannot starve it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from routing.candidates import free_agents
from routing.decisions import Decision
from routing.domain import EscalationState
from routing.eligibility import EligibilityCache
from routing.ledger import LiveEscalation
from routing.placement import Placement
from routing.roster import AgentTable
from routing.settings import RoutingSettings
from routing.timers import Timers
from routing.waiting_queue import WaitingQueue

#: How the reason of a held escalation's Queued decision begins.
HELD_REASON = "held for the arrival window"

#: The window number of a re-check's alarm (windows count from 1).
RECHECK = 0

#: The dispatcher's strategy: restore the invariant after the escalations given (queued, not in
#: the queue) and the agent rows given changed, at ``now_s``, into ``out`` -- one fast path when
#: one thing changed (the same answer as the solve), else the batch solve.
Route = Callable[[list[LiveEscalation], list[int], float, list[Decision]], None]


class ArrivalBatch:
    """The arrivals held for one joint assignment, and when their window closes.

    ``settings.arrival_batch_window_s`` is the window; ``route`` is the dispatcher's strategy;
    the other parts are the dispatcher's, and ``timers`` asks this batch whether a window is open
    (:meth:`Timers.watch_windows <routing.timers.Timers.watch_windows>`). ``closes_at_s`` is the
    open window's end (``inf``: none is open).
    """

    __slots__ = (
        "_cache",
        "_held",
        "_placement",
        "_queue",
        "_recheck_at_s",
        "_rechecked",
        "_restored_s",
        "_route",
        "_table",
        "_timers",
        "_window",
        "closes_at_s",
        "window_s",
    )

    def __init__(
        self,
        table: AgentTable,
        cache: EligibilityCache,
        queue: WaitingQueue,
        timers: Timers,
        placement: Placement,
        route: Route,
        settings: RoutingSettings,
    ) -> None:
        self.window_s = settings.arrival_batch_window_s
        self.closes_at_s = math.inf
        self._held: dict[str, LiveEscalation] = {}  # by id, in arrival order
        self._window = 0  # number of the open (or last) window: its alarm's ``arg``
        self._recheck_at_s = math.inf  # when a restored queue is routed (inf: no re-check due)
        self._rechecked: list[LiveEscalation] = []  # restored into the queue, re-checked then
        self._restored_s = -math.inf  # latest time agents were restored at
        self._table = table
        self._cache = cache
        self._queue = queue
        self._timers = timers
        self._placement = placement
        self._route = route
        timers.watch_windows(self.is_open)

    # ------------------------------------------------------------------------------- reading
    def __contains__(self, esc: LiveEscalation) -> bool:
        return self._held.get(esc.spec.id) is esc

    def ids(self) -> list[str]:
        """The held escalations, in arrival order."""
        return list(self._held)

    def is_open(self, window: int) -> bool:
        """Whether window number ``window`` is open (``RECHECK``: whether a re-check is due):
        whether its closing alarm still matters."""
        if window == RECHECK:
            return self._recheck_at_s < math.inf
        return window == self._window and self.closes_at_s < math.inf

    @property
    def rechecks(self) -> bool:
        """Whether a re-check of a restored queue is due (queued ones may have a free agent)."""
        return self._recheck_at_s < math.inf

    def reason(self, esc: LiveEscalation, now_s: float) -> str | None:
        """Why ``esc`` waits if it is held (see :data:`HELD_REASON`); ``None`` if it is not."""
        if esc not in self:
            return None
        closes = datetime.fromtimestamp(self.closes_at_s, UTC).isoformat(timespec="milliseconds")
        return (
            f"{HELD_REASON}: routed together with the other arrivals of the window, as one "
            f"assignment, when it closes in {max(self.closes_at_s - now_s, 0.0):.1f} s ({closes})"
        )

    def waiting_ids(self) -> list[str]:
        """Every queued escalation, held or in the queue, highest priority first, then arrival order."""
        if not self._held:
            return self._queue.ids_by_priority()
        entries = [e for _, group in self._queue.groups() for e in group]
        entries += [esc.queue_entry for esc in self._held.values()]
        return [esc_id for _, _, esc_id in sorted(entries)]

    def problems(self, queued: set[str], now_s: float | None = None) -> list[str]:
        """Broken bookkeeping, described: a held escalation not queued, or in the ``queued`` ids
        of the waiting queue too; escalations held with no window open, or (given ``now_s``) held
        past its end."""
        queued_state = EscalationState.QUEUED
        out = [f"held {i} is {e.state.value}" for i, e in self._held.items() if e.state is not queued_state]
        out += [f"held {i} is in the waiting queue too" for i in self._held if i in queued]
        if self._held and self.closes_at_s == math.inf:
            out.append("escalations are held with no arrival window open")
        if self._held and now_s is not None and self.closes_at_s < now_s:
            out.append(f"escalations are held past the window's end ({self.closes_at_s})")
        return out

    # ------------------------------------------------------------------------------- writing
    def hold(self, esc: LiveEscalation, now_s: float, out: list[Decision]) -> bool:
        """Hold ``esc`` (just arrived: queued, not in the queue) for the open window, opening one
        if none is, and say so in ``out``; whether it is held. It is not when the window is 0 or
        no eligible agent has a free slot for it now."""
        if not self.window_s or not free_agents(esc, self._cache.get(esc.req), self._table).size:
            return False
        if self.closes_at_s == math.inf:
            self._open(now_s + self.window_s)
        self._held[esc.spec.id] = esc
        self._placement.announce(esc, now_s, out, self.reason(esc, now_s))
        return True

    def unqueue(self, esc: LiveEscalation) -> None:
        """Take queued ``esc`` out of the window if it is held, else out of the waiting queue."""
        if esc not in self:
            self._queue.remove(esc)
            return
        del self._held[esc.spec.id]
        if not self._held:
            self.closes_at_s = math.inf  # nothing left to route: its alarm goes stale

    def close_due(
        self, changed: list[LiveEscalation], rows: list[int], now_s: float, out: list[Decision]
    ) -> bool:
        """Close the open window if it ends by ``now_s``, and re-check a restored queue if that is
        due; whether either happened (and the ``changed`` escalations -- queued, not in the queue
        -- and agent ``rows`` of this tick were routed with them). Either routes its escalations
        (the window's held ones; the restored ones still in the queue) with those: one solve over
        them and the queue when more than one thing changed, the fast path's same answer for one.
        Those left unplaced join the queue (or are deferred), and the held among them get a Queued
        decision saying why they wait now."""
        closing, rechecking = self.closes_at_s <= now_s, self._recheck_at_s <= now_s
        if not (closing or rechecking):
            return False
        held: list[LiveEscalation] = []
        if closing:
            held = list(self._held.values())
            self._held.clear()
            self.closes_at_s = math.inf
        restored: list[LiveEscalation] = []
        if rechecking:
            self._recheck_at_s = math.inf
            queued = EscalationState.QUEUED
            restored = [
                e for e in self._rechecked if e.state is queued and e not in self and e not in changed
            ]
            self._rechecked = []
            for esc in restored:
                self._queue.remove(esc)
        self._route(held + changed + restored, rows, now_s, out)
        for esc in held:
            if esc.state is EscalationState.QUEUED:  # neither offered nor deferred
                self._placement.announce(esc, now_s, out)
        return True

    def restored_agent(self, now_s: float) -> None:
        """An agent was restored at ``now_s``: the rebuild's time, the restore's time above."""
        self._restored_s = max(self._restored_s, now_s)

    def restore_queued(self, esc: LiveEscalation) -> None:
        """Put back a restored queued ``esc``: held again until its creation plus the window if
        that is after the restore's time, else into the waiting queue, to be re-checked at the
        restore's time (see the module docstring). Without a window, or with no agent restored
        (nobody free), it simply joins the queue."""
        if not self.window_s or self._restored_s == -math.inf:
            self._queue.add(esc)
            return
        ends_s = esc.spec.created_s + self.window_s
        if ends_s > self._restored_s:
            self._held[esc.spec.id] = esc
            if ends_s < self.closes_at_s:
                self._open(ends_s)
            return
        self._queue.add(esc)
        self._rechecked.append(esc)
        if self._recheck_at_s == math.inf:
            self._recheck_at_s = self._restored_s
            self._timers.close_window_at(self._restored_s, RECHECK)

    def _open(self, closes_at_s: float) -> None:
        """Open a window (a new number: the alarm of one open before goes stale) ending then."""
        self._window += 1
        self.closes_at_s = closes_at_s
        self._timers.close_window_at(closes_at_s, self._window)
