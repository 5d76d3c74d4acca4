"""The replay behind ``handoff route``: a roster and some escalations through the dispatcher.

Pure: a parsed :class:`~routing.schemas.RouteRequest` in, every decision with the time it was
made out. No files, no printing (that is :mod:`routing.cli`), no clock: time is the request's.
"""

from __future__ import annotations

import heapq
import math

from routing.decisions import Decision, Offer
from routing.dispatcher import Dispatcher
from routing.schemas import RouteRequest


def replay(request: RouteRequest) -> list[tuple[float, Decision]]:
    """Agents log in at the first arrival; each escalation arrives at its ``created_at``; agents
    answer offers as the request says; time runs on to ``until``. Returns every decision with the
    time it was made, in order."""
    dispatcher = Dispatcher(request.settings)
    escalations = sorted((e.to_domain() for e in request.escalations), key=lambda e: e.created_s)
    start_s = escalations[0].created_s
    until_s = request.until.timestamp() if request.until else escalations[-1].created_s
    declines = {(agent, esc) for agent, escs in request.declines.items() for esc in escs}
    out: list[tuple[float, Decision]] = []
    answers: list[tuple[float, int, Offer]] = []  # (when the agent answers, tie-break, offer)

    def record(at_s: float, decisions: list[Decision]) -> None:
        for d in decisions:
            out.append((at_s, d))
            if isinstance(d, Offer) and request.accept_after_s is not None:
                heapq.heappush(answers, (at_s + request.accept_after_s, len(out), d))

    def run_until(t_s: float) -> None:
        """Interleave the dispatcher's own wake-ups and the agents' answers up to ``t_s``."""
        while True:
            next_answer = answers[0][0] if answers else math.inf
            next_tick = dispatcher.next_wakeup_s()
            if min(next_answer, next_tick) > t_s:
                return
            if next_tick <= next_answer:
                record(next_tick, dispatcher.tick(next_tick))
                continue
            at_s, _, offer = heapq.heappop(answers)
            if dispatcher.offer_of(offer.escalation_id) != offer.offer_id:
                continue  # expired, revoked or already answered
            declined = (offer.agent_id, offer.escalation_id) in declines
            answer = dispatcher.offer_declined if declined else dispatcher.offer_accepted
            record(at_s, answer(offer.offer_id, at_s))

    for agent in request.agents:
        record(start_s, dispatcher.add_agent(agent.to_domain(), start_s, agent.status))
    for escalation in escalations:
        run_until(escalation.created_s)
        record(escalation.created_s, dispatcher.escalation_arrived(escalation, escalation.created_s))
    run_until(until_s)
    return out
