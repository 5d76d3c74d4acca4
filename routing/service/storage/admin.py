"""Queries of the administration: tenants and their API keys. Unlike :mod:`.repository`, these
span tenants; only :class:`routing.service.tenants.Administration` (the admin API and the
``handoff tenants`` / ``handoff keys`` commands) calls them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from routing.service.storage.models import ApiKey, Tenant

__all__ = ["active_key_counts", "key", "keys", "tenant", "tenants"]


def tenants(session: Session) -> Sequence[Tenant]:
    """Every tenant, oldest first."""
    return session.scalars(select(Tenant).order_by(Tenant.created_s, Tenant.id)).all()


def tenant(session: Session, tenant_id: str) -> Tenant | None:
    """The tenant with this id, or None."""
    return session.get(Tenant, tenant_id)


def active_key_counts(session: Session, now_s: float, tenant_id: str | None = None) -> dict[str, int]:
    """Keys that authenticate at ``now_s`` per tenant (of one tenant, or of all); tenants
    without any are left out."""
    k = ApiKey
    query = (
        select(k.tenant_id, func.count())
        .where(k.revoked_s.is_(None), or_(k.expires_s.is_(None), k.expires_s > now_s))
        .group_by(k.tenant_id)
    )
    if tenant_id is not None:
        query = query.where(k.tenant_id == tenant_id)
    return {tenant: int(n) for tenant, n in session.execute(query)}


def keys(session: Session, tenant_id: str | None) -> Sequence[ApiKey]:
    """The keys of a tenant (or of every tenant), revoked ones included, oldest first."""
    query = select(ApiKey).order_by(ApiKey.tenant_id, ApiKey.created_s, ApiKey.id)
    if tenant_id is not None:
        query = query.where(ApiKey.tenant_id == tenant_id)
    return session.scalars(query).all()


def key(session: Session, key_id: str, tenant_id: str | None = None) -> ApiKey | None:
    """The key with this public id (of ``tenant_id`` when given), or None."""
    conditions = [ApiKey.id == key_id]
    if tenant_id is not None:
        conditions.append(ApiKey.tenant_id == tenant_id)
    return session.scalars(select(ApiKey).where(and_(*conditions))).first()
