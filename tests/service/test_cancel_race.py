"""Cancel racing accept, really at once: real uvicorn processes, the two requests sent together
(on PostgreSQL to two instances). Exactly one of them wins; the loser is a 409 problem; the
escalation ends in the winner's state; no agent holds a slot for a cancelled escalation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import agent_body, escalation_body
from tests.service.invariants import replay_violations
from tests.service.servers import HEADERS, Server

RACES = 24


async def race(urls: list[str]) -> list[tuple[int, int, str]]:
    """For each race: create an escalation (it is offered), then send its cancel and the offer's
    accept at the same moment (to different instances when there are two). Returns (cancel
    status, accept status, final state) per race."""
    out = []
    async with (
        httpx.AsyncClient(base_url=urls[0], headers=HEADERS, timeout=60) as a,
        httpx.AsyncClient(base_url=urls[-1], headers=HEADERS, timeout=60) as b,
    ):
        for i in range(RACES):
            body = escalation_body(f"r{i}", required_skills={"billing": 2})
            created = await a.post("/v1/escalations", json=body, headers={"Idempotency-Key": f"r{i}"})
            assert created.status_code == 201, created.text
            decision = created.json()["decision"]
            assert decision["outcome"] == "offered", decision
            cancel, accept = await asyncio.gather(
                a.post(f"/v1/escalations/r{i}/cancel", json={"reason": "resolved_by_ai"}),
                b.post(f"/v1/offers/{decision['offer_id']}/accept"),
            )
            state = (await a.get(f"/v1/escalations/r{i}")).json()["state"]
            out.append((cancel.status_code, accept.status_code, state))
            if accept.status_code == 200:  # the agent won: finish the work to free the slot
                done = await b.post(f"/v1/escalations/r{i}/complete", json={"resolved": True})
                assert done.status_code == 200, done.text
    return out


def check(results: list[tuple[int, int, str]]) -> None:
    for cancel, accept, state in results:
        assert sorted((cancel, accept)) == [200, 409], (cancel, accept, state)
        assert state == ("cancelled" if cancel == 200 else "assigned"), (cancel, accept, state)


def servers(url: str, tmp_path: Path, n: int) -> list[Server]:
    started = [Server(url, tmp_path / f"s{k}.log").start() for k in range(n)]
    with httpx.Client(base_url=started[0].url, headers=HEADERS) as client:
        body = {**agent_body("ana", channels={"chat": 3}), "status": "available"}
        assert client.post("/v1/agents", json=body).status_code == 201
    return started


@pytest.mark.parametrize("instances", [1])
def test_cancel_racing_accept_on_sqlite(tmp_path: Path, instances: int) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    running = servers(url, tmp_path, instances)
    try:
        check(asyncio.run(race([s.url for s in running])))
    finally:
        for s in running:
            s.stop()
    problems, offers = replay_violations(url)
    assert problems == []
    assert offers >= RACES


def test_cancel_racing_accept_across_two_instances(postgres_url: str, tmp_path: Path) -> None:
    running = servers(postgres_url, tmp_path, 2)
    try:
        check(asyncio.run(race([s.url for s in running])))
    finally:
        for s in running:
            s.stop()
    problems, offers = replay_violations(postgres_url)
    assert problems == []
    assert offers >= RACES
