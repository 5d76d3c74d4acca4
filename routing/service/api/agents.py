"""``/v1/agents``: the roster (profiles), presence (status) and deactivation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from routing.errors import FieldProblem, InvalidInput
from routing.service.api.auth import AgentsWriter, Read, WriteAgents
from routing.service.api.deps import PathId, Service
from routing.service.api.problems import responses
from routing.service.schemas import AgentUpsert, AgentView, PendingOffer, StatusIn

router = APIRouter(prefix="/v1/agents", tags=["agents"])


@router.post("", status_code=201, response_model=AgentView, responses=responses(400, 401, 403, 409, 422, 503))
def create_agent(body: AgentUpsert, tenant: WriteAgents, service: Service) -> AgentView:
    """Add an agent (409 if the id exists and is active; a deactivated one is reactivated, 201).
    ``status`` is the agent's initial presence."""
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
    """Create or replace an agent's profile (status and current work stay as they are). A
    deactivated agent is reactivated (201), with ``status`` as its presence."""
    if body.id != agent_id:
        raise InvalidInput([FieldProblem("body.id", f"must equal the id in the path ({agent_id!r})")])
    view, created = service.upsert_agent(tenant, body, create_only=False)
    response.status_code = 201 if created else 200
    return view


@router.get("", response_model=list[AgentView], responses=responses(401, 403, 422, 503))
def list_agents(
    tenant: Read,
    service: Service,
    include_inactive: Annotated[bool, Query(description="List deactivated agents too.")] = False,
) -> list[AgentView]:
    """The active agents in the order they were added (with ``include_inactive``, every agent)."""
    return service.agents(tenant, include_inactive=include_inactive)


@router.get("/{agent_id}", response_model=AgentView, responses=responses(401, 403, 404, 422, 503))
def get_agent(agent_id: PathId, tenant: Read, service: Service) -> AgentView:
    return service.agent(tenant, agent_id)


@router.delete("/{agent_id}", status_code=204, responses=responses(401, 403, 404, 422, 503))
def deactivate_agent(agent_id: PathId, caller: AgentsWriter, service: Service) -> Response:
    """Deactivate the agent: pending offers are withdrawn and re-routed at once, work already
    accepted stays theirs until completed, nothing new is offered, and the agent is no longer
    listed as active. The audit trail records who and when. Deactivating a deactivated agent
    changes nothing (204 again); adding the id again reactivates it."""
    service.deactivate_agent(caller.tenant_id, agent_id, by=caller.actor)
    return Response(status_code=204)


@router.put(
    "/{agent_id}/status", response_model=AgentView, responses=responses(400, 401, 403, 404, 409, 422, 503)
)
def set_status(agent_id: PathId, body: StatusIn, tenant: WriteAgents, service: Service) -> AgentView:
    """Presence change. Going offline withdraws the agent's pending offers (re-routed elsewhere).
    409 for a deactivated agent."""
    return service.set_agent_status(tenant, agent_id, body)


@router.get(
    "/{agent_id}/offers", response_model=list[PendingOffer], responses=responses(401, 403, 404, 422, 503)
)
def agent_offers(agent_id: PathId, tenant: Read, service: Service) -> list[PendingOffer]:
    """The agent's offers awaiting an answer, soonest expiry first, each with what the agent sees
    before accepting (summary, intent, reason; never the transcript). Accept one with
    ``POST /v1/offers/{offer_id}/accept``."""
    return service.agent_offers(tenant, agent_id)
