"""Service settings, read from ``HANDOFF_*`` environment variables (pydantic-settings).

The default needs nothing set up: a SQLite file ``handoff.db`` in the working directory. Point
``HANDOFF_DATABASE_URL`` at PostgreSQL (``postgresql+psycopg://user@host/db``) to run several
instances against one database.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.settings import RoutingSettings

Scope = Literal["escalations:write", "agents:write", "webhooks:write", "read", "admin", "agent", "metrics"]
#: the scopes over a tenant's own data: what a new key gets unless told otherwise
TENANT_SCOPES: tuple[Scope, ...] = ("escalations:write", "agents:write", "webhooks:write", "read")
#: tenants and API keys of every tenant (``/v1/admin``); granted only when asked for by name
ADMIN_SCOPE: Scope = "admin"
#: an agent's desktop: the only scope of a key bound to one agent (it acts for that agent only)
AGENT_SCOPE: Scope = "agent"
#: ``GET /metrics`` (a monitoring system's key); admin keys may read it too
METRICS_SCOPE: Scope = "metrics"
SCOPES: tuple[Scope, ...] = (*TENANT_SCOPES, ADMIN_SCOPE, AGENT_SCOPE, METRICS_SCOPE)


class WebhookSettings(BaseModel):
    """How webhook deliveries are made, retried and given up (``HANDOFF_WEBHOOKS__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    interval_s: float = Field(
        0.5, ge=0, description="How often the delivery worker looks for due deliveries; 0 turns it off."
    )
    batch_size: int = Field(50, ge=1, le=1000, description="Deliveries claimed per round.")
    timeout_s: float = Field(10.0, gt=0, le=120, description="Per attempt: connect, send and answer.")
    connections_per_receiver: int = Field(
        8,
        ge=1,
        le=100,
        description="Deliveries of a round sent to one receiver (scheme, host and port) at once.",
    )
    lease_s: float = Field(
        60.0, gt=0, description="A claimed delivery is another worker's to retry after this long."
    )
    max_attempts: int = Field(8, ge=1, le=100, description="Attempts per event before giving up.")
    backoff_base_s: float = Field(1.0, gt=0, description="Retry n waits U(0, min(cap, base * 2**(n-1))).")
    backoff_cap_s: float = Field(600.0, gt=0, description="Longest wait between two attempts.")
    disable_after_failures: int = Field(
        20, ge=1, description="Consecutive failed attempts after which a subscription is disabled ..."
    )
    disable_after_s: float = Field(
        3600.0, ge=0, description="... once its failures have also lasted this long (0: at once)."
    )
    allow_private_urls: bool = Field(
        True, description="Accept URLs naming localhost or a private, loopback or link-local IP address."
    )


class StreamSettings(BaseModel):
    """The Server-Sent Events stream ``GET /v1/events/stream`` (``HANDOFF_STREAM__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    heartbeat_s: float = Field(15.0, gt=0, description="A comment line after this long without an event.")
    poll_interval_s: float = Field(
        0.25, gt=0, description="How often the outbox is polled for events committed by other instances."
    )
    max_streams: int = Field(100, ge=0, description="Open streams per process; one more gets 503.")
    batch_size: int = Field(500, ge=1, le=10_000, description="Events read from the outbox per query.")
    feed_events: int = Field(
        2_000,
        ge=1,
        le=1_000_000,
        description="Recent events of each tenant kept in memory for its streams (at least batch_size).",
    )


class IdempotencySettings(BaseModel):
    """How long an ``Idempotency-Key`` is remembered (``HANDOFF_IDEMPOTENCY__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    ttl_s: float = Field(
        86_400.0,
        gt=0,
        description="A key's stored response is replayed this long; afterwards the key starts a new request.",
    )
    purge_batch: int = Field(
        500, ge=0, le=100_000, description="Expired records deleted per tick round at most (0: never)."
    )


class StatsSettings(BaseModel):
    """Real-time statistics, ``GET /v1/stats`` (``HANDOFF_STATS__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    service_level_s: float = Field(
        30.0, gt=0, description="Service level: the share of escalations accepted within this many seconds."
    )
    service_level_goal: float = Field(
        0.8,
        gt=0,
        le=1,
        description="The share within service_level_s a queue should reach (the wallboard's green).",
    )
    time_zone: str = Field("UTC", description="IANA time zone whose midnight starts a tenant's 'today'.")
    tenant_time_zones: dict[str, str] = Field(
        default_factory=dict, description="Per tenant id, an IANA time zone overriding time_zone."
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        return _zone(zone)

    @field_validator("tenant_time_zones")
    @classmethod
    def _known_zones(cls, zones: dict[str, str]) -> dict[str, str]:
        return {tenant: _zone(zone) for tenant, zone in zones.items()}

    def zone_of(self, tenant_id: str) -> str:
        """The time zone of ``tenant_id``'s day."""
        return self.tenant_time_zones.get(tenant_id, self.time_zone)


def _zone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time zone(={zone!r}) is not a known IANA time zone") from None
    return zone


class PositionSettings(BaseModel):
    """``escalation.position_changed`` events (``HANDOFF_POSITIONS__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    step: int = Field(
        1, ge=0, description="Announce a queued escalation's position once it moved by this many (0: never)."
    )
    eta_change_s: float = Field(
        0.0, ge=0, description="... or once its ETA changed by this many seconds (0: never on the ETA alone)."
    )
    max_per_command: int = Field(
        25, ge=0, description="Queued escalations checked per command at most, in turns through the line."
    )

    @property
    def enabled(self) -> bool:
        return self.max_per_command > 0 and (self.step > 0 or self.eta_change_s > 0)


class LimitsSettings(BaseModel):
    """Limits on what one request may bring (``HANDOFF_LIMITS__<FIELD>``); the caps on each
    field of an escalation or an agent are in :mod:`routing.limits`."""

    model_config = ConfigDict(extra="forbid")

    max_body_bytes: int = Field(
        1_048_576,
        ge=0,
        description="A request body larger than this (1 MiB) is refused with 413 before it is parsed.",
    )
    created_at_future_s: float = Field(
        300.0,
        ge=0,
        description="An escalation's created_at this far ahead of the server clock at most (the "
        "sender's clock runs fast); it is then taken as now. Further ahead: 422.",
    )
    created_at_past_s: float = Field(
        604_800.0,
        gt=0,
        description="An escalation's created_at this far behind the server clock at most (7 days: a "
        "sender retrying after an outage). Older: 422.",
    )


class MetricsSettings(BaseModel):
    """``GET /metrics`` (``HANDOFF_METRICS__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    public: bool = Field(
        False,
        description="Serve /metrics without a key (only where the port is reachable by the monitoring "
        "system alone); otherwise a key with the 'metrics' or 'admin' scope is required.",
    )
    tenant_labels: bool = Field(
        False, description="Label the queue depth by tenant id; by default one total, naming no tenant."
    )


class RateLimit(BaseModel):
    """A token bucket: ``burst`` requests at once, refilled at ``rate_per_s``."""

    model_config = ConfigDict(extra="forbid")

    rate_per_s: float = Field(gt=0, le=1_000_000, description="Requests per second, sustained.")
    burst: int = Field(ge=1, le=1_000_000, description="Requests at once after a quiet spell.")


def _default_rate_limits() -> dict[Scope, RateLimit]:
    """Generous for integrations (a busy AI platform, a workforce system), tight for one person's
    desktop and for operators' tools."""
    return {
        "escalations:write": RateLimit(rate_per_s=1000, burst=2000),
        "agents:write": RateLimit(rate_per_s=1000, burst=2000),
        "read": RateLimit(rate_per_s=200, burst=400),
        "webhooks:write": RateLimit(rate_per_s=20, burst=60),
        "agent": RateLimit(rate_per_s=20, burst=60),
        "admin": RateLimit(rate_per_s=20, burst=60),
        "metrics": RateLimit(rate_per_s=5, burst=20),
    }


class RateLimitSettings(BaseModel):
    """Requests per API key (``HANDOFF_RATE_LIMITS__<FIELD>``): one token bucket per key and scope
    the operation needs, per process (two instances let a key through at up to twice the rate)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="False: no request is refused for its rate.")
    per_scope: dict[Scope, RateLimit] = Field(
        default_factory=_default_rate_limits,
        description="The bucket of each scope; a scope left out keeps its default "
        '(e.g. HANDOFF_RATE_LIMITS__PER_SCOPE=\'{"read": {"rate_per_s": 5, "burst": 10}}\').',
    )

    @field_validator("per_scope")
    @classmethod
    def _with_defaults(cls, given: dict[Scope, RateLimit]) -> dict[Scope, RateLimit]:
        return {**_default_rate_limits(), **given}


class AgentProfileSettings(BaseModel):
    """Agent profile updates (``HANDOFF_AGENTS__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    require_if_match: bool = Field(
        False,
        description="PUT /v1/agents/{id} of an existing agent without If-Match is 428; by default it "
        "replaces the profile unconditionally (last writer wins).",
    )


class RetentionSettings(BaseModel):
    """How long personal data is kept (``HANDOFF_RETENTION__<FIELD>``): see
    :mod:`routing.service.retention`."""

    model_config = ConfigDict(extra="forbid")

    context_s: float = Field(
        2_592_000.0,
        ge=0,
        description="A finished escalation's context packet (transcript, summary, account data, ...), "
        "callback details and the context in its events are redacted this long (30 days) after it "
        "finished; 0 keeps them forever.",
    )
    batch: int = Field(200, ge=1, le=10_000, description="Escalations redacted per tick round at most.")


class CatchUpSettings(BaseModel):
    """How an instance catches up: with time after an outage, with other instances' commands
    (``HANDOFF_CATCH_UP__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    late_after_s: float = Field(
        2.0,
        gt=0,
        description="A dispatcher wake-up missed by more than this (the service was down, or its tick "
        "loop stalled) is caught up at now: offers whose time ran out meanwhile expire without counting "
        "against the agent, and routing resumes from now. At most half the shortest offer timeout.",
    )
    max_commands: int = Field(
        1000,
        ge=0,
        description="An instance at most this many committed commands behind a tenant applies them to "
        "its cached dispatcher; further behind, it rebuilds from the rows (0: always rebuild). Commands "
        "older than this are purged.",
    )


class GroupCommitSettings(BaseModel):
    """How events of one tenant that wait for its lock are committed together
    (``HANDOFF_GROUP_COMMIT__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid")

    max_events: int = Field(
        32,
        ge=1,
        le=1000,
        description="Events of one tenant waiting behind its lock that one transaction applies and "
        "commits together, each as it would be alone (a refused or failed one in a savepoint of its "
        "own); none is answered before the commit. 1: one transaction per event.",
    )


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
    bootstrap_api_key: SecretStr | None = Field(
        None, description="API key (every tenant scope, not admin) of bootstrap_tenant."
    )
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    stream: StreamSettings = Field(default_factory=StreamSettings)
    idempotency: IdempotencySettings = Field(default_factory=IdempotencySettings)
    stats: StatsSettings = Field(default_factory=StatsSettings)
    positions: PositionSettings = Field(default_factory=PositionSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    catch_up: CatchUpSettings = Field(default_factory=CatchUpSettings)
    group_commit: GroupCommitSettings = Field(default_factory=GroupCommitSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    agents: AgentProfileSettings = Field(default_factory=AgentProfileSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
