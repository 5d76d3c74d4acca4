"""Tenant administration: create a tenant and issue API keys (only their hashes are stored)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from routing.service.settings import ALL_SCOPES
from routing.service.storage import repository as repo
from routing.service.storage.database import Database
from routing.service.storage.models import Tenant


def provision(
    db: Database,
    tenant_id: str,
    *,
    scopes: Iterable[str] = ALL_SCOPES,
    api_key: str | None = None,
    now_s: float,
) -> str:
    """Create ``tenant_id`` if missing and register ``api_key`` (a new random one if None) with
    ``scopes``. Returns the key: the only time it exists in clear outside the caller."""
    key = api_key or repo.new_api_key()
    with db.write() as session:
        repo.ensure_tenant(session, tenant_id, tenant_id, now_s)
        repo.add_api_key(session, tenant_id, key, scopes, now_s)
    return key


def any_tenant(db: Database) -> bool:
    with db.read() as session:
        return session.execute(select(Tenant.id).limit(1)).first() is not None
