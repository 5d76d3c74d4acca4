"""Schemathesis against the service's own OpenAPI document: generated requests for every
operation (bounded examples) never get a 5xx, and every response matches the documented status
codes, content types and schemas."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks

from routing.service import tenants
from routing.service.app import create_app
from routing.service.clock import ManualClock
from routing.service.settings import SCOPES, ServiceSettings
from tests.service.conftest import T0, agent_body, escalation_body

_DIR = Path(tempfile.mkdtemp(prefix="handoff-schemathesis-"))
_CLOCK = ManualClock(T0)
_NOWHERE = httpx.MockTransport(lambda request: httpx.Response(204))  # generated URLs are never called
app = create_app(
    ServiceSettings(database_url=f"sqlite:///{_DIR / 'h.db'}", tick_interval_s=0),
    clock=_CLOCK,
    webhook_transport=_NOWHERE,
)
# The event stream never ends by itself, and an ASGI call returns only once the body has: it is
# tested against a real server instead (tests/service/test_stream.py).
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/v1/events/stream")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_key() -> Iterator[str]:
    """Start the app (lifespan), with agents and escalations so generated ids sometimes exist."""
    with TestClient(app) as client:
        key = tenants.provision(app.state.service.db, "acme", scopes=SCOPES, now_s=T0)  # admin too
        h = {"Authorization": f"Bearer {key}"}
        for agent_id in ("ana", "bob", "a"):
            client.post("/v1/agents", json=agent_body(agent_id), headers=h)
        for esc_id in ("e1", "e2", "0"):
            client.post(
                "/v1/escalations", json=escalation_body(esc_id), headers={**h, "Idempotency-Key": esc_id}
            )
        yield key
    shutil.rmtree(_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case: schemathesis.Case, api_key: str) -> None:
    _CLOCK.advance(1.0)  # time passes between requests: offers expire now and then
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
