"""Nothing acknowledged is lost: kill -9 the real server mid-stream, restart, check every 201."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from routing.service.storage.models import EscalationRow
from tests.service.conftest import agent_body, escalation_body
from tests.service.invariants import replay_violations
from tests.service.servers import HEADERS, Server

CAPS = {"ana": 2, "bob": 1, "cy": 3}
TOTAL = 240
CONCURRENCY = 12


async def send_until_killed(server: Server, acked: list[str], kill_after: int) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(TOTAL):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            body = escalation_body(f"e{i}")
            try:
                r = await client.post(
                    "/v1/escalations", json=body, headers={**HEADERS, "Idempotency-Key": f"k{i}"}
                )
            except httpx.HTTPError:
                return  # the server died under us
            if r.status_code == 201:
                acked.append(body["id"])
                if len(acked) == kill_after:
                    server.kill9()
                    return
                decision = r.json()["decision"]
                if decision["outcome"] == "offered" and i % 2:  # half the offers are taken at once
                    try:
                        await client.post(f"/v1/offers/{decision['offer_id']}/accept", headers=HEADERS)
                    except httpx.HTTPError:
                        return

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))


def test_kill_9_mid_stream_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db_file = tmp_path / "handoff.db"
    url = f"sqlite:///{db_file}"
    server = Server(url, tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.url, headers=HEADERS) as client:
            for agent_id, cap in CAPS.items():
                assert (
                    client.post("/v1/agents", json=agent_body(agent_id, channels={"chat": cap})).status_code
                    == 201
                )
        acked: list[str] = []
        asyncio.run(send_until_killed(server, acked, kill_after=60))
        assert server.proc is not None
        assert server.proc.returncode == -9
        assert 60 <= len(acked) < TOTAL

        server = Server(url, tmp_path / "server2.log").start()
        with httpx.Client(base_url=server.url, headers=HEADERS) as client:
            for esc_id in acked:
                r = client.get(f"/v1/escalations/{esc_id}")
                assert r.status_code == 200, esc_id
                assert r.json()["context"]["summary"] == "double charge"
            # the unacknowledged ones can be retried safely with their keys
            for i in range(TOTAL):
                r = client.post(
                    "/v1/escalations", json=escalation_body(f"e{i}"), headers={"Idempotency-Key": f"k{i}"}
                )
                assert r.status_code == 201, r.text
            loads = {a: client.get(f"/v1/agents/{a}").json()["load"].get("chat", 0) for a in CAPS}
            assert client.get("/v1/queues").json()["depth"] == TOTAL - sum(loads.values())
    finally:
        server.stop()

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(EscalationRow.id, EscalationRow.state, EscalationRow.agent_id)).all()
    engine.dispose()
    assert len(rows) == TOTAL  # every escalation exactly once
    held = Counter(agent for _, state, agent in rows if state in ("offered", "assigned"))
    assert all(held[a] <= cap for a, cap in CAPS.items()), held
    assert held == Counter(loads)
    assert any(state == "assigned" for _, state, _ in rows)
    # replaying the audit trail: never over a cap, never two live offers of one escalation, never
    # assigned to anyone but the agent holding its offer
    problems, offers = replay_violations(url)
    assert problems == []
    assert offers >= sum(loads.values())
