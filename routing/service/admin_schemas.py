"""Request and response bodies of the administration: tenants and their API keys (``/v1/admin``
and ``handoff tenants`` / ``handoff keys``). Times follow :mod:`routing.timestamps`, as in
:mod:`routing.service.schemas`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from routing.schemas import Instant
from routing.service.schemas import Id, _NoNul
from routing.service.settings import AGENT_SCOPE, SCOPES, TENANT_SCOPES, Scope

__all__ = [
    "KEY_ID_PATTERN",
    "TENANT_ID_PATTERN",
    "KeyCreated",
    "KeyIn",
    "KeyStatus",
    "KeyView",
    "TenantIn",
    "TenantView",
]

TENANT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
KEY_ID_PATTERN = r"^key_[0-9a-f]{16}$"
TenantId = Annotated[str, Field(pattern=TENANT_ID_PATTERN, min_length=1, max_length=64)]
Name = Annotated[str, Field(max_length=200)]
KeyStatus = Literal["active", "expired", "revoked"]

_OUT = ConfigDict(extra="forbid")


class TenantIn(_NoNul):
    """A new tenant: its id (letters, digits, ``._:-``; up to 64) and a display name."""

    model_config = ConfigDict(extra="forbid")
    id: TenantId
    name: Name = Field("", description="Display name; the id when left empty.")


class TenantView(BaseModel):
    """A tenant as listed."""

    model_config = _OUT
    id: str
    name: str
    created_at: Instant
    active_keys: int = Field(description="Keys that authenticate now (not revoked, not expired).")


class KeyIn(_NoNul):
    """A new API key of the tenant. The secret is in the answer to this request, and never again."""

    model_config = ConfigDict(extra="forbid")
    scopes: list[Scope] = Field(
        default_factory=lambda: list(TENANT_SCOPES),
        min_length=1,
        max_length=len(SCOPES),
        description="What the key may do; every tenant scope by default ('agent' with agent_id). "
        "'admin' (tenants and keys of every tenant) and 'metrics' (GET /metrics) only when named.",
    )
    name: Name = Field("", description="What the key is for (e.g. 'ai-platform 2026-01').")
    expires_at: Instant | None = Field(None, description="The key stops authenticating then; never if null.")
    agent_id: Id | None = Field(
        None,
        description="An agent desktop's key: it acts for this agent of the tenant only (its offers, "
        "its work, its status) and has the single scope 'agent'.",
    )

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, scopes: list[Scope]) -> list[Scope]:
        if len(set(scopes)) != len(scopes):
            raise ValueError("each scope at most once")
        return scopes

    @model_validator(mode="after")
    def _agent_key(self) -> KeyIn:
        if self.agent_id is not None and "scopes" not in self.model_fields_set:
            self.scopes = [AGENT_SCOPE]
        if self.agent_id is not None and self.scopes != [AGENT_SCOPE]:
            raise ValueError(f"a key with agent_id has the single scope {AGENT_SCOPE!r}")
        if self.agent_id is None and AGENT_SCOPE in self.scopes:
            raise ValueError(f"the {AGENT_SCOPE!r} scope needs agent_id (the agent the key acts for)")
        return self


class KeyView(BaseModel):
    """An API key as listed: never the secret (only its hash is stored)."""

    model_config = _OUT
    id: str = Field(description="The key's public id (``key_`` + 16 hex digits); revoke it by this.")
    tenant_id: str
    name: str
    scopes: list[str]
    status: KeyStatus
    created_at: Instant
    expires_at: Instant | None
    revoked_at: Instant | None
    agent_id: str | None = Field(None, description="Set: the key acts for this agent only.")


class KeyCreated(KeyView):
    """A key just issued: the only answer that holds its secret."""

    api_key: str = Field(description="The secret, shown this once: send it as 'Authorization: Bearer <key>'.")
