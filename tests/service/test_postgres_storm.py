"""Two service processes on one real PostgreSQL under >= 200 concurrent requests: no agent over a
channel cap, never two live offers of one escalation, no 5xx, every 201 stored once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.service.conftest import agent_body, escalation_body
from tests.service.invariants import replay_violations
from tests.service.servers import HEADERS, Server

CREATES = 200
ACTIONS = 60
AGENTS = [
    agent_body(
        f"ag{i}",
        skills={"billing": 3, "tech": 2 + i % 3},
        channels={"chat": 1 + i % 3, "voice": i % 2},
        max_total=2 if i % 4 == 0 else None,
    )
    for i in range(8)
]


async def storm(urls: list[str], seed: int) -> tuple[Counter[int], list[str]]:
    rng = random.Random(seed)
    statuses: Counter[int] = Counter()
    created: list[str] = []
    start = asyncio.Event()
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    clients = [httpx.AsyncClient(base_url=u, headers=HEADERS, timeout=60, limits=limits) for u in urls]

    async def call(i: int, method: str, path: str, **kw: Any) -> httpx.Response:
        r = await clients[i % 2].request(method, path, **kw)
        statuses[r.status_code] += 1
        return r

    async def create(i: int) -> None:
        await start.wait()
        body = escalation_body(
            f"s{i}",
            channel=rng.choice(["chat", "chat", "voice"]),
            required_skills={rng.choice(["billing", "tech"]): 2},
        )
        r = await call(i, "POST", "/v1/escalations", json=body, headers={"Idempotency-Key": f"s{i}"})
        if r.status_code == 201:
            created.append(body["id"])
            decision = r.json()["decision"]
            if (
                i < ACTIONS and decision["outcome"] == "offered"
            ):  # the agent answers at once, on the other instance
                verb = "accept" if i % 3 else "decline"
                await call(i + 1, "POST", f"/v1/offers/{decision['offer_id']}/{verb}")

    async def flip(i: int) -> None:
        await start.wait()
        status = rng.choice(["available", "available", "away", "offline"])
        await call(i, "PUT", f"/v1/agents/ag{i % len(AGENTS)}/status", json={"status": status})

    tasks = [asyncio.create_task(create(i)) for i in range(CREATES)]
    tasks += [asyncio.create_task(flip(i)) for i in range(24)]
    await asyncio.sleep(0.2)
    start.set()  # > 200 requests leave together
    await asyncio.gather(*tasks)
    for c in clients:
        await c.aclose()
    return statuses, created


async def duplicates(urls: list[str], n: int) -> list[httpx.Response]:
    """``n`` requests with one Idempotency-Key and body, sent at once to both instances."""
    body = escalation_body("dup", required_skills={"billing": 2})
    async with (
        httpx.AsyncClient(base_url=urls[0], headers=HEADERS, timeout=60) as a,
        httpx.AsyncClient(base_url=urls[1], headers=HEADERS, timeout=60) as b,
    ):
        calls = [
            (a, b)[i % 2].post("/v1/escalations", json=body, headers={"Idempotency-Key": "dup"})
            for i in range(n)
        ]
        return list(await asyncio.gather(*calls))


def test_two_instances_never_double_book(postgres_url: str, tmp_path: Path) -> None:
    a = Server(postgres_url, tmp_path / "a.log").start()
    b = Server(postgres_url, tmp_path / "b.log").start()
    try:
        with httpx.Client(base_url=a.url, headers=HEADERS) as client:
            for body in AGENTS:
                assert client.post("/v1/agents", json={**body, "status": "available"}).status_code == 201
        statuses, created = asyncio.run(storm([a.url, b.url], seed=7))
        assert not [s for s in statuses if s >= 500], statuses
        assert statuses[201] >= CREATES
        assert len(created) == CREATES
        with httpx.Client(base_url=b.url, headers=HEADERS) as client:
            for agent in AGENTS:
                view = client.get(f"/v1/agents/{agent['id']}").json()
                for channel, n in view["load"].items():
                    assert n <= agent["channels"].get(channel, 0), view
        # one key, sent concurrently to both instances: one escalation; 201s identical, others 409
        answers = asyncio.run(duplicates([a.url, b.url], 16))
        assert {r.status_code for r in answers} <= {201, 409}
        created_bodies = [r.json() for r in answers if r.status_code == 201]
        assert created_bodies
        assert all(body == created_bodies[0] for body in created_bodies)
        with httpx.Client(base_url=b.url, headers=HEADERS) as client:
            audit = client.get("/v1/audit", params={"escalation_id": "dup"}).json()["events"]
            assert [e["kind"] for e in audit].count("escalation_received") == 1
    finally:
        a.stop()
        b.stop()
    problems, offers = replay_violations(postgres_url)
    assert problems == []
    assert offers > 0
