"""Nothing acknowledged is lost, not even a notification: kill -9 the real server after decisions
committed and before their webhooks went out; after a restart a local receiver (127.0.0.1) gets
every event, signed, in order per escalation, although it fails at first."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from routing.service.storage.models import OutboxEvent
from tests.service.conftest import agent_body, escalation_body
from tests.service.receivers import LocalReceiver, verify
from tests.service.servers import HEADERS, Server


@pytest.fixture
def receiver() -> Iterator[LocalReceiver]:
    with LocalReceiver(failures=3) as r:
        yield r


def test_events_committed_before_a_kill_9_are_delivered_after_the_restart(
    tmp_path: Path, receiver: LocalReceiver
) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    # first life: the delivery worker is off, so every decision is committed and none delivered
    server = Server(url, tmp_path / "server.log", HANDOFF_WEBHOOKS__INTERVAL_S="0").start()
    try:
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as client:
            sub = client.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["*"]})
            assert sub.status_code == 201, sub.text
            secret = sub.json()["secret"]
            assert client.post("/v1/agents", json=agent_body("ana", channels={"chat": 1})).status_code == 201
            offers = []
            for i in range(3):
                r = client.post(
                    "/v1/escalations", json=escalation_body(f"e{i}"), headers={"Idempotency-Key": f"k{i}"}
                )
                assert r.status_code == 201
                offers.append(r.json()["decision"])
            assert client.post(f"/v1/offers/{offers[0]['offer_id']}/accept").status_code == 200
        server.kill9()
    finally:
        server.stop()
    assert receiver.hits == []

    engine = create_engine(url)
    with engine.connect() as conn:
        committed = {
            r.id: (r.escalation_id, r.sequence)
            for r in conn.execute(select(OutboxEvent.id, OutboxEvent.escalation_id, OutboxEvent.sequence))
        }
    engine.dispose()
    assert len(committed) >= 4  # offered e0, queued e1 and e2, assigned e0

    # second life: the worker delivers through a receiver that fails three times first
    env = {
        "HANDOFF_WEBHOOKS__INTERVAL_S": "0.1",
        "HANDOFF_WEBHOOKS__BACKOFF_BASE_S": "0.1",
        "HANDOFF_WEBHOOKS__BACKOFF_CAP_S": "0.3",
    }
    server = Server(url, tmp_path / "server2.log", **env).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if committed.keys() <= {h["webhook-id"] for h, _ in receiver.delivered()}:
                break
            time.sleep(0.05)
    finally:
        server.stop()
    events = [verify(secret, h, b, time.time()) for h, b in receiver.delivered()]
    assert committed.keys() <= {e["id"] for e in events}
    assert any(status == 503 for status, _, _ in receiver.hits)
    for esc_id in {e for e, _ in committed.values() if e is not None}:
        seqs = [
            json.loads(b)["sequence"] for _, h, b in receiver.hits if json.loads(b)["escalation_id"] == esc_id
        ]
        assert seqs == sorted(seqs), (esc_id, seqs)
