"""Errors the service core raises, beside the routing core's own (:mod:`routing.errors`)::

    RoutingError
    ├── InvalidInput
    │   └── IdempotencyKeyMissing     POST /v1/escalations without an Idempotency-Key
    ├── IdempotencyKeyReused          same key, different request body
    ├── UnknownEntity
    │   ├── UnknownTenant
    │   ├── UnknownApiKey             no such key id (of this tenant, when one is named)
    │   ├── UnknownSubscription       no such webhook subscription for this tenant
    │   └── UnknownDelivery           the subscription never had this event to deliver
    └── Conflict
        ├── DuplicateAgent            creating an agent id that exists
        ├── DuplicateTenant           creating a tenant id that exists
        ├── AgentDeactivated          a presence change of a deactivated agent
        ├── RequestInFlight           the same Idempotency-Key is being processed right now
        └── SubscriptionDisabled      redelivering to a disabled subscription

Only :mod:`routing.service.api.problems` turns them into HTTP responses.
"""

from __future__ import annotations

from routing.errors import Conflict, FieldProblem, InvalidInput, RoutingError, UnknownEntity


class IdempotencyKeyMissing(InvalidInput):
    def __init__(self) -> None:
        super().__init__([FieldProblem("header.Idempotency-Key", "required on this request")])


class IdempotencyKeyReused(RoutingError):
    """The key was used before with a different request body."""


class UnknownTenant(UnknownEntity):
    kind = "tenant"


class UnknownApiKey(UnknownEntity):
    kind = "API key"


class DuplicateAgent(Conflict):
    pass


class DuplicateTenant(Conflict):
    pass


class AgentDeactivated(Conflict):
    """The agent was deactivated; adding it again (POST or PUT ``/v1/agents``) reactivates it."""


class RequestInFlight(Conflict):
    """A request with the same Idempotency-Key has not finished yet; retry later."""


class UnknownSubscription(UnknownEntity):
    kind = "webhook subscription"


class UnknownDelivery(UnknownEntity):
    kind = "delivery of event"


class SubscriptionDisabled(Conflict):
    """The subscription was disabled after repeated failures; create a new one."""
