"""After an outage the service catches up at now: overdue offers expire without counting against
the agent, nothing is offered that has already expired, routing resumes from now. Once with the
service's clock moved by hand (a stalled tick loop), once with a real ``kill -9`` of uvicorn."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from routing.dispatcher import EXPIRED_UNSEEN
from routing.service.storage.models import AuditEvent
from tests.service.conftest import Api, agent_body, escalation_body
from tests.service.servers import HEADERS, Server


def offers_of(audit: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    return [e for e in audit if e["kind"] == "offer"]


def test_a_stalled_tick_blames_nobody_and_routes_from_now(api: Api) -> None:
    for agent_id in ("ana", "ben"):
        api.post("/v1/agents", agent_body(agent_id, channels={"chat": 1}))
    api.escalate("e1")
    api.escalate("e2")
    api.tick(300)  # five minutes without a tick: fifteen offer timeouts of 20 s
    for agent_id in ("ana", "ben"):
        agent = api.get(f"/v1/agents/{agent_id}").json()
        assert (agent["status"], agent["missed_offers"]) == ("available", 0)
    now_s = api.clock.now_s()
    events = api.get("/v1/audit").json()["events"]
    revoked = [e for e in events if e["kind"] == "offer_revoked"]
    assert len(revoked) == 2
    assert {e["detail"]["reason"] for e in revoked} == {EXPIRED_UNSEEN}
    again = offers_of(events)[2:]
    assert len(again) == 2  # each offered once more, at now, expiring after now
    assert all(e["occurred_at_s"] == now_s and e["detail"]["expires_at_s"] > now_s for e in again)
    for esc_id in ("e1", "e2"):
        assert api.get(f"/v1/escalations/{esc_id}").json()["state"] == "offered"


def test_after_a_kill_9_longer_than_the_offer_timeout_the_agent_is_not_blamed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    timeouts = {"HANDOFF_ROUTING__OFFER_TIMEOUT_S": '{"chat": 2.0}'}
    server = Server(url, tmp_path / "server.log", **timeouts).start()
    try:
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as client:
            assert client.post("/v1/agents", json=agent_body("ana", channels={"chat": 1})).status_code == 201
            body = escalation_body("e1", created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            r = client.post("/v1/escalations", json=body, headers={"Idempotency-Key": "k1"})
            assert r.json()["decision"]["outcome"] == "offered"
        server.kill9()
        time.sleep(6.0)  # three offer timeouts with nobody able to answer
        server = Server(url, tmp_path / "server.log", **timeouts).start()
        deadline = time.monotonic() + 20
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as client:
            while time.monotonic() < deadline:  # the restarted tick loop catches up
                audit = client.get("/v1/audit", params={"escalation_id": "e1"}).json()["events"]
                if len(offers_of(audit)) >= 2:
                    break
                time.sleep(0.2)
            everything = client.get("/v1/audit", params={"limit": 500}).json()["events"]
    finally:
        server.stop()
    [first, second, *_] = offers_of(audit)
    revoked = [e for e in audit if e["kind"] == "offer_revoked"]
    assert revoked[0]["offer_id"] == first["offer_id"]
    assert revoked[0]["detail"]["reason"] == EXPIRED_UNSEEN
    # until the new offer's own time is up (it may lapse for real while the test reads), ana is
    # not blamed: no missed offer made her not-responding
    until_s = second["detail"]["expires_at_s"]
    blamed = [e for e in everything if e["kind"] == "agent_status_changed" and e["occurred_at_s"] < until_s]
    assert blamed == []
    engine = create_engine(url)
    with engine.connect() as conn:  # no offer was recorded already expired
        rows = conn.execute(
            select(AuditEvent.at_s, AuditEvent.detail).where(AuditEvent.kind == "offer")
        ).all()
    engine.dispose()
    assert len(rows) >= 2
    assert all(detail["expires_at_s"] > at_s for at_s, detail in rows)
