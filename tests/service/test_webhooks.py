"""Webhooks: subscriptions, Standard Webhooks signatures (checked by an independent verifier),
at-least-once delivery with full-jitter back-off, order per escalation, disabling, redelivery,
and workers that never send one delivery twice at once. Time is a manual clock; the receiver is
an in-memory transport."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from routing.service.storage.database import Database
from routing.service.storage.models import WebhookDelivery
from routing.service.webhooks.delivery import (
    Attempt,
    DeliveryWorker,
    receiver_of,
    retry_delay_s,
)
from routing.service.webhooks.posting import HttpxPoster, httpx_client
from tests.service.conftest import Api, agent_body, make_api
from tests.service.receivers import POSTERS, Receiver, fail_first, verify

URL = "https://hooks.example.test/handoff"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'handoff.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def hub(database_url: str, receiver: Receiver, **webhooks: Any) -> Iterator[Api]:
    for api in make_api(database_url, transport=receiver.transport, webhooks=webhooks):
        api.worker.rng = random.Random(7)
        yield api


def subscribe(api: Api, url: str = URL, types: tuple[str, ...] = ("*",), **extra: Any) -> Any:
    r = api.post("/v1/webhooks", {"url": url, "event_types": list(types), **extra})
    assert r.status_code == 201, r.text
    return r.json()


def log(api: Api, sub_id: str) -> list[Any]:
    r = api.get(f"/v1/webhooks/{sub_id}/deliveries")
    assert r.status_code == 200, r.text
    return list(r.json()["deliveries"])


def rows(api: Api) -> list[WebhookDelivery]:
    with api.service.db.read() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


# ------------------------------------------------------------------------------------ subscriptions
def test_subscriptions_show_the_secret_once_and_belong_to_one_tenant(api: Api) -> None:
    created = subscribe(api, types=("escalation.offered",), description="AI platform")
    assert created["secret"].startswith("whsec_")
    assert created["enabled"] is True
    sub_id = created["id"]
    listed = api.get("/v1/webhooks").json()
    assert [s["id"] for s in listed] == [sub_id]
    assert "secret" not in listed[0]
    assert "secret" not in api.get(f"/v1/webhooks/{sub_id}").json()
    assert api.get(f"/v1/webhooks/{sub_id}", key=api.other_key).status_code == 404
    assert api.get("/v1/webhooks", key=api.other_key).json() == []
    from routing.service import tenants

    reader = tenants.provision(api.service.db, "acme", scopes=["read"], now_s=0)
    assert api.get("/v1/webhooks", key=reader).status_code == 403
    assert api.client.delete(f"/v1/webhooks/{sub_id}", headers=api.h(api.other_key)).status_code == 404
    assert api.client.delete(f"/v1/webhooks/{sub_id}", headers=api.h()).status_code == 204
    assert api.get(f"/v1/webhooks/{sub_id}").status_code == 404
    assert api.get("/v1/webhooks/wh_nope").status_code == 422


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"url": "ftp://hooks.example.test/x"}, "body.url", "http or https"),
        ({"url": "https://user:pw@hooks.example.test/x"}, "body.url", "credentials"),
        ({"url": "https://hooks.example.test/" + "a" * 2100}, "body.url", "2048"),
        ({"url": "https://"}, "body.url", "host"),
        ({"url": None}, "body.url", "string"),
        ({"secret": "whsec_" + "A" * 200}, "body.secret", "100"),
        ({"secret": "hunter2"}, "body.secret", "whsec_"),
        ({"secret": "whsec_c2hvcnQ="}, "body.secret", "24 to 64 bytes"),
        ({"event_types": ["escalation.teleported"]}, "body.event_types[0]", "escalation.offered"),
        ({"event_types": []}, "body.event_types", "at least 1"),
        ({"event_types": ["*", "offer.expired"]}, "body.event_types", "alone"),
        ({"event_types": ["offer.expired", "offer.expired"]}, "body.event_types", "twice"),
        ({"colour": "red"}, "body.colour", "unknown field"),
    ],
)
def test_bad_subscriptions_are_422_naming_the_field(
    api: Api, body: dict[str, Any], field: str, words: str
) -> None:
    r = api.post("/v1/webhooks", {"url": URL, "event_types": ["*"], **body})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == field and words in e["problem"] for e in r.json()["errors"]), r.json()
    assert api.get("/v1/webhooks").json() == []


def test_private_addresses_are_refused_when_the_settings_say_so(tmp_path: Path) -> None:
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}", webhooks={"allow_private_urls": False}):
        for url in ("http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x", "http://[::1]/x"):
            r = api.post("/v1/webhooks", {"url": url, "event_types": ["*"]})
            assert r.status_code == 422, url
            assert r.json()["errors"][0]["field"] == "body.url"
        assert api.post("/v1/webhooks", {"url": URL, "event_types": ["*"]}).status_code == 201


# ------------------------------------------------------------------------------------ delivery
def test_deliveries_are_signed_filtered_and_logged(database_url: str) -> None:
    receiver = Receiver()
    for api in hub(database_url, receiver):
        own = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # a client-chosen secret (24 bytes)
        wanted = subscribe(api, types=("escalation.offered", "escalation.assigned"), secret=own)
        everything = subscribe(api, url="https://all.example.test/")
        api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
        offer = api.escalate("e1").json()["decision"]
        api.escalate("e2")  # queued: only the catch-all subscription wants that
        api.clock.advance(3)
        api.post(f"/v1/offers/{offer['offer_id']}/accept")
        api.clock.advance(1)
        assert api.deliver_all() == 5

        mine = [h for h in receiver.hits if h.url == URL]
        assert own == wanted["secret"]
        events = [verify(own, h.headers, h.body, api.clock.now_s()) for h in mine]
        assert [e["type"] for e in events] == ["escalation.offered", "escalation.assigned"]
        assert all(h.headers["content-type"] == "application/json" for h in mine)
        assert int(mine[0].headers["webhook-timestamp"]) == int(api.clock.now_s())
        with pytest.raises(AssertionError):  # a tampered body or a wrong secret does not verify
            verify(own, mine[0].headers, mine[0].body.replace(b"ana", b"eve"), api.clock.now_s())
        with pytest.raises(AssertionError):
            verify(everything["secret"], mine[0].headers, mine[0].body, api.clock.now_s())
        theirs = [h for h in receiver.hits if h.url != URL]
        others = [verify(everything["secret"], h.headers, h.body, api.clock.now_s()) for h in theirs]
        assert Counter(e["type"] for e in others) == {
            "escalation.offered": 1, "escalation.queued": 1, "escalation.assigned": 1
        }  # fmt: skip
        entry = log(api, wanted["id"])[0]
        assert entry["status"] == "delivered"
        assert entry["attempts"] == 1
        assert entry["last_status_code"] == 200
        assert entry["next_attempt_at"] is None
        assert entry["event_id"] == events[0]["id"]
        assert entry["event_type"] == "escalation.offered"
        assert api.deliver() == 0  # nothing twice


def test_retries_back_off_with_full_jitter_then_give_up(database_url: str) -> None:
    receiver = Receiver(status_of=lambda _r: 500)
    cfg = {"max_attempts": 4, "backoff_base_s": 2.0, "backoff_cap_s": 5.0}
    for api in hub(database_url, receiver, **cfg):
        sub = subscribe(api, types=("escalation.offered",))
        api.post("/v1/agents", agent_body("ana"))
        api.escalate("e1")
        for attempt in range(1, 5):
            assert api.deliver() == 1
            (row,) = rows(api)
            assert row.attempts == attempt
            assert row.last_status_code == 500
            assert row.last_error == "HTTP 500"
            if attempt == 4:
                break
            delay = row.next_attempt_s - (row.last_attempt_s or 0)
            assert 0 <= delay <= min(5.0, 2.0 * 2 ** (attempt - 1)), (attempt, delay)
            if delay > 0.01:
                api.clock.advance(delay / 2)
                assert api.deliver() == 0  # not before its time
            api.clock.advance(delay)
        (entry,) = log(api, sub["id"])
        assert entry["status"] == "failed"
        assert entry["attempts"] == 4
        assert entry["next_attempt_at"] is None
        api.clock.advance(3600)
        assert api.deliver() == 0
        assert len({h.headers["webhook-id"] for h in receiver.hits}) == 1  # one id over every retry
        assert len(receiver.hits) == 4


def test_order_per_escalation_when_the_receiver_fails_then_recovers(database_url: str) -> None:
    receiver = Receiver(status_of=fail_first(4))
    for api in hub(database_url, receiver, backoff_base_s=0.5, backoff_cap_s=1.0):
        subscribe(api)
        api.post("/v1/agents", agent_body("ana"))
        api.post("/v1/agents", agent_body("bob"))
        offers = [api.escalate(e).json()["decision"] for e in ("e1", "e2")]
        for o in offers:
            api.post(f"/v1/offers/{o['offer_id']}/accept")
        api.post("/v1/escalations/e1/complete", {"resolved": True})
        for _ in range(30):
            api.deliver_all()
            if len(receiver.delivered()) == 5:
                break
            api.clock.advance(2)
        for esc_id, expected in (("e1", [1, 2, 3]), ("e2", [1, 2])):
            attempts = [h.event["sequence"] for h in receiver.hits if h.event["escalation_id"] == esc_id]
            assert attempts == sorted(attempts), (esc_id, attempts)  # never n+1 before n was delivered
            delivered = [e["sequence"] for e in receiver.delivered() if e["escalation_id"] == esc_id]
            assert delivered == expected
        assert any(h.status == 503 for h in receiver.hits)


def test_a_subscription_that_keeps_failing_is_disabled_with_an_event(database_url: str) -> None:
    down, up = "https://down.example.test/", "https://up.example.test/"
    receiver = Receiver(status_of=lambda r: 500 if r.url.host == "down.example.test" else 200)
    cfg = {"disable_after_failures": 3, "disable_after_s": 0, "backoff_base_s": 0.1, "backoff_cap_s": 0.2}
    for api in hub(database_url, receiver, **cfg):
        bad = subscribe(api, url=down)
        good = subscribe(api, url=up)
        api.post("/v1/agents", agent_body("ana"))
        api.escalate("e1")
        for _ in range(10):
            api.deliver_all()
            api.clock.advance(1)
        view = api.get(f"/v1/webhooks/{bad['id']}").json()
        assert view["enabled"] is False
        assert view["disabled_at"] is not None
        assert "3 consecutive failed attempts" in view["disabled_reason"]
        assert len([h for h in receiver.hits if h.url == down]) == 3
        notice = next(e for e in receiver.delivered(up) if e["type"] == "subscription.disabled")
        assert notice["data"]["subscription_id"] == bad["id"]
        assert notice["data"]["url"] == down
        verify(good["secret"], receiver.hits[-1].headers, receiver.hits[-1].body, api.clock.now_s())
        api.escalate("e2")  # no new deliveries for the disabled one, and no more attempts
        api.deliver_all()
        assert len([h for h in receiver.hits if h.url == down]) == 3
        assert len(log(api, bad["id"])) == 1
        event_id = log(api, bad["id"])[0]["event_id"]
        assert api.post(f"/v1/webhooks/{bad['id']}/deliveries/{event_id}/redeliver").status_code == 409


def test_redelivery_sends_the_same_event_again(database_url: str) -> None:
    receiver = Receiver()
    for api in hub(database_url, receiver):
        sub = subscribe(api)
        api.post("/v1/agents", agent_body("ana"))
        api.escalate("e1")
        api.deliver_all()
        (entry,) = log(api, sub["id"])
        path = f"/v1/webhooks/{sub['id']}/deliveries/{entry['event_id']}/redeliver"
        r = api.post(path)
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "pending"
        assert r.json()["attempts"] == 0
        assert api.deliver_all() == 1
        assert [h.headers["webhook-id"] for h in receiver.hits] == [entry["event_id"]] * 2
        assert log(api, sub["id"])[0]["status"] == "delivered"
        missing = f"/v1/webhooks/{sub['id']}/deliveries/evt_{'0' * 32}/redeliver"
        assert api.post(missing).status_code == 404
        assert api.post(f"/v1/webhooks/{sub['id']}/deliveries/nope/redeliver").status_code == 422
        assert api.post(path, key=api.other_key).status_code == 404


# ------------------------------------------------------------------------------------ workers
def test_two_workers_never_send_one_delivery_at_once(database_url: str) -> None:
    in_flight: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    overlaps: list[str] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        event_id = request.headers["webhook-id"]
        in_flight[event_id] += 1
        if in_flight[event_id] > 1:
            overlaps.append(event_id)
        await asyncio.sleep(0.005)
        in_flight[event_id] -= 1
        sent[event_id] += 1
        return httpx.Response(204)

    for api in make_api(database_url, webhooks={"batch_size": 4}):
        subscribe(api)
        api.post("/v1/agents", agent_body("ana", channels={"chat": 10}))
        for i in range(24):
            api.escalate(f"e{i}")
        other_db = Database(database_url)  # a second instance: its own engine and process-local locks
        other = DeliveryWorker(other_db, api.worker.settings, api.clock)

        async def both(workers: tuple[DeliveryWorker, DeliveryWorker]) -> None:
            async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as client:
                for _ in range(20):
                    made = await asyncio.gather(*(w.deliver_due(HttpxPoster(client)) for w in workers))
                    if sum(made) == 0:
                        return

        asyncio.run(both((api.worker, other)))
        other_db.dispose()
        assert overlaps == []
        assert len(sent) == 24
        assert set(sent.values()) == {1}
        assert {r.status for r in rows(api)} == {"delivered"}


def test_a_round_sends_to_one_receiver_a_few_at_a_time(database_url: str) -> None:
    """A round's deliveries to one receiver go at most ``connections_per_receiver`` at once (so
    the same few connections serve round after round); another receiver has its own share."""
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()

    async def slow(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        in_flight[host] += 1
        most[host] = max(most[host], in_flight[host])
        await asyncio.sleep(0.002)
        in_flight[host] -= 1
        return httpx.Response(204)

    for api in make_api(database_url, webhooks={"batch_size": 40, "connections_per_receiver": 3}):
        subscribe(api, "https://a.example/hook")
        subscribe(api, "https://b.example/hook")
        api.post("/v1/agents", agent_body("ana", channels={"chat": 10}))
        for i in range(20):
            api.escalate(f"e{i}")

        async def rounds(worker: DeliveryWorker) -> int:
            sent = 0
            async with httpx_client(httpx.MockTransport(slow)) as client:
                while made := await worker.deliver_due(HttpxPoster(client)):
                    sent += made
            return sent

        sent = asyncio.run(rounds(api.worker))
        assert sent == len(rows(api)) >= 40
        assert most == {"a.example": 3, "b.example": 3}
        assert {r.status for r in rows(api)} == {"delivered"}


def test_receivers_are_told_apart_by_scheme_host_and_port() -> None:
    assert receiver_of("https://A.example:8443/x?y=1") == ("https", "a.example:8443")
    assert receiver_of("https://a.example/x") != receiver_of("http://a.example/x")
    assert receiver_of("https://a.example/x") == receiver_of("https://a.example/y")


def test_the_loop_claims_each_round_in_the_transaction_recording_the_last(database_url: str) -> None:
    """Rounds back to back take one write transaction each (plus the first claim), and an
    escalation's events still go out one after the other, in order."""
    receiver = Receiver()
    for api in hub(database_url, receiver, batch_size=2):
        subscribe(api)
        api.post("/v1/agents", agent_body("ana"))
        offer = api.escalate("e1").json()["decision"]
        api.post(f"/v1/offers/{offer['offer_id']}/accept")
        api.post("/v1/escalations/e1/complete", {"resolved": True})
        api.escalate("e2")
        events = len(rows(api))
        writes = 0
        real_write = api.worker.db.write

        @contextlib.contextmanager
        def counted(write: Any = real_write) -> Iterator[Any]:
            nonlocal writes
            writes += 1
            with write() as session:
                yield session

        api.worker.db.write = counted  # type: ignore[method-assign]

        async def loop(worker: DeliveryWorker) -> int:
            async with httpx_client(receiver.transport) as client:
                return await worker.deliver_while_due(HttpxPoster(client))

        assert asyncio.run(loop(api.worker)) == events == 4  # e1 offered, assigned, completed; e2 offered
        api.worker.db.write = real_write  # type: ignore[method-assign]
        # three rounds (e1's events one after the other; e2's beside e1's first): the first claim,
        # then one transaction each recording a round and claiming the next (the last finds none)
        assert writes == 4
        assert {r.status for r in rows(api)} == {"delivered"}
        sequences = [e["sequence"] for e in receiver.delivered() if e["escalation_id"] == "e1"]
        assert sequences == sorted(sequences)
        assert len(receiver.hits) == events


