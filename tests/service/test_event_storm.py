"""Two service processes on one PostgreSQL under a storm of mixed operations: every event committed
reaches the webhook receiver (deduplicated by id, signatures checked independently) and an SSE
client connected to the *other* instance; none is lost, and each escalation's events arrive in
sequence order at both."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from routing.service.storage.models import OutboxEvent
from tests.service.receivers import verify
from tests.service.servers import HEADERS, Server
from tests.service.sse import SseClient
from tests.service.test_postgres_storm import AGENTS, storm
from tests.service.test_webhook_crash import LocalReceiver

STREAM = "/v1/events/stream"
ENV = {
    "HANDOFF_WEBHOOKS__INTERVAL_S": "0.1",
    "HANDOFF_WEBHOOKS__BACKOFF_BASE_S": "0.1",
    "HANDOFF_WEBHOOKS__BACKOFF_CAP_S": "0.5",
    # a claim whose outcome could not be recorded (a loaded machine) is retried after its lease:
    # short here, so the wait below covers it
    "HANDOFF_WEBHOOKS__TIMEOUT_S": "5",
    "HANDOFF_WEBHOOKS__LEASE_S": "10",
    "HANDOFF_STREAM__HEARTBEAT_S": "1",
}


def committed_events(url: str) -> dict[str, tuple[str | None, int | None]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxEvent.id, OutboxEvent.escalation_id, OutboxEvent.sequence)).all()
    engine.dispose()
    return {r.id: (r.escalation_id, r.sequence) for r in rows}


def deliveries_of(url: str, event_ids: set[str]) -> list[tuple[object, ...]]:
    """What the delivery log says of ``event_ids`` (for a failure message)."""
    from routing.service.storage.models import WebhookDelivery

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(WebhookDelivery).where(WebhookDelivery.event_id.in_(event_ids))).all()
        events = conn.execute(
            select(OutboxEvent.type, OutboxEvent.escalation_id, OutboxEvent.sequence, OutboxEvent.id).where(
                OutboxEvent.id.in_(event_ids)
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows] + [tuple(e) for e in events]


def in_sequence(events: list[tuple[str | None, int | None]]) -> list[str]:
    """Escalations whose events (in arrival order, duplicates dropped) are out of sequence."""
    seen: dict[str | None, list[int]] = defaultdict(list)
    for esc, seq in events:
        if esc is not None and seq is not None and seq not in seen[esc]:
            seen[esc].append(seq)
    return [esc for esc, seqs in seen.items() if seqs != sorted(seqs) and esc is not None]


def test_every_committed_event_reaches_the_webhook_and_the_other_instances_stream(
    postgres_url: str, tmp_path: Path
) -> None:
    a = Server(postgres_url, tmp_path / "a.log", **ENV).start()
    b = Server(postgres_url, tmp_path / "b.log", **ENV).start()
    with LocalReceiver(failures=2) as receiver:
        try:
            with httpx.Client(base_url=a.url, headers=HEADERS, timeout=10) as client:
                sub = client.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["*"]})
                assert sub.status_code == 201, sub.text
                secret = sub.json()["secret"]
            with SseClient(b.url + STREAM, HEADERS) as on_b:
                assert on_b.status == 200
                with httpx.Client(base_url=a.url, headers=HEADERS, timeout=10) as client:
                    for body in AGENTS:
                        r = client.post("/v1/agents", json={**body, "status": "available"})
                        assert r.status_code == 201
                statuses, created = asyncio.run(storm([a.url, b.url], seed=11))
                assert not [s for s in statuses if s >= 500], statuses
                committed = committed_events(postgres_url)
                assert len(committed) > len(created)
                streamed: dict[str, tuple[str | None, int | None]] = {}
                order: list[tuple[str | None, int | None]] = []
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not committed.keys() <= streamed.keys():
                    message = on_b.next(timeout_s=2.0)
                    if message is None or message.id is None:
                        continue
                    data = message.json
                    streamed[message.id] = (data.get("escalation_id"), data.get("sequence"))
                    order.append(streamed[message.id])
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if committed.keys() <= {h["webhook-id"] for h, _ in receiver.delivered()}:
                    break
                time.sleep(0.1)
        finally:
            a.stop()
            b.stop()
        delivered = [verify(secret, h, body, time.time()) for h, body in receiver.delivered()]
    assert committed.keys() - streamed.keys() == set(), "events the other instance's stream never sent"
    webhook_ids = {e["id"] for e in delivered}
    missing = committed.keys() - webhook_ids
    assert missing == set(), f"events never delivered by webhook: {deliveries_of(postgres_url, missing)}"
    assert in_sequence(order) == []
    assert in_sequence([(e.get("escalation_id"), e.get("sequence")) for e in delivered]) == []
