"""Tenant administration: create tenants, issue API keys (only their hashes are stored), list and
revoke them.

:class:`Administration` is what the admin API (``/v1/admin``, scope ``admin``) and the
``handoff tenants`` / ``handoff keys`` commands call; :func:`provision` is the start-up bootstrap.

Keys are checked on every request (:mod:`routing.service.api.auth`), never cached, so a revoked or
expired key is refused at once by every instance. Rotating a key without downtime: create the new
one, move the clients to it, revoke the old one; both authenticate in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from routing import timestamps
from routing.errors import FieldProblem, InvalidInput
from routing.service.admin_schemas import KeyCreated, KeyIn, KeyStatus, KeyView, TenantIn, TenantView
from routing.service.clock import Clock
from routing.service.errors import DuplicateTenant, UnknownApiKey, UnknownTenant
from routing.service.schemas import at
from routing.service.settings import TENANT_SCOPES
from routing.service.storage import admin as store
from routing.service.storage import repository as repo
from routing.service.storage.database import Database
from routing.service.storage.models import ApiKey, Tenant

__all__ = ["Administration", "any_tenant", "provision"]


def provision(
    db: Database,
    tenant_id: str,
    *,
    scopes: Iterable[str] = TENANT_SCOPES,
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
    """Whether any tenant exists (none: a first start)."""
    with db.read() as session:
        return session.execute(select(Tenant.id).limit(1)).first() is not None


def key_status(row: ApiKey, now_s: float) -> KeyStatus:
    """Whether the key authenticates at ``now_s`` (``active``), or why not."""
    if row.revoked_s is not None:
        return "revoked"
    if row.expires_s is not None and row.expires_s <= now_s:
        return "expired"
    return "active"


def _key_fields(row: ApiKey, now_s: float) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenant_id": row.tenant_id,
        "name": row.name,
        "scopes": row.scopes.split(),
        "status": key_status(row, now_s),
        "created_at": at(row.created_s),
        "expires_at": at(row.expires_s),
        "revoked_at": at(row.revoked_s),
        "agent_id": row.agent_id,
    }


class Administration:
    """Tenants and API keys of every tenant. ``by`` names who acts (``key:<key id>`` for a
    request, ``cli:<user>`` for a command): it goes to the tenant's audit trail with each change.
    Thread-safe."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ============================================================================ tenants
    def create_tenant(self, body: TenantIn, *, by: str) -> TenantView:
        """Store a new tenant (no keys yet). Raise :class:`DuplicateTenant` if the id exists."""
        now_s = self.clock.now_s()
        name = body.name or body.id
        try:
            with self.db.write() as session:
                if store.tenant(session, body.id) is not None:
                    raise DuplicateTenant(f"tenant {body.id!r} already exists")
                repo.ensure_tenant(session, body.id, name, now_s)
                repo.audit(session, body.id, now_s, "tenant_created", {"name": name, "by": by})
        except IntegrityError:  # created by another instance in the meantime
            raise DuplicateTenant(f"tenant {body.id!r} already exists") from None
        return TenantView(id=body.id, name=name, created_at=timestamps.utc(now_s), active_keys=0)

    def tenants(self) -> list[TenantView]:
        """Every tenant, oldest first, with how many keys authenticate now."""
        now_s = self.clock.now_s()
        with self.db.read() as session:
            counts = store.active_key_counts(session, now_s)
            return [self._tenant_view(t, counts.get(t.id, 0)) for t in store.tenants(session)]

    def tenant(self, tenant_id: str) -> TenantView:
        """One tenant. Raise :class:`UnknownTenant` if there is none with this id."""
        now_s = self.clock.now_s()
        with self.db.read() as session:
            row = store.tenant(session, tenant_id)
            if row is None:
                raise UnknownTenant(tenant_id)
            return self._tenant_view(
                row, store.active_key_counts(session, now_s, tenant_id).get(tenant_id, 0)
            )

    @staticmethod
    def _tenant_view(row: Tenant, active_keys: int) -> TenantView:
        return TenantView(
            id=row.id, name=row.name, created_at=timestamps.utc(row.created_s), active_keys=active_keys
        )

    # ============================================================================ keys
    def create_key(self, tenant_id: str, body: KeyIn, *, by: str) -> KeyCreated:
        """Issue a fresh random key of the tenant; the answer holds the secret, which is never
        shown again. Raise :class:`UnknownTenant`, and :class:`InvalidInput` naming
        ``body.expires_at`` if it is not in the future, ``body.agent_id`` if the tenant has no
        such agent."""
        now_s = self.clock.now_s()
        expires_s = body.expires_at.timestamp() if body.expires_at is not None else None
        if expires_s is not None and expires_s <= now_s:
            raise InvalidInput([FieldProblem("body.expires_at", "must be in the future")])
        secret = repo.new_api_key()
        with self.db.write() as session:
            if store.tenant(session, tenant_id) is None:
                raise UnknownTenant(tenant_id)
            if body.agent_id is not None and repo.agent(session, tenant_id, body.agent_id) is None:
                raise InvalidInput([FieldProblem("body.agent_id", "the tenant has no such agent")])
            key_id = repo.add_api_key(
                session,
                tenant_id,
                secret,
                body.scopes,
                now_s,
                name=body.name,
                expires_s=expires_s,
                agent_id=body.agent_id,
            )
            row = store.key(session, key_id)
            assert row is not None, "just added"
            detail = {"key_id": key_id, "name": body.name, "scopes": list(body.scopes), "by": by}
            if body.agent_id is not None:
                detail["agent_id"] = body.agent_id
            detail |= timestamps.with_iso({"expires_at_s": expires_s})
            repo.audit(session, tenant_id, now_s, "api_key_created", detail)
            view = _key_fields(row, now_s)
        return KeyCreated(**view, api_key=secret)

    def keys(self, tenant_id: str | None = None) -> list[KeyView]:
        """The keys of the tenant (every tenant's if None), revoked and expired ones included,
        oldest first. Raise :class:`UnknownTenant` for a tenant that does not exist."""
        now_s = self.clock.now_s()
        with self.db.read() as session:
            if tenant_id is not None and store.tenant(session, tenant_id) is None:
                raise UnknownTenant(tenant_id)
            return [KeyView(**_key_fields(row, now_s)) for row in store.keys(session, tenant_id)]

    def revoke_key(self, key_id: str, *, by: str, tenant_id: str | None = None) -> KeyView:
        """Revoke a key: from now on it is refused (401) by every instance. Revoking a revoked
        key changes nothing. Raise :class:`UnknownApiKey` if there is no key with this id (of
        ``tenant_id``, when given)."""
        now_s = self.clock.now_s()
        with self.db.write() as session:
            row = store.key(session, key_id, tenant_id)
            if row is None:
                raise UnknownApiKey(key_id)
            if row.revoked_s is None:
                row.revoked_s = now_s
                session.flush()
                repo.audit(session, row.tenant_id, now_s, "api_key_revoked", {"key_id": key_id, "by": by})
            return KeyView(**_key_fields(row, now_s))
