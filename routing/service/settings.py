"""Service settings, read from ``HANDOFF_*`` environment variables (pydantic-settings).

The default needs nothing set up: a SQLite file ``handoff.db`` in the working directory. Point
``HANDOFF_DATABASE_URL`` at PostgreSQL (``postgresql+psycopg://user@host/db``) to run several
instances against one database.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.settings import RoutingSettings

Scope = Literal["escalations:write", "agents:write", "read"]
ALL_SCOPES: tuple[Scope, ...] = ("escalations:write", "agents:write", "read")


class ServiceSettings(BaseSettings):
    """Everything ``handoff serve`` is configured by. Nested fields use ``__`` in env names."""

    model_config = SettingsConfigDict(env_prefix="HANDOFF_", env_nested_delimiter="__", extra="ignore")

    database_url: str = Field(
        "sqlite:///handoff.db", description="SQLAlchemy URL; SQLite file by default, or PostgreSQL."
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        "FULL",
        description="SQLite fsync policy. FULL: an acknowledged escalation survives a power cut; "
        "NORMAL (WAL): survives a process crash, faster.",
    )
    tick_interval_s: float = Field(
        0.5, ge=0, description="How often the background loop ticks the dispatcher; 0 turns it off."
    )
    bootstrap_tenant: str | None = Field(
        None, description="Create this tenant at start-up (if missing) with bootstrap_api_key."
    )
    bootstrap_api_key: SecretStr | None = Field(None, description="API key (all scopes) of bootstrap_tenant.")
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
