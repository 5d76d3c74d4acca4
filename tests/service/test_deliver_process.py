"""``handoff deliver``: the webhook sender as a process of its own, beside a server that sends
none. It delivers every committed event, signed and in order per escalation; killed with -9 while
its requests are in flight, a new one re-sends them once their lease runs out (at least once,
nothing lost); SIGTERM ends it cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from routing.service.storage.models import OutboxEvent
from tests.service.conftest import agent_body, escalation_body
from tests.service.receivers import LocalReceiver, verify
from tests.service.servers import HEADERS, Server

SENDER = "from reports.cli import app; app()"


def sender(url: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", SENDER, "deliver", "--database-url", url, "--interval-s", "0.05"],
            env={**Server(url, log).env, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def committed(url: str) -> dict[str, str | None]:
    engine = create_engine(url)
    with engine.connect() as conn:
        query = select(OutboxEvent.id, OutboxEvent.escalation_id)
        rows = {r.id: r.escalation_id for r in conn.execute(query)}
    engine.dispose()
    return rows


def wait_for(condition: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_separate_sender_killed_mid_request_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    server = Server(url, tmp_path / "server.log", HANDOFF_WEBHOOKS__INTERVAL_S="0").start()
    with LocalReceiver(hold=1, hold_s=3.0) as receiver:
        first = second = None
        try:
            with httpx.Client(base_url=server.url, headers=HEADERS, timeout=10) as client:
                sub = client.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["*"]})
                assert sub.status_code == 201, sub.text
                secret = sub.json()["secret"]
                ana = agent_body("ana", channels={"chat": 1})
                assert client.post("/v1/agents", json=ana).status_code == 201
                first = sender(url, tmp_path / "sender1.log", HANDOFF_WEBHOOKS__LEASE_S="1")
                for i in range(3):
                    body, key = escalation_body(f"e{i}"), {"Idempotency-Key": f"k{i}"}
                    assert client.post("/v1/escalations", json=body, headers=key).status_code == 201
                assert wait_for(lambda: receiver.arrived >= 1, 15), (tmp_path / "sender1.log").read_text()
                first.send_signal(signal.SIGKILL)  # its request is held by the receiver: in flight
                first.wait(10)
                events = committed(url)
                assert len(events) >= 3  # offered e0, queued e1 and e2 (at least)
                second = sender(url, tmp_path / "sender2.log", HANDOFF_WEBHOOKS__LEASE_S="1")
                got = lambda: events.keys() <= {h["webhook-id"] for h, _ in receiver.delivered()}  # noqa: E731
                assert wait_for(got, 20), (tmp_path / "sender2.log").read_text()
                second.send_signal(signal.SIGTERM)
                assert second.wait(15) == 0
        finally:
            for proc in (first, second):
                if proc is not None and proc.poll() is None:
                    proc.kill()
            server.stop()
    delivered = [verify(secret, h, b, time.time()) for h, b in receiver.delivered()]
    assert events.keys() <= {e["id"] for e in delivered}
    assert all(e["type"] != "subscription.disabled" for e in delivered)
    held_id = receiver.arrivals[0]  # in flight at the kill: sent again by the second sender
    assert held_id in {h["webhook-id"] for h, _ in receiver.delivered()}
    for esc_id in {e for e in events.values() if e is not None}:
        bodies = [json.loads(b) for _, _, b in receiver.hits]
        seqs = [b["sequence"] for b in bodies if b["escalation_id"] == esc_id]
        assert seqs == sorted(seqs), (esc_id, seqs)


def test_the_sender_refuses_a_bad_interval_with_a_usage_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    proc = subprocess.run(
        [sys.executable, "-c", SENDER, "deliver", "--database-url", url, "--interval-s", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "interval-s" in proc.stderr
