"""What storage keeps of the dispatcher's live state, so a dispatcher can be rebuilt from rows.

:meth:`Dispatcher.agent_snapshot <routing.dispatcher.Dispatcher.agent_snapshot>` and
:meth:`~routing.dispatcher.Dispatcher.escalation_snapshot` read them out;
:meth:`~routing.dispatcher.Dispatcher.restore_agent` and
:meth:`~routing.dispatcher.Dispatcher.restore_escalation` put them back. Agent load is not kept:
it follows from the escalations that are offered or assigned.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.domain import TERMINAL_STATES, AgentStatus, EscalationState
from routing.errors import InvalidTransition


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

    ``offered_to``: agents it was offered to, once per offer (an agent offered it twice appears
    twice); ``reoffer_at_s``: (agent, time) for each of them whose re-offer cool-down ends (or
    ended) then (:class:`~routing.settings.ReofferPolicy`) -- one absent here is never offered it
    again, which is how a snapshot stored before re-offers existed reads; ``agent_id``: the agent
    holding it while offered or assigned; ``attempts``: offers made so far (the offer id's suffix);
    ``transfers``: times an agent transferred it; ``transferred_from``: those agents (never
    offered it again); ``callback``: the customer asked to be called back.
    """

    state: EscalationState
    level: int = 0
    attempts: int = 0
    offered_to: tuple[str, ...] = ()
    agent_id: str | None = None
    offer_id: str | None = None
    offer_expires_at_s: float | None = None
    reoffer_at_s: tuple[tuple[str, float], ...] = ()
    assigned_at_s: float | None = None
    expected_end_s: float | None = None
    transfers: int = 0
    transferred_from: tuple[str, ...] = ()
    callback: bool = False

    def restorable_holder(self, escalation_id: str) -> str | None:
        """The agent an escalation restored from this snapshot is with (``None``: queued).

        Raise :class:`InvalidTransition` if the state is terminal, a ValueError if an offered or
        assigned snapshot names no agent or an offered one lacks its offer expiry.
        """
        state = self.state
        if state in TERMINAL_STATES:
            raise InvalidTransition(f"escalation {escalation_id!r} is {state.value}; nothing to restore")
        if state is EscalationState.QUEUED:
            return None
        if self.agent_id is None:
            raise ValueError(f"escalation {escalation_id!r} is {state.value} but names no agent")
        if state is EscalationState.OFFERED and self.offer_expires_at_s is None:
            raise ValueError(f"offered escalation {escalation_id!r} has no offer expiry")
        return self.agent_id
