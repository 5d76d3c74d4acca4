"""``GET /v1/events/stream`` against the real server (uvicorn on 127.0.0.1): events arrive within
a second of their decision, filters hold, ``Last-Event-ID`` resumes with exactly the missed events,
heartbeats come, other tenants' events never do, the stream cap answers 503, shutdown ends the
streams; on PostgreSQL a client of one instance gets what another instance committed."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from routing.service import tenants
from routing.service.storage.database import Database
from tests.service.conftest import agent_body, escalation_body
from tests.service.servers import HEADERS, Server
from tests.service.sse import SseClient

STREAM = "/v1/events/stream"
FAST = {
    "HANDOFF_STREAM__HEARTBEAT_S": "0.3",
    "HANDOFF_STREAM__MAX_STREAMS": "4",
    "HANDOFF_WEBHOOKS__INTERVAL_S": "0",
}


class Running:
    """A server and the keys of a second tenant (every scope) and of a key without ``read``."""

    def __init__(self, server: Server, database_url: str) -> None:
        self.server = server
        db = Database(database_url)
        self.other = {"Authorization": f"Bearer {tenants.provision(db, 'globex', now_s=time.time())}"}
        writer = tenants.provision(db, "acme", scopes=["escalations:write"], now_s=time.time())
        self.no_read = {"Authorization": f"Bearer {writer}"}
        db.dispose()
        self.http = httpx.Client(base_url=server.url, headers=HEADERS, timeout=10)
        self._n = 0

    def stream(self, headers: dict[str, str] | None = None, **params: str) -> SseClient:
        return SseClient(self.server.url + STREAM, headers or HEADERS, params)

    def escalate(self, headers: dict[str, str] | None = None, **fields: object) -> str:
        self._n += 1
        esc_id = f"e{self._n}"
        r = self.http.post(
            "/v1/escalations",
            json=escalation_body(esc_id, **fields),
            headers={**(headers or HEADERS), "Idempotency-Key": esc_id},
        )
        assert r.status_code == 201, r.text
        return esc_id


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp("stream")
    url = f"sqlite:///{tmp / 'handoff.db'}"
    server = Server(url, tmp / "server.log", **FAST).start()
    try:
        r = Running(server, url)
        assert r.http.post("/v1/agents", json=agent_body("ana", channels={"chat": 1})).status_code == 201
        yield r
        r.http.close()
    finally:
        server.stop()


def test_an_event_arrives_within_a_second_of_its_decision(running: Running) -> None:
    with running.stream() as s:
        assert s.status == 200
        assert s.headers is not None
        assert s.headers["content-type"].startswith("text/event-stream")
        esc_id = running.escalate()
        decided = time.monotonic()
        m = s.next(timeout_s=1.0)
        assert m is not None
        assert m.event in ("escalation.offered", "escalation.queued")
        assert m.received_at - decided < 1.0
        event = m.json
        assert event["id"] == m.id
        assert event["escalation_id"] == esc_id
        assert event["tenant_id"] == "acme"
        assert event["sequence"] == 1
        assert "transcript" not in m.data


def test_filters_by_escalation_agent_and_type(running: Running) -> None:
    with (
        running.stream(types="escalation.queued") as queued,
        running.stream(agent_id="ana") as ana,
        running.stream(escalation_id="e900") as one,
    ):
        running.escalate()  # ana is busy from the first test (cap 1): queued
        got = queued.events(1)
        assert got[0].event == "escalation.queued"
        r = running.http.post(
            "/v1/escalations", json=escalation_body("e900"), headers={"Idempotency-Key": "e900"}
        )
        assert r.status_code == 201
        assert [m.json["escalation_id"] for m in one.events(1)] == ["e900"]
        assert all(m.event == "escalation.queued" for m in queued.quiet(0.5))
        assert all(m.json["agent_id"] == "ana" for m in ana.quiet(0.3))
        assert all(m.json["escalation_id"] == "e900" for m in one.quiet(0.3))


def test_last_event_id_resumes_with_exactly_the_missed_events_in_order(running: Running) -> None:
    with running.stream() as witness:
        with running.stream() as first:
            running.escalate()
            seen = first.events(1)[0]
        for _ in range(3):  # missed while disconnected
            running.escalate()
        everything = witness.events(4)
        assert everything[0].id == seen.id
        with running.stream(headers={**HEADERS, "Last-Event-ID": str(seen.id)}) as resumed:
            assert [m.id for m in resumed.events(3)] == [m.id for m in everything[1:]]
            assert resumed.quiet(0.5) == []
        with running.stream(last_event_id=str(everything[1].id)) as by_query:
            assert [m.id for m in by_query.events(2)] == [m.id for m in everything[2:]]


def test_heartbeats_come_while_nothing_happens(running: Running) -> None:
    with running.stream() as s:
        m = s.next(timeout_s=1.5, comments=True)
        assert m is not None
        assert m.comment == "heartbeat"


def test_another_tenants_events_never_appear(running: Running) -> None:
    with running.stream(headers=running.other) as globex:
        for _ in range(3):
            running.escalate()
        mine = running.escalate(headers=running.other)  # globex has no agents
        got = globex.events(1)
        assert got[0].json["escalation_id"] == mine
        assert got[0].json["tenant_id"] == "globex"
        assert all(m.json["tenant_id"] == "globex" for m in globex.quiet(0.5))
    with running.stream() as acme:  # acme's event ids are unknown to globex: 422, not a leak
        running.escalate()
        acme_id = acme.events(1)[0].id
    with running.stream(headers={**running.other, "Last-Event-ID": str(acme_id)}) as probe:
        assert probe.status == 422


def test_bad_requests_and_scopes(running: Running) -> None:
    url = running.server.url + STREAM
    assert httpx.get(url, timeout=5).status_code == 401
    r = httpx.get(url, headers=running.no_read, timeout=5)
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    r = httpx.get(url, headers=HEADERS, params={"types": "escalation.nope"}, timeout=5)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.types"
    r = httpx.get(url, headers={**HEADERS, "Last-Event-ID": "evt_" + "0" * 32}, timeout=5)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "header.Last-Event-ID"


def test_more_streams_than_the_cap_get_503_with_retry_after(running: Running) -> None:
    streams = [running.stream() for _ in range(4)]
    try:
        assert [s.status for s in streams] == [200] * 4
        r = httpx.get(running.server.url + STREAM, headers=HEADERS, timeout=5)
        assert r.status_code == 503
        assert r.headers["content-type"] == "application/problem+json"
        assert int(r.headers["retry-after"]) > 0
    finally:
        for s in streams:
            s.close()
    deadline = time.monotonic() + 5  # the slots come back once the server sees the disconnections
    while True:
        with running.stream() as again:
            if again.status == 200:
                break
        assert time.monotonic() < deadline, "stream slots were not released"
        time.sleep(0.1)


def test_shutdown_ends_open_streams_and_the_server_exits(tmp_path: Path) -> None:
    server = Server(f"sqlite:///{tmp_path / 'handoff.db'}", tmp_path / "server.log", **FAST).start()
    try:
        with SseClient(server.url + STREAM, HEADERS) as s:
            assert s.status == 200
            assert server.proc is not None
            server.proc.terminate()
            assert s.ended(5), "the stream did not end on shutdown"
            assert server.proc.wait(10) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal
        assert "Application shutdown complete" in server.log_path.read_text()
    finally:
        server.stop()


def test_on_postgresql_a_client_of_instance_b_gets_what_instance_a_committed(
    postgres_url: str, tmp_path: Path
) -> None:
    a = Server(postgres_url, tmp_path / "a.log", **FAST).start()
    b = Server(postgres_url, tmp_path / "b.log", **FAST).start()
    try:
        with (
            SseClient(b.url + STREAM, HEADERS) as on_b,
            httpx.Client(base_url=a.url, headers=HEADERS, timeout=10) as via_a,
        ):
            assert on_b.status == 200
            assert via_a.post("/v1/agents", json=agent_body("ana")).status_code == 201
            r = via_a.post("/v1/escalations", json=escalation_body("x1"), headers={"Idempotency-Key": "x1"})
            assert r.status_code == 201
            decided = time.monotonic()
            offered = on_b.next(timeout_s=2.0)
            while offered is not None and offered.event != "escalation.offered":  # agent events first
                offered = on_b.next(timeout_s=2.0)
            assert offered is not None
            assert offered.json["escalation_id"] == "x1"
            assert offered.received_at - decided < 1.0
    finally:
        a.stop()
        b.stop()
