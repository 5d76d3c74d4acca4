"""Webhook subscriptions of a tenant: create, list, read, delete, the delivery log, redelivery.

:class:`Subscriptions` is what the ``/v1/webhooks`` router calls. It raises
:class:`~routing.service.errors.UnknownTenant`, :class:`~routing.service.errors.UnknownSubscription`,
:class:`~routing.service.errors.UnknownDelivery`, :class:`~routing.service.errors.SubscriptionDisabled`
and :class:`~routing.errors.InvalidInput` (a private address where the settings forbid them).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from routing.errors import FieldProblem, InvalidInput
from routing.service.clock import Clock
from routing.service.errors import SubscriptionDisabled, UnknownDelivery, UnknownSubscription, UnknownTenant
from routing.service.schemas import at
from routing.service.settings import WebhookSettings
from routing.service.storage import outbox as store
from routing.service.storage.database import Database, TenantNotFound
from routing.service.storage.models import WebhookSubscription
from routing.service.webhooks.schemas import (
    DeliveryPage,
    DeliveryView,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionView,
)
from routing.service.webhooks.signing import new_secret

__all__ = ["Subscriptions", "is_private_host"]


def is_private_host(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a literal loopback, private, link-local or reserved IP.

    Names are not resolved: a name that resolves to a private address is not caught here.
    """
    if host.lower().rstrip(".") == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified


def _view(row: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "event_types": list(row.event_types),
        "description": row.description,
        "enabled": row.enabled,
        "consecutive_failures": row.consecutive_failures,
        "created_at": at(row.created_s),
        "disabled_at": at(row.disabled_s),
        "disabled_reason": row.disabled_reason,
    }


def _delivery(row: Any) -> DeliveryView:
    pending = row.status == store.PENDING
    return DeliveryView(
        event_id=row.event_id,
        event_type=row.type,
        status=row.status,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        last_attempt_at=at(row.last_attempt_s),
        next_attempt_at=at(row.next_attempt_s) if pending else None,
        delivered_at=at(row.delivered_s),
        created_at=at(row.created_s),
    )


class Subscriptions:
    """The tenant's webhook subscriptions. ``on_due`` is called after a redelivery is stored
    (it wakes the delivery worker). Thread-safe."""

    def __init__(
        self, db: Database, settings: WebhookSettings, clock: Clock, on_due: Callable[[], None] | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.on_due = on_due

    def create(self, tenant_id: str, body: SubscriptionIn) -> SubscriptionCreated:
        """Store a new subscription; it receives the events committed from now on.

        Runs under the tenant's lock, so no event transaction is half way between reading the
        subscriptions and committing while it is created. Raise :class:`InvalidInput` for a
        private address when ``allow_private_urls`` is off.
        """
        host = urlsplit(body.url).hostname or ""
        if not self.settings.allow_private_urls and is_private_host(host):
            problem = "must not name localhost or a private address (HANDOFF_WEBHOOKS__ALLOW_PRIVATE_URLS)"
            raise InvalidInput([FieldProblem("body.url", problem)])
        now_s = self.clock.now_s()
        secret = body.secret or new_secret()
        values = {
            "id": "wh_" + uuid.uuid4().hex,
            "tenant_id": tenant_id,
            "url": body.url,
            "event_types": list(body.event_types),
            "description": body.description,
            "secret": secret,
            "enabled": True,
            "consecutive_failures": 0,
            "failing_since_s": None,
            "created_s": now_s,
            "disabled_s": None,
            "disabled_reason": None,
        }
        try:
            with self.db.tenant_transaction(tenant_id) as (session, _):
                store.add_subscription(session, values)
        except TenantNotFound:
            raise UnknownTenant(tenant_id) from None
        view = {**values, "created_at": at(now_s), "disabled_at": None}
        return SubscriptionCreated.model_validate({k: view[k] for k in SubscriptionCreated.model_fields})

    def list(self, tenant_id: str) -> list[SubscriptionView]:
        """Every subscription of the tenant, oldest first (secrets are never shown again)."""
        with self.db.read() as s:
            return [SubscriptionView.model_validate(_view(r)) for r in store.subscriptions(s, tenant_id)]

    def get(self, tenant_id: str, subscription_id: str) -> SubscriptionView:
        """One subscription. Raise :class:`UnknownSubscription` if the tenant has none with this id."""
        with self.db.read() as s:
            row = store.subscription(s, tenant_id, subscription_id)
            if row is None:
                raise UnknownSubscription(subscription_id)
            return SubscriptionView.model_validate(_view(row))

    def delete(self, tenant_id: str, subscription_id: str) -> None:
        """Delete a subscription and its delivery log (an attempt in flight may still arrive).
        Raise :class:`UnknownSubscription` if the tenant has none with this id."""
        with self.db.write() as s:
            if not store.delete_subscription(s, tenant_id, subscription_id):
                raise UnknownSubscription(subscription_id)

    def deliveries(self, tenant_id: str, subscription_id: str, after: int, limit: int) -> DeliveryPage:
        """A page of the subscription's delivery log, oldest event first. Raise
        :class:`UnknownSubscription` if the tenant has none with this id."""
        with self.db.read() as s:
            if store.subscription(s, tenant_id, subscription_id) is None:
                raise UnknownSubscription(subscription_id)
            rows = store.deliveries(s, tenant_id, subscription_id, after, limit)
        return DeliveryPage(
            deliveries=[_delivery(r) for r in rows], next_after=rows[-1].id if len(rows) == limit else None
        )

    def redeliver(self, tenant_id: str, subscription_id: str, event_id: str) -> DeliveryView:
        """Send the event again, due now, with a fresh round of attempts (later events of its
        escalation wait for it, as ever). Raise :class:`UnknownSubscription`,
        :class:`UnknownDelivery` if the subscription never had this event, and
        :class:`SubscriptionDisabled` if the subscription is disabled."""
        now_s = self.clock.now_s()
        with self.db.write() as s:
            sub = store.subscription(s, tenant_id, subscription_id)
            if sub is None:
                raise UnknownSubscription(subscription_id)
            if not sub.enabled:
                raise SubscriptionDisabled(f"webhook subscription {subscription_id!r} is disabled")
            row = store.delivery(s, tenant_id, subscription_id, event_id)
            if row is None:
                raise UnknownDelivery(event_id)
            store.reschedule(s, row.id, now_s)
            row = store.delivery(s, tenant_id, subscription_id, event_id)
        if self.on_due is not None:
            self.on_due()
        return _delivery(row)
