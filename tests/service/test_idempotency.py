"""Idempotency-Key per the IETF draft: replay, mismatch (422), in flight (409), per tenant, and
expiry (a key is remembered ``idempotency.ttl_s``, then purged in bounded batches)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from routing.dispatcher import Dispatcher
from routing.service.storage.models import EscalationRow, IdempotencyKey
from tests.service.conftest import Api, agent_body, escalation_body, make_api

DAY_S = 86_400.0


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


def count_records(api: Api) -> int:
    with api.service.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(IdempotencyKey)) or 0)


def test_a_replay_after_expiry_is_a_new_request(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    first = api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "abc"})
    api.clock.advance(DAY_S - 1)
    replay = api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "abc"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    api.clock.advance(1)  # 24 h after the first request: the key is forgotten
    again = api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "abc"})
    assert again.status_code == 409  # a new request for an escalation that exists
    assert "Idempotent-Replayed" not in again.headers
    other = api.post("/v1/escalations", escalation_body("e2"), **{"Idempotency-Key": "abc"})
    assert other.status_code == 201  # not 422: the old body is no longer remembered
    assert "Idempotent-Replayed" not in other.headers
    replay = api.post("/v1/escalations", escalation_body("e2"), **{"Idempotency-Key": "abc"})
    assert replay.headers["Idempotent-Replayed"] == "true"  # remembered anew
    assert count_escalations(api) == 2


@pytest.fixture(params=["sqlite", "postgresql"])
def short_lived(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The app with keys remembered 60 s and purged two at a time."""
    settings: dict[str, Any] = {"idempotency": {"ttl_s": 60, "purge_batch": 2}}
    if request.param == "sqlite":
        yield from make_api(f"sqlite:///{tmp_path / 'h.db'}", **settings)
    else:
        yield from make_api(request.getfixturevalue("postgres_url"), **settings)


def test_expired_records_are_purged_a_bounded_batch_per_tick(short_lived: Api) -> None:
    api = short_lived
    for i in range(3):
        api.escalate(f"e{i}")
    api.clock.advance(30)
    api.escalate("late")
    api.tick(0)
    assert count_records(api) == 4  # none expired yet
    api.clock.advance(30)  # e0-e2 expire now
    api.tick(0)
    assert count_records(api) == 2  # two per round
    api.tick(0)
    assert count_records(api) == 1
    api.tick(0)
    assert count_records(api) == 1  # "late" is still fresh
    assert api.escalate("late").headers["Idempotent-Replayed"] == "true"
    assert count_escalations(api) == 4


def test_the_ttl_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from routing.service.settings import ServiceSettings

    assert ServiceSettings().idempotency.ttl_s == DAY_S
    monkeypatch.setenv("HANDOFF_IDEMPOTENCY__TTL_S", "3600")
    assert ServiceSettings().idempotency.ttl_s == 3600
    monkeypatch.setenv("HANDOFF_IDEMPOTENCY__TTL_S", "0")
    with pytest.raises(ValueError, match="ttl_s"):
        ServiceSettings()


def test_housekeeping_runs_every_round_while_it_finds_work_else_once_a_second(api: Api) -> None:
    calls: list[float] = []
    backlog = [3]

    def job(now_s: float) -> int:  # as the retention's redaction: rows changed this round
        calls.append(now_s)
        done = min(backlog[0], 1)
        backlog[0] -= done
        return done

    api.service.housekeeping.append(job)
    for _ in range(5):  # three rounds drain the backlog, the fourth finds nothing
        api.tick(0)
    assert len(calls) == 4
    api.tick(0.5)
    assert len(calls) == 4  # nothing found under a second ago: not looked again
    api.tick(0.5)
    assert len(calls) == 5