def test_a_dead_workers_lease_runs_out_and_its_late_answer_is_ignored(database_url: str) -> None:
    receiver = Receiver()
    for api in hub(database_url, receiver, lease_s=30):
        subscribe(api)
        api.post("/v1/agents", agent_body("ana"))
        api.escalate("e1")
        (stale,) = api.worker.claim()  # this worker dies before sending
        assert api.deliver() == 0  # leased
        api.clock.advance(31)
        assert api.deliver() == 1
        assert len(receiver.hits) == 1
        api.worker.record([Attempt(stale, api.clock.now_s(), 500, "HTTP 500")])
        (row,) = rows(api)
        assert row.status == "delivered"
        assert row.attempts == 1
        assert row.last_status_code == 200


def test_the_background_worker_delivers_right_after_the_commit(tmp_path: Path) -> None:
    receiver = Receiver()
    for api in make_api(
        f"sqlite:///{tmp_path / 'h.db'}", transport=receiver.transport, webhooks={"interval_s": 30}
    ):
        subscribe(api)
        api.post("/v1/agents", agent_body("ana"))
        api.escalate("e1")  # the commit wakes the worker long before its 30 s poll
        deadline = time.monotonic() + 10
        while not receiver.delivered() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [e["type"] for e in receiver.delivered()] == ["escalation.offered"]


