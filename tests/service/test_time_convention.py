"""Times in the service's JSON follow one convention (:mod:`routing.timestamps`): every response
of a working day's calls, every event as stored in the outbox, as webhooks receive it and as the
stream sends it, and the audit trail, walked for every time-like field
(:mod:`tests.time_convention`); the OpenAPI document says so; old audit rows are shown the new way."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from routing.service.settings import StreamSettings
from routing.service.storage import repository
from routing.service.storage.models import OutboxEvent
from routing.service.stream import EventHub, StreamFilter
from tests.service.conftest import T0, Api, agent_body, escalation_body, make_api
from tests.service.receivers import Receiver
from tests.time_convention import time_problems

URL = "https://hooks.example.test/handoff"


@pytest.fixture(params=["sqlite", "postgresql"])
def hooked(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Api, Receiver]]:
    """The app (SQLite, then PostgreSQL) with a webhook receiver behind an in-memory transport."""
    receiver = Receiver()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'handoff.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    for api in make_api(url, transport=receiver.transport):
        yield api, receiver


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def stream_data(api: Api, count: int) -> list[Any]:
    """The ``data`` of the first ``count`` frames the event stream sends the tenant ``acme``."""

    async def read() -> list[Any]:
        hub = EventHub(api.service.db, StreamSettings())
        slot = hub.try_open()
        assert slot is not None
        frames = hub.stream(slot, StreamFilter("acme"), 0)
        out: list[Any] = []
        async for chunk in frames:
            data = [line for line in chunk.decode().splitlines() if line.startswith("data: ")]
            out += [json.loads(line.removeprefix("data: ")) for line in data]
            if len(out) >= count:
                break  # asyncio.run closes the stream (and gives its slot back)
        return out

    return asyncio.run(read())


def keys_of(doc: Any) -> set[str]:
    """Every key in ``doc`` whose value is not null."""
    if isinstance(doc, dict):
        return {k for k, v in doc.items() if v is not None} | {k for v in doc.values() for k in keys_of(v)}
    if isinstance(doc, list):
        return {k for item in doc for k in keys_of(item)}
    return set()


def test_every_response_event_and_audit_entry_follows_the_time_convention(
    hooked: tuple[Api, Receiver],
) -> None:
    api, receiver = hooked
    seen: dict[str, Any] = {}  # what was answered, by call
    sub = seen["POST /v1/webhooks"] = ok(api.post("/v1/webhooks", {"url": URL, "event_types": ["*"]}), 201)
    for agent_id in ("ana", "bob"):
        seen[f"POST /v1/agents {agent_id}"] = ok(
            api.post("/v1/agents", agent_body(agent_id, channels={"chat": 1})), 201
        )
    evening = {"days": "daily", "start": "20:00", "end": "23:00"}
    carl = agent_body("carl", skills={"legal": 4}, shifts=[evening], time_zone="America/New_York")
    seen["POST /v1/agents carl"] = ok(api.post("/v1/agents", carl), 201)

    transcript = [{"role": "customer", "text": "hi", "at": "2026-01-01T09:59:58+01:00"}]  # old name
    context = {**escalation_body("x")["context"], "transcript": transcript}
    bodies: dict[str, dict[str, Any]] = {
        "e1": {"context": context},
        "e2": {"created_at": T0 - 1.5},  # epoch seconds as input
        "e3": {},
        "e4": {"required_skills": {"legal": 2}},
    }
    created = {esc_id: ok(api.escalate(esc_id, **fields), 201) for esc_id, fields in bodies.items()}
    seen |= {f"POST /v1/escalations {k}": v for k, v in created.items()}
    assert {c["decision"]["outcome"] for c in created.values()} == {"offered", "queued", "deferred"}
    offer_of = {k: c["decision"]["offer_id"] for k, c in created.items() if c["decision"]["offer_id"]}
    api.clock.advance(4)
    first, second = sorted(offer_of)[:2]
    seen["decline"] = ok(api.post(f"/v1/offers/{offer_of[first]}/decline"))
    seen["accept"] = ok(api.post(f"/v1/offers/{offer_of[second]}/accept"))
    for agent_id in ("ana", "bob"):
        seen[f"GET offers {agent_id}"] = ok(api.get(f"/v1/agents/{agent_id}/offers"))
    api.tick(30)  # offers expire unanswered, relaxation, agents not responding
    seen["complete"] = ok(api.post(f"/v1/escalations/{second}/complete", {"resolved": True}))
    for esc_id in created:
        seen[f"GET escalation {esc_id}"] = ok(api.get(f"/v1/escalations/{esc_id}"))
        seen[f"GET position {esc_id}"] = ok(api.get(f"/v1/escalations/{esc_id}/position"))
    seen["GET agents"] = ok(api.get("/v1/agents"))
    seen["GET agent"] = ok(api.get("/v1/agents/ana"))
    seen["PUT status"] = ok(api.put("/v1/agents/ana/status", {"status": "available"}))
    seen["GET queues"] = ok(api.get("/v1/queues"))
    seen["GET audit"] = ok(api.get("/v1/audit", limit=1000))
    api.deliver_all()
    seen["GET webhooks"] = ok(api.get("/v1/webhooks"))
    seen["GET webhook"] = ok(api.get(f"/v1/webhooks/{sub['id']}"))
    log = seen["GET deliveries"] = ok(api.get(f"/v1/webhooks/{sub['id']}/deliveries"))
    event_id = log["deliveries"][0]["event_id"]
    seen["redeliver"] = ok(api.post(f"/v1/webhooks/{sub['id']}/deliveries/{event_id}/redeliver"), 202)
    with api.service.db.read() as s:
        seen["outbox"] = [json.loads(b) for b in s.scalars(select(OutboxEvent.body))]
    seen["webhook bodies"] = [hit.event for hit in receiver.hits]
    seen["stream"] = stream_data(api, len(seen["outbox"]))

    assert {call: time_problems(doc) for call, doc in seen.items() if time_problems(doc)} == {}
    assert len(seen["stream"]) == len(seen["outbox"]) == len(seen["webhook bodies"]) > 10
    instants = {k for k in keys_of(seen) if k.endswith("_at")}
    assert {
        "created_at",
        "delivered_at",
        "expires_at",
        "last_attempt_at",
        "next_attempt_at",
        "next_open_at",
        "occurred_at",
        "offer_expires_at",
        "sent_at",
    } <= instants
    e1 = seen["GET escalation e1"]
    assert e1["context"]["transcript"][0]["sent_at"] == "2026-01-01T08:59:58.000Z"
    assert seen["GET escalation e2"]["escalation"]["created_at"] == "2026-01-01T08:59:58.500Z"
    assert seen["GET escalation e3"]["created_at"] == "2026-01-01T09:00:00.000Z"


def test_the_openapi_document_states_the_convention(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    problems: list[str] = []

    def flat(schema: dict[str, Any]) -> list[dict[str, Any]]:
        return [o for option in schema["anyOf"] for o in flat(option)] if "anyOf" in schema else [schema]

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                options = flat(prop)
                if name in ("at", "timestamp"):
                    problems.append(f"{where}.{name}: an instant needs a name (*_at)")
                if name.endswith("_at") and {"type": "string", "format": "date-time"} not in [
                    {k: o.get(k) for k in ("type", "format")} for o in options
                ]:
                    problems.append(f"{where}.{name}: not a date-time")
                if name.endswith("_at_s") and not any(o.get("type") == "number" for o in options):
                    problems.append(f"{where}.{name}: not a number")
            for key, child in node.items():
                walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{where}[{i}]")

    walk(spec["components"]["schemas"], "components")
    assert problems == []
    out = spec["components"]["schemas"]["DecisionOut"]["properties"]
    assert "Z" in json.dumps(out["expires_at"])  # the description says how it reads
    assert "epoch" in out["expires_at_s"]["description"]


def test_audit_rows_stored_before_the_convention_are_shown_by_it(api: Api) -> None:
    with api.service.db.write() as s:
        old = {"kind": "offer", "offer_id": "e9~1", "agent_id": "ana", "expires_at_s": T0 + 20.0}
        repository.audit(s, "acme", T0, "offer", old, escalation_id="e9", agent_id="ana")
    [entry] = ok(api.get("/v1/audit", escalation_id="e9"))["events"]
    assert entry["occurred_at"] == "2026-01-01T09:00:00.000Z"
    assert entry["occurred_at_s"] == T0
    assert entry["detail"]["expires_at"] == "2026-01-01T09:00:20.000Z"
    assert time_problems(entry) == []
