"""``/v1/webhooks``: subscriptions to the tenant's events, their delivery logs, redelivery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from routing.service.api.auth import WriteWebhooks
from routing.service.api.deps import Webhooks
from routing.service.api.problems import responses
from routing.service.webhooks.schemas import (
    EVENT_ID_PATTERN,
    SUBSCRIPTION_ID_PATTERN,
    DeliveryPage,
    DeliveryView,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionView,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

SubscriptionId = Annotated[str, Path(pattern=SUBSCRIPTION_ID_PATTERN, max_length=40)]
EventId = Annotated[str, Path(pattern=EVENT_ID_PATTERN, max_length=40)]


@router.post(
    "", status_code=201, response_model=SubscriptionCreated, responses=responses(400, 401, 403, 422, 503)
)
def create_subscription(
    body: SubscriptionIn, tenant: WriteWebhooks, webhooks: Webhooks
) -> SubscriptionCreated:
    """Subscribe a URL to event types (``["*"]``: all). The answer shows the signing secret,
    this once; events committed from now on are delivered, signed the Standard Webhooks way."""
    return webhooks.create(tenant, body)


@router.get("", response_model=list[SubscriptionView], responses=responses(401, 403, 503))
def list_subscriptions(tenant: WriteWebhooks, webhooks: Webhooks) -> list[SubscriptionView]:
    return webhooks.list(tenant)


@router.get(
    "/{subscription_id}", response_model=SubscriptionView, responses=responses(401, 403, 404, 422, 503)
)
def get_subscription(
    subscription_id: SubscriptionId, tenant: WriteWebhooks, webhooks: Webhooks
) -> SubscriptionView:
    return webhooks.get(tenant, subscription_id)


@router.delete("/{subscription_id}", status_code=204, responses=responses(401, 403, 404, 422, 503))
def delete_subscription(
    subscription_id: SubscriptionId, tenant: WriteWebhooks, webhooks: Webhooks
) -> Response:
    """Stop delivering to the subscription and drop its delivery log."""
    webhooks.delete(tenant, subscription_id)
    return Response(status_code=204)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    responses=responses(401, 403, 404, 422, 503),
)
def list_deliveries(
    subscription_id: SubscriptionId,
    tenant: WriteWebhooks,
    webhooks: Webhooks,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryPage:
    """The delivery log, oldest event first: attempts, last status code or error, next attempt."""
    return webhooks.deliveries(tenant, subscription_id, after, limit)


@router.post(
    "/{subscription_id}/deliveries/{event_id}/redeliver",
    status_code=202,
    response_model=DeliveryView,
    responses=responses(401, 403, 404, 409, 422, 503),
)
def redeliver(
    subscription_id: SubscriptionId, event_id: EventId, tenant: WriteWebhooks, webhooks: Webhooks
) -> DeliveryView:
    """Send the event again now, with a fresh round of attempts (409 if the subscription is disabled)."""
    return webhooks.redeliver(tenant, subscription_id, event_id)
