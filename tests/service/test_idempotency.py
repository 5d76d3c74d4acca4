"""Idempotency-Key per the IETF draft: replay, mismatch (422), in flight (409), per tenant."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from routing.dispatcher import Dispatcher
from routing.service.storage.models import EscalationRow
from tests.service.conftest import Api, agent_body, escalation_body


def count_escalations(api: Api) -> int:
    with api.service.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(EscalationRow)) or 0)


def test_same_key_same_body_replays_the_same_response(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    body = escalation_body("e1")
    first = api.post("/v1/escalations", body, **{"Idempotency-Key": "abc"})
    api.clock.advance(5)
    again = api.post("/v1/escalations", body, **{"Idempotency-Key": "abc"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_escalations(api) == 1


def test_same_key_other_body_is_422(api: Api) -> None:
    api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "abc"})
    r = api.post("/v1/escalations", escalation_body("e2"), **{"Idempotency-Key": "abc"})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "header.Idempotency-Key", "problem": "already used with a different request body"}
    ]
    assert count_escalations(api) == 1


def test_missing_key_is_400_naming_the_header(api: Api) -> None:
    r = api.post("/v1/escalations", escalation_body("e1"))
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert count_escalations(api) == 0


def test_keys_are_scoped_per_tenant(api: Api) -> None:
    a = api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "same"})
    b = api.post("/v1/escalations", escalation_body("e1"), api.other_key, **{"Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 201
    assert "Idempotent-Replayed" not in b.headers
    assert count_escalations(api) == 2


def test_concurrent_in_flight_duplicate_is_409_then_replays(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    original = Dispatcher.escalation_arrived

    def slow(self: Dispatcher, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(10)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Dispatcher, "escalation_arrived", slow)
    body = escalation_body("e1")
    results: dict[str, Any] = {}
    first = threading.Thread(
        target=lambda: results.setdefault(
            "first", api.post("/v1/escalations", body, **{"Idempotency-Key": "k"})
        )
    )
    first.start()
    assert entered.wait(10)
    duplicate = api.post("/v1/escalations", body, **{"Idempotency-Key": "k"})
    assert duplicate.status_code == 409
    assert duplicate.headers["Retry-After"] == "1"
    release.set()
    first.join(10)
    assert results["first"].status_code == 201
    retry = api.post("/v1/escalations", body, **{"Idempotency-Key": "k"})
    assert retry.status_code == 201
    assert retry.json() == results["first"].json()
    assert count_escalations(api) == 1
