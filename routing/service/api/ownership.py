"""Whose an offer or a piece of work is: what an agent's key is checked against
(:meth:`routing.service.api.auth.Caller.act_for`) before the operation runs.

An offer belongs to the agent it was made to, for good (its id is never reused), so the answer
cannot change between the check and the operation. Work belongs to the agent holding it now;
only that agent can give it away (hand back, transfer, complete), so an agent's key passing the
check for its own work cannot have it moved to another agent by anyone else in between.
"""

from __future__ import annotations

from sqlalchemy import select

from routing import offer_ids
from routing.service.api.auth import Caller
from routing.service.core import RoutingService
from routing.service.storage import repository as repo
from routing.service.storage.models import AuditEvent

__all__ = ["check_offer", "check_work"]


def check_offer(caller: Caller, service: RoutingService, offer_id: str) -> None:
    """Raise :class:`~routing.service.api.problems.NotThisAgent` if ``caller`` is an agent's key
    and the offer (API id) was made to another agent. An offer never made is left to the
    operation (404)."""
    if caller.agent_id is None:
        return
    escalation_id = offer_ids.escalation_id_of(offer_ids.from_api(offer_id))
    a = AuditEvent
    with service.db.read() as s:
        made_to = s.scalar(
            select(a.agent_id)
            .where(
                a.tenant_id == caller.tenant_id,
                a.escalation_id == escalation_id,
                a.offer_id == offer_id,
                a.agent_id.is_not(None),
            )
            .order_by(a.seq)
            .limit(1)
        )
    if made_to is not None:
        caller.act_for(made_to, "offer")


def check_work(caller: Caller, service: RoutingService, escalation_id: str) -> None:
    """Raise :class:`~routing.service.api.problems.NotThisAgent` if ``caller`` is an agent's key
    and the escalation is not held by that agent. An unknown escalation is left to the
    operation (404)."""
    if caller.agent_id is None:
        return
    with service.db.read() as s:
        row = repo.escalation(s, caller.tenant_id, escalation_id)
        if row is not None:
            caller.act_for(row.agent_id, "escalation")