def test_retry_delay_is_full_jitter_under_a_capped_exponential() -> None:
    rng = random.Random(1)
    for failures in range(1, 12):
        delays = [retry_delay_s(failures, 1.0, 60.0, rng) for _ in range(200)]
        ceiling = min(60.0, 2.0 ** (failures - 1))
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling  # spread over the whole range, not bunched at the top
        assert min(delays) < 0.2 * ceiling
    with pytest.raises(ValueError, match=r"failures\(=0\) must be >= 1"):
        retry_delay_s(0, 1.0, 60.0, rng)


def test_a_round_with_nothing_due_takes_no_write_transaction(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_writes() -> None:
        raise AssertionError("a round with nothing due opened a write transaction")

    subscribe(api)
    monkeypatch.setattr(api.worker.db, "write", no_writes)
    assert api.deliver() == 0  # SQLite has one writer: an idle sender must not queue behind creates


class CountingReceiver:
    """An HTTP/1.1 keep-alive receiver on 127.0.0.1 answering every POST 200 with ``answer`` as
    its body; counts the connections it accepted and the requests it answered."""

    def __init__(self, answer: bytes) -> None:
        import socket
        import threading

        self.answer, self.connections, self.requests = answer, 0, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: Any) -> None:
        with conn, conn.makefile("rb") as stream, contextlib.suppress(ConnectionError):  # dropped
            while True:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = stream.readline()
                    if not line:
                        return
                    head += line
                length = next(
                    int(h.split(b":")[1])
                    for h in head.split(b"\r\n")
                    if h.lower().startswith(b"content-length")
                )
                stream.read(length)
                self.requests += 1
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(self.answer), self.answer)
                )

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("poster", sorted(POSTERS))
@pytest.mark.parametrize("answer_bytes", [2, 200_000])
def test_deliveries_keep_their_connection_unless_the_answer_is_long(
    tmp_path: Path, answer_bytes: int, poster: str
) -> None:
    """A receiver's answer is read (and dropped) so that the next delivery reuses the connection;
    an answer longer than the service reads is dropped with its connection, and still counts by
    its status."""
    receiver = CountingReceiver(b"x" * answer_bytes)
    try:
        for api in make_api(f"sqlite:///{tmp_path / 'h.db'}"):
            sub_id = subscribe(api, receiver.url)["id"]
            api.post("/v1/agents", agent_body("ana", channels={"chat": 5}))

            async def rounds(api: Api) -> int:
                sent = 0
                sending = POSTERS[poster]()  # one, as the worker's loop has, over the network
                try:
                    for i in range(3):
                        assert api.escalate(f"e{i}").status_code == 201
                        sent += await api.worker.deliver_due(sending)
                finally:
                    await sending.aclose()
                return sent

            sent = asyncio.run(rounds(api))
            assert sent == receiver.requests >= 3  # (an offer per create, at least)
            assert {d["status"] for d in log(api, sub_id)} == {"delivered"}
            assert receiver.connections == (1 if answer_bytes < 65_536 else sent)
    finally:
        receiver.close()
