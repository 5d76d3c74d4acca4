"""``/v1/admin``: tenants and their API keys, for operators (scope ``admin``, global: see
:mod:`routing.service.api.auth`). Rotate a key without downtime: create a new one, move the
clients, revoke the old one -- both authenticate in between."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from routing.service.admin_schemas import (
    KEY_ID_PATTERN,
    TENANT_ID_PATTERN,
    KeyCreated,
    KeyIn,
    KeyView,
    TenantIn,
    TenantView,
)
from routing.service.api.auth import Admin
from routing.service.api.deps import Admins
from routing.service.api.problems import responses

router = APIRouter(prefix="/v1/admin", tags=["admin"])

TenantId = Annotated[str, Path(pattern=TENANT_ID_PATTERN, max_length=64)]
KeyId = Annotated[str, Path(pattern=KEY_ID_PATTERN, max_length=20)]


@router.post(
    "/tenants", status_code=201, response_model=TenantView, responses=responses(400, 401, 403, 409, 422, 503)
)
def create_tenant(body: TenantIn, caller: Admin, admin: Admins) -> TenantView:
    """Add a tenant (409 if the id exists). It has no keys yet: issue some with
    ``POST /v1/admin/tenants/{tenant_id}/keys``."""
    return admin.create_tenant(body, by=caller.actor)


@router.get("/tenants", response_model=list[TenantView], responses=responses(401, 403, 503))
def list_tenants(caller: Admin, admin: Admins) -> list[TenantView]:
    return admin.tenants()


@router.get("/tenants/{tenant_id}", response_model=TenantView, responses=responses(401, 403, 404, 422, 503))
def get_tenant(tenant_id: TenantId, caller: Admin, admin: Admins) -> TenantView:
    return admin.tenant(tenant_id)


@router.post(
    "/tenants/{tenant_id}/keys",
    status_code=201,
    response_model=KeyCreated,
    responses=responses(400, 401, 403, 404, 422, 503),
)
def create_key(tenant_id: TenantId, body: KeyIn, caller: Admin, admin: Admins) -> KeyCreated:
    """Issue an API key of the tenant with ``scopes`` (every tenant scope by default; ``admin``
    only when named) and an optional ``expires_at``. The secret is in this answer, and never
    again: only its SHA-256 is stored."""
    return admin.create_key(tenant_id, body, by=caller.actor)


@router.get(
    "/tenants/{tenant_id}/keys", response_model=list[KeyView], responses=responses(401, 403, 404, 422, 503)
)
def list_keys(tenant_id: TenantId, caller: Admin, admin: Admins) -> list[KeyView]:
    """The tenant's keys, revoked and expired ones included (``status``), oldest first."""
    return admin.keys(tenant_id)


@router.delete(
    "/tenants/{tenant_id}/keys/{key_id}",
    response_model=KeyView,
    responses=responses(401, 403, 404, 422, 503),
)
def revoke_key(tenant_id: TenantId, key_id: KeyId, caller: Admin, admin: Admins) -> KeyView:
    """Revoke the key: every instance refuses it (401) from the next request on. Revoking it
    again changes nothing (200, the same ``revoked_at``)."""
    return admin.revoke_key(key_id, tenant_id=tenant_id, by=caller.actor)
