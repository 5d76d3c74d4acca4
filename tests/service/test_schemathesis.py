"""Schemathesis against the service's own OpenAPI document, with every check it has: generated
requests for every operation (bounded examples, positive and negative) never get a 5xx, every
response matches the documented status codes, content types, headers and schemas, schema-valid
requests are accepted and schema-violating ones refused, and 405s name every method of the path
(``Allow``). NUL characters are left out of generated strings: the API refuses them anywhere
(422), which the schema does not repeat for every string."""

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
    # a body limit above the largest body the schema allows: the limit is a 413 before any
    # validation (tests/service/test_limits.py), which the schema's checks cannot expect
    ServiceSettings(
        database_url=f"sqlite:///{_DIR / 'h.db'}", tick_interval_s=0, limits={"max_body_bytes": 64 << 20}
    ),
    clock=_CLOCK,
    webhook_transport=_NOWHERE,
)
# The event stream never ends by itself, and an ASGI call returns only once the body has: it is
# tested against a real server instead (tests/service/test_stream.py).
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/v1/events/stream")
schema.config.generation.update(allow_x00=False)
#: Operations whose schema-valid bodies may still be refused, by rules of state or across fields
#: the schema does not express: "schema-valid request accepted" is not checked there (every other
#: check is). Each is a 4xx the operation documents.
REFUSED_BY_RULES_NOT_IN_THE_SCHEMA = {
    "POST /v1/escalations": "an Idempotency-Key reused with another body (422)",
    "POST /v1/escalations/{escalation_id}/transfer": "skill names must start with a non-space (keys)",
    "POST /v1/agents": "shift days and times (ranges, a shift of no length)",
    "PUT /v1/agents/{agent_id}": "shift days and times; If-Match of an older version (412)",
    "POST /v1/webhooks": "a given secret starts with whsec_",
    "POST /v1/admin/tenants/{tenant_id}/keys": "agent_id goes with the single scope 'agent' only",
    "POST /v1/conversation-volume": "intervals of one segment must not overlap",
    "GET /v1/conversation-volume": "to after from, at most 31 days",
    "GET /v1/analytics/summary": "to after from, at most 92 days, some escalation in the period",
}


@pytest.fixture(scope="module")
def api_key() -> Iterator[str]:
    """Start the app (lifespan), with agents and escalations so generated ids sometimes exist."""
    with TestClient(app) as client:
        scopes = [s for s in SCOPES if s != "agent"]  # admin and metrics too; "agent" needs an agent
        key = tenants.provision(app.state.service.db, "acme", scopes=scopes, now_s=T0)
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
    operation = f"{case.method.upper()} {case.path}"
    excluded = [checks.positive_data_acceptance] if operation in REFUSED_BY_RULES_NOT_IN_THE_SCHEMA else []
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, excluded_checks=excluded)
