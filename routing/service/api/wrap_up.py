"""``/v1/agents/{id}/wrap-up``: an agent's after-contact work, ended early."""

from __future__ import annotations

from fastapi import APIRouter

from routing.service.api.auth import ActsForAgent
from routing.service.api.deps import PathId, Service
from routing.service.api.problems import responses
from routing.service.schemas import AgentView

router = APIRouter(prefix="/v1/agents", tags=["agents"])


@router.post(
    "/{agent_id}/wrap-up/end", response_model=AgentView, responses=responses(401, 403, 404, 422, 503)
)
def end_wrap_up(agent_id: PathId, caller: ActsForAgent, service: Service) -> AgentView:
    """End the agent's wrap-up now: its slots free and go to waiting escalations. An agent not in
    wrap-up is answered as it is. 403 for another agent's key."""
    caller.act_for(agent_id, "agent")
    return service.end_wrap_up(caller.tenant_id, agent_id)
