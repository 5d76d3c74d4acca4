"""``/v1/agents``: the roster (profiles) and presence (status)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from routing.errors import FieldProblem, InvalidInput
from routing.service.api.auth import Read, WriteAgents
from routing.service.api.deps import PathId, Service
from routing.service.api.problems import responses
from routing.service.schemas import AgentUpsert, AgentView, PendingOffer, StatusIn

router = APIRouter(prefix="/v1/agents", tags=["agents"])


@router.post("", status_code=201, response_model=AgentView, responses=responses(400, 401, 403, 409, 422, 503))
def create_agent(body: AgentUpsert, tenant: WriteAgents, service: Service) -> AgentView:
    """Add an agent (409 if the id exists). ``status`` is the agent's initial presence."""
    view, _ = service.upsert_agent(tenant, body, create_only=True)
    return view


@router.put(
    "/{agent_id}",
    response_model=AgentView,
    responses={201: {"model": AgentView, "description": "Created"}, **responses(400, 401, 403, 422, 503)},
)
def put_agent(
    agent_id: PathId, body: AgentUpsert, tenant: WriteAgents, service: Service, response: Response
) -> AgentView:
    """Create or replace an agent's profile (status and current work stay as they are)."""
    if body.id != agent_id:
        raise InvalidInput([FieldProblem("body.id", f"must equal the id in the path ({agent_id!r})")])
    view, created = service.upsert_agent(tenant, body, create_only=False)
    response.status_code = 201 if created else 200
    return view


@router.get("", response_model=list[AgentView], responses=responses(401, 403, 503))
def list_agents(tenant: Read, service: Service) -> list[AgentView]:
    return service.agents(tenant)


@router.get("/{agent_id}", response_model=AgentView, responses=responses(401, 403, 404, 422, 503))
def get_agent(agent_id: PathId, tenant: Read, service: Service) -> AgentView:
    return service.agent(tenant, agent_id)


@router.put("/{agent_id}/status", response_model=AgentView, responses=responses(400, 401, 403, 404, 422, 503))
def set_status(agent_id: PathId, body: StatusIn, tenant: WriteAgents, service: Service) -> AgentView:
    """Presence change. Going offline withdraws the agent's pending offers (re-routed elsewhere)."""
    return service.set_agent_status(tenant, agent_id, body)


@router.get(
    "/{agent_id}/offers", response_model=list[PendingOffer], responses=responses(401, 403, 404, 422, 503)
)
def agent_offers(agent_id: PathId, tenant: Read, service: Service) -> list[PendingOffer]:
    """The agent's offers awaiting an answer, soonest expiry first, each with what the agent sees
    before accepting (summary, intent, reason; never the transcript). Accept one with
    ``POST /v1/offers/{offer_id}/accept``."""
    return service.agent_offers(tenant, agent_id)
