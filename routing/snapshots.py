"""What storage keeps of the dispatcher's live state, so a dispatcher can be rebuilt from rows.

:meth:`Dispatcher.agent_snapshot <routing.dispatcher.Dispatcher.agent_snapshot>` and
:meth:`~routing.dispatcher.Dispatcher.escalation_snapshot` read them out;
:meth:`~routing.dispatcher.Dispatcher.restore_agent` and
:meth:`~routing.dispatcher.Dispatcher.restore_escalation` put them back. Agent load is not kept:
it follows from the escalations that are offered or assigned.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.domain import AgentStatus, EscalationState


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """An agent's live routing state as storage keeps it."""

    status: AgentStatus
    missed_offers: int = 0
    idle_since_s: float = 0.0
    done_ewma: float = 0.0
    done_at_s: float = 0.0


@dataclass(frozen=True, slots=True)
class EscalationSnapshot:
    """An escalation's routing state as storage keeps it; a terminal one carries only its state.

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
