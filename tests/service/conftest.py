"""Fixtures for the routing service: an app on a fresh SQLite file with a manual clock, API keys
for two tenants, and PostgreSQL (skipped with a reason when absent, unless CI=true). Webhooks are
delivered by hand (:meth:`Api.deliver`) through an in-memory transport."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from routing.service import tenants
from routing.service.app import create_app
from routing.service.clock import ManualClock
from routing.service.core import RoutingService
from routing.service.settings import ServiceSettings
from routing.service.webhooks.delivery import DeliveryWorker
from routing.service.webhooks.posting import HttpxPoster

PG_HOST, PG_PORT = "127.0.0.1", 5432
T0 = 1_767_258_000.0  # 2026-01-01T09:00:00Z


def postgres_up() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    if not postgres_up():
        if os.environ.get("CI"):
            pytest.fail("CI=true but PostgreSQL does not answer on 127.0.0.1:5432 (.ci/ensure_postgres.sh)")
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432")
    import psycopg

    name = f"handoff_test_{uuid.uuid4().hex[:12]}"
    admin = f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Api:
    """A test client plus the keys of two tenants and the clock that drives the service."""

    client: TestClient
    clock: ManualClock
    service: RoutingService
    key: str  # tenant "acme", every scope
    other_key: str  # tenant "globex", every scope
    worker: DeliveryWorker
    transport: httpx.AsyncBaseTransport | None = None  # where webhooks go (MockTransport)
    metrics_key: str = ""  # scope "metrics" only (GET /metrics)

    def agent_key(self, agent_id: str, tenant_id: str = "acme") -> str:
        """A new desktop key of ``agent_id`` (scope "agent"), issued as the admin API does."""
        from routing.service.admin_schemas import KeyIn

        admin = tenants.Administration(self.service.db, self.clock)
        return admin.create_key(tenant_id, KeyIn(agent_id=agent_id), by="cli:tests").api_key

    def h(self, key: str | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}", **extra}

    def post(self, path: str, json: Any = None, key: str | None = None, **headers: str) -> Any:
        return self.client.post(path, json=json, headers=self.h(key, **headers))

    def put(self, path: str, json: Any = None, key: str | None = None) -> Any:
        return self.client.put(path, json=json, headers=self.h(key))

    def get(self, path: str, key: str | None = None, **params: Any) -> Any:
        return self.client.get(path, headers=self.h(key), params=params)

    def escalate(self, esc_id: str, key: str | None = None, **fields: Any) -> Any:
        body = escalation_body(esc_id, **fields)
        return self.post("/v1/escalations", body, key, **{"Idempotency-Key": f"k-{esc_id}"})

    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.service.tick_due()

    def deliver(self, worker: DeliveryWorker | None = None) -> int:
        """One round of the (or another) delivery worker at the clock's time; returns attempts."""

        async def round_() -> int:
            async with httpx.AsyncClient(transport=self.transport) as client:
                return await (worker or self.worker).deliver_due(HttpxPoster(client))

        return asyncio.run(round_())

    def deliver_all(self, rounds: int = 20) -> int:
        """Rounds until nothing is due now (at most ``rounds``); returns attempts made."""
        total = 0
        for _ in range(rounds):
            made = self.deliver()
            if made == 0:
                return total
            total += made
        raise AssertionError(f"deliveries still due after {rounds} rounds")


def escalation_body(
    esc_id: str, *, created_at: str = "2026-01-01T09:00:00+00:00", **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": esc_id,
        "created_at": created_at,
        "channel": "chat",
        "required_skills": {"billing": 2},
        "context": {
            "transcript": [{"role": "customer", "text": "I was charged twice"}],
            "summary": "double charge",
            "intent": "refund",
            "sentiment_trend": [-0.2, -0.5],
            "actions_tried": ["explained billing cycle"],
            "account": {"plan": "pro"},
            "reason": "customer asked for a human",
        },
    }
    body.update(fields)
    return body


def agent_body(agent_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": agent_id, "skills": {"billing": 3}, "channels": {"chat": 2}}
    body.update(fields)
    return body


def make_api(
    database_url: str,
    clock: ManualClock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **settings: Any,
) -> Iterator[Api]:
    clock = clock or ManualClock(T0)
    settings.setdefault("tick_interval_s", 0)  # tests tick by hand unless they test the loop
    settings["webhooks"] = {"interval_s": 0, **settings.get("webhooks", {})}  # and deliver by hand
    settings.setdefault("bootstrap_tenant", "acme")
    settings.setdefault("bootstrap_api_key", "hk_bootstrap_key_of_the_tests")
    app = create_app(
        ServiceSettings(database_url=database_url, **settings), clock=clock, webhook_transport=transport
    )
    with TestClient(app) as client:
        service: RoutingService = app.state.service
        key = tenants.provision(service.db, "acme", now_s=T0)
        other = tenants.provision(service.db, "globex", now_s=T0)
        metrics_key = tenants.provision(service.db, "acme", scopes=("metrics",), now_s=T0)
        yield Api(client, clock, service, key, other, app.state.delivery, transport, metrics_key)


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The app on a fresh SQLite file, and again on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield from make_api(f"sqlite:///{tmp_path / 'handoff.db'}", sqlite_synchronous="NORMAL")
    else:
        yield from make_api(request.getfixturevalue("postgres_url"))
