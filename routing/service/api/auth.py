"""API keys and scopes. A request names its key as ``Authorization: Bearer <key>``; the key's
SHA-256 is looked up (keys are never stored). Each operation needs one scope:
``escalations:write`` (the AI platform creates escalations), ``agents:write`` (agents' desktops:
agent profiles and status, offers, completion), ``webhooks:write`` (webhook subscriptions and their
delivery logs, reads included: URLs may be sensitive), ``read``, or ``admin`` (``/v1/admin``:
tenants and the keys of every tenant). Admin is global, an operator's: the key belongs to a tenant
like any other, but ``admin`` reaches every tenant's keys -- and no tenant's routing data, which
the other scopes open for the key's own tenant only.

The key is looked up on every request, never cached: a revoked or expired key is refused at once,
by every instance (one primary-key read, in the thread pool so a busy database never stalls the
event loop).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from routing.service.api.problems import Forbidden, Unauthenticated
from routing.service.core import RoutingService
from routing.service.settings import ADMIN_SCOPE
from routing.service.storage import repository as repo

_bearer = HTTPBearer(auto_error=False, description="API key of the tenant")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent the request: the key's id and tenant, and what the key may do."""

    key_id: str
    tenant_id: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        """How the audit trail names the caller (the key's public id, never the key)."""
        return f"key:{self.key_id}"


def authenticate(scope: str) -> Callable[..., Caller]:
    """A dependency returning the :class:`Caller`; 401 without a valid key (unknown, revoked or
    expired), 403 without ``scope``."""

    def caller(  # sync: FastAPI runs it in the thread pool
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        if credentials is None or not credentials.credentials:
            raise Unauthenticated("send the API key as 'Authorization: Bearer <key>'")
        service: RoutingService = request.app.state.service
        with service.db.read() as session:
            grant = repo.find_key(session, credentials.credentials, service.clock.now_s())
        if grant is None:
            raise Unauthenticated("unknown, revoked or expired API key")
        if scope not in grant.scopes:
            raise Forbidden(scope)
        return Caller(grant.key_id, grant.tenant_id, grant.scopes)

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
Admin = Annotated[Caller, Depends(authenticate(ADMIN_SCOPE))]
