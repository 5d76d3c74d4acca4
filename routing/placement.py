"""Placement: a routing choice carried out, and the decision that says so.

The dispatcher's strategy chooses; :class:`Placement` places. An escalation is offered to the
chosen agent (:class:`~routing.decisions.Offer`, with an expiry alarm), or it joins the waiting
queue (:class:`~routing.decisions.Queued`, with its position and ETA), or -- when no agent able to
take it even after every relaxation step is staffed or due within the horizon -- it is deferred to
a callback or a ticket (:class:`~routing.decisions.Deferred`). Each decision carries an
:class:`~routing.explanation.Explanation` while ``explain`` is on.
"""

from __future__ import annotations

from routing.candidates import Candidates, Ranking
from routing.cost import aging_per_s
from routing.decisions import Decision, Deferred, Offer, Queued
from routing.deferral import Deferral, deferral
from routing.domain import CHANNELS, EscalationState
from routing.eligibility import EligibilityCache, Requirement, StaticEligibility
from routing.eta import EtaEstimator
from routing.explanation import Explanation, explain, ranking_text
from routing.ledger import Ledger, LiveEscalation
from routing.reasons import queued_reason
from routing.relaxation import Relaxation
from routing.reoffer import Reoffer
from routing.roster import AgentTable
from routing.settings import RoutingSettings
from routing.timers import Timers
from routing.waiting_queue import WaitingQueue


class Placement:
    """Carries out routing choices over the dispatcher's parts; see the module docstring.

    ``explain`` and ``queue_estimates`` are the dispatcher's options of the same names.
    """

    def __init__(
        self,
        table: AgentTable,
        cache: EligibilityCache,
        ledger: Ledger,
        queue: WaitingQueue,
        timers: Timers,
        relaxation: Relaxation,
        settings: RoutingSettings,
    ) -> None:
        self.explain = True
        self.queue_estimates = True
        self._table = table
        self._cache = cache
        self._ledger = ledger
        self._queue = queue
        self._timers = timers
        self._relaxation = relaxation
        self.reoffer = Reoffer(table, timers, settings)  # the dispatcher's, too
        self.eta = EtaEstimator(table, cache, queue, relaxation, settings)  # the dispatcher's, too
        self._settings = settings
        self._aging = aging_per_s(settings)
        self._offer_timeout_s = {c: settings.offer_timeout_for(c) for c in CHANNELS}

    def offer(
        self,
        esc: LiveEscalation,
        row: int,
        entry: StaticEligibility,
        now_s: float,
        out: list[Decision],
        ranking: Ranking | None = None,
        *,
        candidates: Candidates | None = None,
    ) -> None:
        """Offer ``esc`` (not in the queue) to agent ``row``, a candidate of it; ``ranking``: how
        it ranked among the waiting escalations a freed agent could take (fast path B);
        ``candidates``: all of ``esc``'s candidates now, when the choice already costed them."""
        # explained before the slot is taken: the winner's cost terms are those it was chosen by
        explanation = (
            self.explanation(esc, entry, now_s, winner=row, candidates=candidates) if self.explain else None
        )
        if explanation is not None and ranking is not None:
            explanation.ranked_first = ranking_text(ranking, self._table.ids[row])
        expires = now_s + self._offer_timeout_s[esc.spec.channel]
        offer_id = self._ledger.offer(esc, row, expires)
        self._timers.expire_offer_at(expires, offer_id)
        out.append(Offer(offer_id, esc.spec.id, self._table.ids[row], expires, explanation, esc.callback))

    def wait(self, esc: LiveEscalation, now_s: float, out: list[Decision], *, announce: bool) -> None:
        """Queue ``esc`` (queued, not in the queue), or defer it when waiting is pointless.

        With ``announce``, a queued escalation gets a Queued decision; a deferral always says so.
        """
        verdict = self._deferral(esc, now_s)
        if verdict is not None:
            self._defer(esc, verdict, now_s, out)
            return
        self._queue.add(esc)
        if announce:
            self.announce(esc, now_s, out)

    def announce(
        self, esc: LiveEscalation, now_s: float, out: list[Decision], reason: str | None = None
    ) -> None:
        """Say that ``esc`` (queued) waits: a Queued decision with its position, ETA and ``reason``
        (by default why it waits now)."""
        position, eta_s = self.eta.estimate(esc, now_s) if self.queue_estimates else (0, None)
        entry = self._cache.get(esc.req)
        explanation = self.explanation(esc, entry, now_s) if self.explain else None
        reason = reason or self.reason(esc, entry, now_s)
        out.append(Queued(esc.spec.id, position, eta_s, reason, explanation))

    def defer_stranded(self, now_s: float, out: list[Decision]) -> None:
        """Staffing dropped: defer waiting escalations that nobody on shift can take any more."""
        verdicts: dict[Requirement, Deferral | None] = {}
        for esc in [self._ledger.active[i] for i in self._queue.ids()]:
            if esc.excluded:  # its own verdict: agents who had it too often are counted out
                verdict = self._deferral(esc, now_s)
            else:
                if esc.final_req not in verdicts:
                    verdicts[esc.final_req] = self._deferral(esc, now_s)
                verdict = verdicts[esc.final_req]
            if verdict is not None:
                self._queue.remove(esc)
                self._defer(esc, verdict, now_s, out)

    def reason(self, esc: LiveEscalation, entry: StaticEligibility, now_s: float) -> str:
        """Why ``esc`` (queued, demanding what ``entry`` caches) waits: :func:`queued_reason`."""
        step = self._relaxation.next_step(esc.spec, esc.ladder, esc.level)
        next_step = None if step is None else (step[0], self._relaxation.describe(step[1]))
        return queued_reason(esc, entry, self._table, now_s, next_step)

    def explanation(
        self,
        esc: LiveEscalation,
        entry: StaticEligibility,
        now_s: float,
        winner: int | None = None,
        candidates: Candidates | None = None,
    ) -> Explanation:
        """Why ``esc`` (demanding what ``entry`` caches) goes where it goes now; see :func:`explain`."""
        relaxation = self._relaxation.describe(esc.level) if esc.level else None
        priority = esc.key + self._aging * now_s
        return explain(
            self._table,
            esc.req,
            entry,
            esc.excluded,
            priority,
            relaxation,
            now_s,
            self._settings,
            winner,
            escalation=esc.spec,
            level=esc.level,
            unrelaxed=esc.ladder.reqs[0],
            candidates=candidates,
        )

    def _deferral(self, esc: LiveEscalation, now_s: float) -> Deferral | None:
        """Whether to defer ``esc``: nobody who could take it fully relaxed -- and may still be
        offered it -- is staffed or due within the horizon."""
        final_req = esc.final_req
        mask = self._cache.get(final_req).mask
        exhausted = self.reoffer.unavailable(esc) & mask if esc.excluded else None
        if exhausted is not None:
            mask = mask & ~exhausted
        return deferral(self._table, mask, final_req.channel, now_s, self._settings, exhausted)

    def _defer(self, esc: LiveEscalation, verdict: Deferral, now_s: float, out: list[Decision]) -> None:
        """Hand a (not queued) escalation to a callback or ticket, with its explanation."""
        self._ledger.finish(esc, EscalationState.DEFERRED)
        explanation = self.explanation(esc, self._cache.get(esc.req), now_s) if self.explain else None
        out.append(Deferred(esc.spec.id, verdict.mode, verdict.next_open_at_s, verdict.reason, explanation))
