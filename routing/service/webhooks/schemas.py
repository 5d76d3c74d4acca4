"""Request and response bodies of ``/v1/webhooks`` (Pydantic v2).

A subscription names an ``http(s)`` URL without embedded credentials (at most 2,048 characters),
the event types it wants (``["*"]`` for all), and optionally its own secret (``whsec_`` + base64
of 24-64 bytes); without one the service generates it. The secret is shown once, in the answer
to the create request. Instants are ``*_at``, ISO 8601 UTC with ``Z`` (:mod:`routing.timestamps`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from routing.schemas import Instant
from routing.service.events import EventType
from routing.service.schemas import _NoNul
from routing.service.webhooks.signing import secret_problem

__all__ = [
    "DeliveryPage",
    "DeliveryView",
    "SubscriptionCreated",
    "SubscriptionIn",
    "SubscriptionView",
    "url_problem",
]

MAX_URL = 2048
SUBSCRIPTION_ID_PATTERN = r"^wh_[0-9a-f]{32}$"
EVENT_ID_PATTERN = r"^evt_[0-9a-f]{32}$"
_OUT = ConfigDict(extra="forbid")


#: what a webhook URL looks like (the OpenAPI schema says the same): a host name, or an IPv6 literal
#: in brackets, an optional port and a path of printable ASCII
URL_PATTERN = re.compile(r"^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[1-9][0-9]{0,4})?(/[!-~]*)?$")


def url_problem(url: str) -> str | None:
    """What is wrong with a webhook URL, or None when it is fine."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when out of range
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if not parts.hostname:
        return "must name a host"
    if parts.username is not None or parts.password is not None:
        return "must not embed credentials (user:password@); the signature authenticates deliveries"
    if port == 0:
        return "port must be 1-65535"
    if any(c.isspace() for c in url):
        return "must not contain white space"
    if not URL_PATTERN.match(url):
        return "must be http(s)://host[:port][/path]: a host of letters, digits, dots and hyphens"
    return None


_TYPES = frozenset(t.value for t in EventType)


def _known_type(name: str) -> str:
    if name != "*" and name not in _TYPES:
        raise ValueError(f"unknown event type; one of *, {', '.join(sorted(_TYPES))}")
    return name


class SubscriptionIn(_NoNul):
    """A new webhook subscription."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        max_length=MAX_URL,
        description="Where events are POSTed: http or https.",
        json_schema_extra={
            "format": "uri",
            "pattern": URL_PATTERN.pattern,
        },
    )
    event_types: list[
        Annotated[str, AfterValidator(_known_type), Field(json_schema_extra={"enum": ["*", *sorted(_TYPES)]})]
    ] = Field(min_length=1, max_length=len(EventType) + 1, description='Types wanted, or ["*"] for all.')
    description: Annotated[str, Field(max_length=200)] = ""
    secret: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="whsec_ + base64 of 24-64 bytes; generated when absent."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, url: str) -> str:
        problem = url_problem(url)
        if problem:
            raise ValueError(problem)
        return url

    @field_validator("event_types")
    @classmethod
    def _types(cls, types: list[str]) -> list[str]:
        if len(set(types)) != len(types):
            raise ValueError("lists a type twice")
        if "*" in types and len(types) > 1:
            raise ValueError('"*" already means every type; list it alone')
        return types

    @field_validator("secret")
    @classmethod
    def _secret(cls, secret: str | None) -> str | None:
        problem = None if secret is None else secret_problem(secret)
        if problem:
            raise ValueError(problem)
        return secret


class SubscriptionView(BaseModel):
    """A webhook subscription as stored (never its secret)."""

    model_config = _OUT
    id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    consecutive_failures: int
    created_at: Instant
    disabled_at: Instant | None
    disabled_reason: str | None


class SubscriptionCreated(SubscriptionView):
    """The new subscription with its secret: shown this once, never again."""

    secret: str


class DeliveryView(BaseModel):
    """How the delivery of one event to the subscription goes."""

    model_config = _OUT
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"] = Field(
        description="pending: will be (re)tried; failed: every attempt failed."
    )
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: Instant | None
    next_attempt_at: Instant | None = Field(description="While pending.")
    delivered_at: Instant | None
    created_at: Instant


class DeliveryPage(BaseModel):
    """A page of a subscription's delivery log."""

    model_config = _OUT
    deliveries: list[DeliveryView]
    next_after: int | None = Field(description="Pass as after for the next page; null at the end.")
