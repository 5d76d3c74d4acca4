"""API keys and scopes. A request names its key as ``Authorization: Bearer <key>``; the key's
SHA-256 is looked up (keys are never stored). Each operation needs one scope:
``escalations:write`` (the AI platform creates escalations), ``agents:write`` (an integration:
agent profiles and status, offers and completion for any agent of the tenant), ``agent`` (an
agent's desktop: the key is bound to one agent and acts for it alone -- see below),
``webhooks:write`` (webhook subscriptions and their delivery logs, reads included: URLs may be
sensitive), ``read``, ``metrics`` (``GET /metrics``) or ``admin`` (``/v1/admin``: tenants and the
keys of every tenant). Admin is global, an operator's: the key belongs to a tenant like any other,
but ``admin`` reaches every tenant's keys -- and no tenant's routing data, which the other scopes
open for the key's own tenant only.

Who may act for whom: a key bound to an agent (``agent_id``, scope ``agent``) may accept and
decline only the offers made to that agent, complete, hand back or transfer only the work that
agent holds, set only that agent's status, end only its wrap-up, and read only its own profile
and offers; anything else is a 403 (:class:`NotThisAgent`, or the missing scope). A key with
``agents:write`` acts for every agent of its tenant.

The key is looked up on every request, never cached: a revoked or expired key is refused at once,
by every instance (one primary-key read, in the thread pool so a busy database never stalls the
event loop). Each request then takes a token of the key's bucket for the scope it uses
(:mod:`routing.service.rate_limits`; 429 when empty).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from routing.service.api.problems import Forbidden, NotThisAgent, Unauthenticated
from routing.service.api.threads import in_thread
from routing.service.core import RoutingService
from routing.service.rate_limits import RateLimiter
from routing.service.settings import ADMIN_SCOPE, AGENT_SCOPE, METRICS_SCOPE
from routing.service.storage import repository as repo

bearer = HTTPBearer(auto_error=False, description="API key of the tenant")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent the request: the key's id and tenant, and what the key may do."""

    key_id: str
    tenant_id: str
    scopes: frozenset[str]
    agent_id: str | None = None  # a desktop key: acts for this agent only

    @property
    def actor(self) -> str:
        """How the audit trail names the caller (the key's public id, never the key)."""
        return f"key:{self.key_id}"

    def act_for(self, agent_id: str | None, what: str) -> None:
        """Check that the caller may act for ``agent_id`` (the agent ``what`` belongs to; None:
        no agent's). A key of no agent acts for every agent of its tenant; an agent's key only
        for its own. Raise :class:`NotThisAgent` otherwise."""
        if self.agent_id is not None and agent_id != self.agent_id:
            raise NotThisAgent(what)


def authenticate(scope: str, *also: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency returning the :class:`Caller`; 401 without a valid key (unknown, revoked or
    expired), 403 without ``scope`` (or one of ``also``), 429 once the key's bucket for the scope
    it uses is empty."""
    accepted = (scope, *also)

    def check(request: Request, key: str) -> Caller:
        service: RoutingService = request.app.state.service
        with service.db.lookup() as conn:  # committed rows now: a revocation holds at once
            grant = repo.find_key(conn, key, service.clock.now_s())
        if grant is None:
            raise Unauthenticated("unknown, revoked or expired API key")
        used = next((s for s in accepted if s in grant.scopes), None)
        if used is None or (used == AGENT_SCOPE and grant.agent_id is None):  # an agent key names one
            raise Forbidden(scope)
        limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
        if limiter is not None:
            limiter.take(grant.key_id, used, service.clock.now_s())
        return Caller(grant.key_id, grant.tenant_id, grant.scopes, grant.agent_id)

    async def caller(  # the look-up on a request thread (routing.service.api.threads)
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        if credentials is None or not credentials.credentials:
            raise Unauthenticated("send the API key as 'Authorization: Bearer <key>'")
        return await in_thread(check, request, credentials.credentials)

    return caller


def require(scope: str) -> Callable[..., Awaitable[str]]:
    """A dependency returning the caller's tenant id (see :func:`authenticate`)."""

    authenticated = Depends(authenticate(scope))

    async def tenant(caller: Caller = authenticated) -> str:  # async, no I/O: no thread-pool hop
        return caller.tenant_id

    return tenant


WriteEscalations = Annotated[str, Depends(require("escalations:write"))]
WriteAgents = Annotated[str, Depends(require("agents:write"))]
WriteWebhooks = Annotated[str, Depends(require("webhooks:write"))]
Read = Annotated[str, Depends(require("read"))]
AgentsWriter = Annotated[Caller, Depends(authenticate("agents:write"))]
#: an integration for any agent of the tenant, or an agent's desktop for itself (check with act_for)
ActsForAgent = Annotated[Caller, Depends(authenticate("agents:write", AGENT_SCOPE))]
ReadsForAgent = Annotated[Caller, Depends(authenticate("read", AGENT_SCOPE))]
Admin = Annotated[Caller, Depends(authenticate(ADMIN_SCOPE))]
MetricsReader = Annotated[Caller, Depends(authenticate(METRICS_SCOPE, ADMIN_SCOPE))]
