"""Transcripts and account data never reach the logs: seeded PII markers go through every path
(create, read, accept, complete, invalid input, server errors) with logging at DEBUG, in process
and in a real uvicorn server, and the markers must not appear in anything logged."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import Api, agent_body, escalation_body
from tests.service.servers import HEADERS, Server

SECRET_TEXT = "PII-TRANSCRIPT-7f3a9c"
SECRET_ACCOUNT = "PII-ACCOUNT-4242424242424242"
SECRET_NOTE = "PII-NOTE-b81e"


def seeded(esc_id: str) -> dict[str, Any]:
    body = escalation_body(esc_id)
    body["context"]["transcript"] = [{"role": "customer", "text": f"my card is {SECRET_TEXT}"}]
    body["context"]["account"] = {"card": SECRET_ACCOUNT, "email": f"{SECRET_ACCOUNT}@example.com"}
    body["context"]["summary"] = SECRET_TEXT
    return body


def exercise(call: Any) -> None:
    """Every path a context packet travels, plus bad requests that carry PII."""
    assert call("POST", "/v1/agents", json=agent_body("ana")).status_code in (200, 201)
    r = call("POST", "/v1/escalations", json=seeded("p1"), headers={"Idempotency-Key": "p1"})
    assert r.status_code == 201
    offer = r.json()["decision"]["offer_id"]
    call("POST", "/v1/escalations", json=seeded("p1"), headers={"Idempotency-Key": "p1"})  # replay
    assert SECRET_TEXT in call("GET", "/v1/escalations/p1").text  # the API returns it to the caller
    assert SECRET_ACCOUNT in call("POST", f"/v1/offers/{offer}/accept").text
    call("POST", "/v1/escalations/p1/complete", json={"resolved": False, "notes": SECRET_NOTE})
    bad = seeded("p2")
    bad["channel"] = SECRET_TEXT
    bad["context"]["account"] = {"x": f"{SECRET_ACCOUNT}\x00"}
    assert call("POST", "/v1/escalations", json=bad, headers={"Idempotency-Key": "p2"}).status_code == 422
    bad = seeded("p3")
    bad["context"]["transcript"][0]["role"] = SECRET_TEXT
    bad["context"][SECRET_ACCOUNT] = SECRET_ACCOUNT
    r = call("POST", "/v1/escalations", json=bad, headers={"Idempotency-Key": "p3"})
    assert r.status_code == 422
    assert SECRET_TEXT not in r.text  # problem details name the field, never echo the value
    other = seeded("p1")
    other["urgency"] = 1.0
    assert call("POST", "/v1/escalations", json=other, headers={"Idempotency-Key": "p1"}).status_code == 422
    call("GET", "/v1/audit", params={"escalation_id": "p1"})
    call("GET", "/metrics")


def test_no_pii_in_logs_in_process(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        exercise(
            lambda method, path, **kw: api.client.request(
                method, path, headers={**api.h(), **kw.pop("headers", {})}, **kw
            )
        )
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    for secret in (SECRET_TEXT, SECRET_ACCOUNT, SECRET_NOTE):
        assert secret not in logged


def test_no_pii_in_server_logs(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    server = Server(f"sqlite:///{tmp_path / 'h.db'}", log_path, log_level="trace")
    server.start()
    try:
        with httpx.Client(base_url=server.url, headers=HEADERS) as client:
            exercise(client.request)
    finally:
        server.stop()
    logged = log_path.read_text()
    assert "POST /v1/escalations" in logged  # the access log did capture the requests
    for secret in (SECRET_TEXT, SECRET_ACCOUNT, SECRET_NOTE):
        assert secret not in logged
