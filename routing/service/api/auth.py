"""API keys and scopes. A request names its key as ``Authorization: Bearer <key>``; the key's
SHA-256 is looked up (keys are never stored). Each operation needs one scope:
``escalations:write`` (the AI platform creates escalations), ``agents:write`` (agents' desktops:
agent profiles and status, offers, completion), ``webhooks:write`` (webhook subscriptions and their
delivery logs, reads included: URLs may be sensitive) or ``read``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from routing.service.api.problems import Forbidden, Unauthenticated
from routing.service.core import RoutingService
from routing.service.storage import repository as repo

_bearer = HTTPBearer(auto_error=False, description="API key of the tenant")
_CACHE_S = 60.0


class KeyCache:
    """Key hash -> (tenant, scopes), remembered for a minute to spare a query per request."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, str, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def lookup(self, service: RoutingService, api_key: str) -> tuple[str, frozenset[str]] | None:
        key_hash = repo.hash_key(api_key)
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key_hash)
        if hit is not None and now - hit[0] < _CACHE_S:
            return hit[1], hit[2]
        with service.db.read() as session:
            found = repo.find_key(session, api_key)
        if found is not None:
            with self._lock:
                self._entries[key_hash] = (now, *found)
        return found


def require(scope: str) -> Callable[..., Awaitable[str]]:
    """A dependency returning the caller's tenant id; 401 without a valid key, 403 without ``scope``."""

    async def tenant(  # async: no thread-pool hop per request (a key is looked up once a minute)
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> str:
        if credentials is None or not credentials.credentials:
            raise Unauthenticated("send the API key as 'Authorization: Bearer <key>'")
        service: RoutingService = request.app.state.service
        keys: KeyCache = request.app.state.keys
        found = keys.lookup(service, credentials.credentials)
        if found is None:
            raise Unauthenticated("unknown API key")
        tenant_id, scopes = found
        if scope not in scopes:
            raise Forbidden(scope)
        return tenant_id

    return tenant


WriteEscalations = Annotated[str, Depends(require("escalations:write"))]
WriteAgents = Annotated[str, Depends(require("agents:write"))]
WriteWebhooks = Annotated[str, Depends(require("webhooks:write"))]
Read = Annotated[str, Depends(require("read"))]
