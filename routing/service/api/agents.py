"""``/v1/agents``: the roster (profiles), presence (status) and deactivation.

Optimistic concurrency on profiles: every answer with one agent carries its profile's ``ETag``
(:func:`profile_etag`); ``PUT /v1/agents/{id}`` with ``If-Match`` replaces the profile only if it
is still that version (``*``: any version, the agent must exist), else 412 and nothing changes.
The check runs under the tenant's lock, so of two clients updating from the same version one
wins and the other gets 412 (never a silent lost update). Without ``If-Match`` the PUT replaces
unconditionally, unless ``HANDOFF_AGENTS__REQUIRE_IF_MATCH`` is set: then it is 428 for an
existing agent.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from routing.errors import FieldProblem, InvalidInput
from routing.service.api.auth import ActsForAgent, AgentsWriter, Read, ReadsForAgent, WriteAgents
from routing.service.api.deps import PathId, Service
from routing.service.api.problems import PreconditionFailed, PreconditionRequired, responses
from routing.service.schemas import AgentUpsert, AgentView, PendingOffer, StatusIn
from routing.service.settings import AgentProfileSettings
from routing.service.storage.models import AgentRow

__all__ = ["profile_etag", "router"]

router = APIRouter(prefix="/v1/agents", tags=["agents"])

_ETAG = {"ETag": {"description": "The profile's version, for If-Match.", "schema": {"type": "string"}}}
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=2000,
        description="Replace only if the profile is still this version (an ETag from a read or "
        "write of the agent; several comma-separated; * for any): 412 otherwise.",
    ),
]


def profile_etag(profile: dict[str, Any]) -> str:
    """The strong ETag of a stored profile: a hash of its canonical JSON (same profile, same tag)."""
    canonical = json.dumps(profile, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def _with_etag(view: AgentView, response: Response) -> AgentView:
    response.headers["ETag"] = profile_etag(view.profile)
    return view


def _if_match(if_match: str | None, require: bool) -> Any:
    """The precondition of a PUT (see the module docstring), for :meth:`RoutingService.upsert_agent`."""
    tags = None if if_match is None else {t.strip().removeprefix("W/") for t in if_match.split(",")}

    def check(row: AgentRow | None) -> None:
        if tags is None:
            if require and row is not None:
                raise PreconditionRequired(
                    "send If-Match with the agent's ETag (from GET /v1/agents/{agent_id}) to replace "
                    "its profile (HANDOFF_AGENTS__REQUIRE_IF_MATCH)"
                )
            return
        if row is None:
            raise PreconditionFailed("If-Match was sent, and the agent does not exist")
        if "*" not in tags and profile_etag(row.profile) not in tags:
            raise PreconditionFailed(
                "the profile changed since the version If-Match names: read it again, then retry"
            )

    return check


@router.post(
    "",
    status_code=201,
    response_model=AgentView,
    responses={201: {"description": "Created", "headers": _ETAG}, **responses(400, 401, 403, 409, 422, 503)},
)
def create_agent(body: AgentUpsert, tenant: WriteAgents, service: Service, response: Response) -> AgentView:
    """Add an agent (409 if the id exists and is active; a deactivated one is reactivated, 201).
    ``status`` is the agent's initial presence."""
    view, _ = service.upsert_agent(tenant, body, create_only=True)
    return _with_etag(view, response)


@router.put(
    "/{agent_id}",
    response_model=AgentView,
    responses={
        200: {"description": "Replaced", "headers": _ETAG},
        201: {"model": AgentView, "description": "Created", "headers": _ETAG},
        **responses(400, 401, 403, 412, 422, 428, 503),
    },
)
def put_agent(
    agent_id: PathId,
    body: AgentUpsert,
    tenant: WriteAgents,
    service: Service,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> AgentView:
    """Create or replace an agent's profile (status and current work stay as they are). A
    deactivated agent is reactivated (201), with ``status`` as its presence. With ``If-Match``,
    only if the profile is still that version (412 otherwise: read it again and retry)."""
    if body.id != agent_id:
        raise InvalidInput([FieldProblem("body.id", "must equal the agent id in the path")])
    settings: AgentProfileSettings = request.app.state.settings.agents
    precondition = _if_match(if_match, settings.require_if_match)
    view, created = service.upsert_agent(tenant, body, create_only=False, precondition=precondition)
    response.status_code = 201 if created else 200
    return _with_etag(view, response)


@router.get("", response_model=list[AgentView], responses=responses(401, 403, 422, 503))
def list_agents(
    tenant: Read,
    service: Service,
    include_inactive: Annotated[bool, Query(description="List deactivated agents too.")] = False,
) -> list[AgentView]:
    """The active agents in the order they were added (with ``include_inactive``, every agent)."""
    return service.agents(tenant, include_inactive=include_inactive)


@router.get(
    "/{agent_id}",
    response_model=AgentView,
    responses={200: {"description": "The agent", "headers": _ETAG}, **responses(401, 403, 404, 422, 503)},
)
def get_agent(agent_id: PathId, caller: ReadsForAgent, service: Service, response: Response) -> AgentView:
    """The agent, with its profile's ``ETag``. An agent's key reads only its own agent."""
    caller.act_for(agent_id, "agent")
    return _with_etag(service.agent(caller.tenant_id, agent_id), response)


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
def set_status(agent_id: PathId, body: StatusIn, caller: ActsForAgent, service: Service) -> AgentView:
    """Presence change. Going offline withdraws the agent's pending offers (re-routed elsewhere).
    409 for a deactivated agent; 403 for another agent's key."""
    caller.act_for(agent_id, "agent")
    return service.set_agent_status(caller.tenant_id, agent_id, body)


@router.get(
    "/{agent_id}/offers", response_model=list[PendingOffer], responses=responses(401, 403, 404, 422, 503)
)
def agent_offers(agent_id: PathId, caller: ReadsForAgent, service: Service) -> list[PendingOffer]:
    """The agent's offers awaiting an answer, soonest expiry first, each with what the agent sees
    before accepting (summary, intent, reason; never the transcript). Accept one with
    ``POST /v1/offers/{offer_id}/accept``. An agent's key reads only its own."""
    caller.act_for(agent_id, "agent")
    return service.agent_offers(caller.tenant_id, agent_id)
