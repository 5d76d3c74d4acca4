"""``handoff route``: replay a roster and some escalations through the dispatcher, show each decision."""

from __future__ import annotations

import heapq
import json
import math
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from routing.decisions import (
    AgentStatusChanged,
    Decision,
    Deferred,
    Explanation,
    Offer,
    OfferRevoked,
    Queued,
    Relaxed,
    decision_as_dict,
)
from routing.dispatcher import Dispatcher
from routing.schemas import RouteRequest, load_document, parse


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


def _summary(explanation: Explanation | None) -> str:
    if explanation is None:
        return ""
    parts = [f"eligible {explanation.eligible}/{explanation.considered}"]
    counts = explanation.rejection_counts()
    if counts:
        parts.append("rejected: " + ", ".join(f"{rule} {n}" for rule, n in counts.items()))
    if explanation.winner_cost is not None:
        c = explanation.winner_cost
        parts.append(
            f"cost {c.total:.2f} (surplus {c.proficiency_surplus:.2f}, pref {c.preferred_skill_miss:.2f}, "
            f"tier {c.tier_distance:.2f}, load {c.load:.2f}, idle {c.idle:.2f})"
        )
    if explanation.relaxation:
        parts.append(f"relaxed: {explanation.relaxation}")
    return "; ".join(parts)


def _detail(decision: Decision) -> str:
    if isinstance(decision, Offer):
        return f"expires in {decision.expires_at_s:.0f}"
    if isinstance(decision, Queued):
        eta = "unknown" if decision.eta_s is None else f"{decision.eta_s:.0f} s"
        return f"position {decision.position}, ETA {eta}: {decision.reason}"
    if isinstance(decision, Deferred):
        when = (
            datetime.fromtimestamp(decision.next_open_at_s, UTC).isoformat(timespec="minutes")
            if decision.next_open_at_s is not None
            else "no opening this week"
        )
        return f"{decision.mode.value}, next opening {when}: {decision.reason}"
    if isinstance(decision, OfferRevoked):
        return decision.reason
    if isinstance(decision, Relaxed):
        return decision.step
    if isinstance(decision, AgentStatusChanged):
        return f"{decision.status.value}: {decision.reason}"
    return ""


def run_route(path: Path, as_json: bool, console: Console) -> None:
    """Load, replay and print. Raises :class:`~routing.errors.InvalidInput` for a bad file."""
    request = parse(RouteRequest, load_document(path), source=str(path))
    decisions = replay(request)
    start_s = decisions[0][0] if decisions else 0.0
    if as_json:
        rows = [{"at_s": round(at - start_s, 3), **decision_as_dict(d)} for at, d in decisions]
        console.print_json(json.dumps(rows, default=str))
        return
    table = Table(title=f"Routing decisions for {path.name}", show_lines=False)
    for col in ("t+s", "escalation", "decision", "agent", "detail", "why"):
        table.add_column(col, overflow="fold")
    for at, d in decisions:
        offer_detail = _detail(d)
        if isinstance(d, Offer):
            offer_detail = f"expires t+{d.expires_at_s - start_s:.0f}s"
        table.add_row(
            f"{at - start_s:.0f}",
            getattr(d, "escalation_id", ""),
            d.kind,
            getattr(d, "agent_id", ""),
            offer_detail,
            _summary(getattr(d, "explanation", None)),
        )
    console.print(table)
