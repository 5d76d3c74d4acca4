"""``GET /v1/stats``: live agent and queue figures, and today's counters (service level, offers,
accept and handoff times) per tenant and per queue, reset at the tenant's midnight."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from routing.service import tenants
from routing.service.settings import StatsSettings
from routing.service.stats import day_start_s
from tests.service.conftest import T0, Api, agent_body, make_api

LATER = "2026-01-01T09:00:05+00:00"


def stats(api: Api) -> dict[str, Any]:
    r = api.get("/v1/stats")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def queue(body: dict[str, Any], channel: str, *skills: str) -> dict[str, Any]:
    found = [q for q in body["queues"] if q["channel"] == channel and q["required_skills"] == list(skills)]
    assert len(found) == 1, body["queues"]
    return found[0]


def a_busy_morning(api: Api) -> None:
    """ana takes e1 after 5 s; e2 and e3 wait 40 s; e4 (legal) has nobody and is deferred."""
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}, status="available"))
    api.post("/v1/agents", agent_body("bob", status="away"))
    api.post("/v1/agents", agent_body("carl", channels={"voice": 1}, status="available"))
    first = api.escalate("e1").json()
    api.clock.advance(5)
    assert api.post(f"/v1/offers/{first['decision']['offer_id']}/accept").status_code == 200
    assert api.escalate("e2", created_at=LATER).json()["decision"]["outcome"] == "queued"
    assert api.escalate("e3", created_at=LATER).json()["decision"]["outcome"] == "queued"
    legal = api.escalate("e4", created_at=LATER, required_skills={"legal": 1}).json()
    assert legal["decision"]["outcome"] == "deferred"
    api.clock.advance(40)
    api.post("/v1/escalations/e1/complete", {"resolved": True})  # e2 is offered to ana


def test_tenant_and_queue_figures_now_and_today(api: Api) -> None:
    a_busy_morning(api)
    body = stats(api)
    assert body["time_zone"] == "UTC"
    assert body["day_started_at"] == "2026-01-01T00:00:00.000Z"
    assert body["service_level_threshold_s"] == 30.0
    assert body["service_level_goal"] == 0.8
    assert body["agents"] == {
        "eligible": 3,
        "available": 2,
        "busy": 0,
        "wrap_up": 0,
        "not_responding": 0,
        "away": 1,
        "offline": 0,
    }
    assert body["waiting"] == 1
    assert body["longest_wait_s"] == 40.0  # e3, created at 09:00:05
    today = body["today"]
    assert today["escalations_arrived"] == 4
    assert today["escalations_deferred"] == 1
    # e1 accepted in 5 s; e2 and e3 waited 40 s; e4 deferred: all four are known against 30 s
    assert (today["accepted_within_threshold"], today["service_level_basis"]) == (1, 4)
    assert today["service_level"] == 0.25
    assert (today["offers_made"], today["offers_accepted"]) == (2, 1)
    assert today["avg_accept_s"] == 5.0
    assert today["avg_handoff_s"] == 5.0

    billing = queue(body, "chat", "billing")
    assert (billing["waiting"], billing["longest_wait_s"]) == (1, 40.0)
    assert billing["agents"]["eligible"] == 2  # ana and bob; carl works voice only
    assert (billing["agents"]["available"], billing["agents"]["away"]) == (1, 1)
    assert billing["today"]["escalations_arrived"] == 3
    assert billing["today"]["service_level"] == round(1 / 3, 4)
    legal = queue(body, "chat", "legal")
    assert legal["waiting"] == 0
    assert legal["longest_wait_s"] is None
    assert legal["agents"]["eligible"] == 0
    assert legal["today"]["escalations_deferred"] == 1
    assert legal["today"]["service_level"] == 0.0
    assert legal["today"]["avg_accept_s"] is None


def test_declines_expiries_and_short_waits(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}, status="available"))
    api.post("/v1/agents", agent_body("bob", channels={"chat": 1}, status="available"))
    offer = api.escalate("e1").json()["decision"]
    api.clock.advance(2)
    assert api.post(f"/v1/offers/{offer['offer_id']}/decline").status_code == 200  # -> the other
    api.tick(25)  # that offer expires unanswered (20 s)
    today = stats(api)["today"]
    assert (today["offers_made"], today["offers_declined"], today["offers_expired"]) >= (2, 1, 1)
    assert today["offers_accepted"] == 0
    assert today["avg_accept_s"] is None


def test_a_wait_within_the_threshold_is_not_counted_yet(api: Api) -> None:
    api.escalate("e1")  # nobody staffed at all: deferred, so counted
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}, status="available"))
    api.post("/v1/agents", agent_body("bob", status="offline"))
    api.escalate("e2")  # offered to ana, not accepted yet: within the threshold
    today = stats(api)["today"]
    assert (today["escalations_arrived"], today["service_level_basis"]) == (2, 1)
    assert today["service_level"] == 0.0
    api.clock.advance(31)  # e2 has waited past the threshold without an acceptance: a miss
    today = stats(api)["today"]
    assert today["service_level_basis"] == 2


def test_counters_start_again_at_midnight_but_the_queue_stays(api: Api) -> None:
    a_busy_morning(api)
    api.clock.advance(15 * 3600)  # 2026-01-02T00:00:45Z
    body = stats(api)
    assert body["day_started_at"] == "2026-01-02T00:00:00.000Z"
    today = body["today"]
    assert today["escalations_arrived"] == 0
    # e2's offer to ana ran out overnight, unseen (nothing ran): caught up at now, ana is not
    # blamed and gets it again, so today's one offer is that one
    assert today["offers_made"] == 1
    assert today["service_level"] is None
    assert today["avg_handoff_s"] is None
    assert body["waiting"] >= 1  # yesterday's e3 still waits, and its queue is listed
    assert queue(body, "chat", "billing")["waiting"] == body["waiting"]
    api.post("/v1/agents", agent_body("dan", channels={"chat": 3}, status="available"))
    today = stats(api)["today"]
    # yesterday's escalations, offered and accepted today, count in today's offers
    assert today["offers_made"] >= 1
    assert today["escalations_arrived"] == 0


@pytest.fixture
def tokyo(tmp_path: Path) -> Iterator[Api]:
    yield from make_api(f"sqlite:///{tmp_path / 'h.db'}", stats={"tenant_time_zones": {"acme": "Asia/Tokyo"}})


def test_today_follows_the_tenants_time_zone(tokyo: Api) -> None:
    api = tokyo
    a_busy_morning(api)  # 18:00 in Tokyo
    body = stats(api)
    assert body["time_zone"] == "Asia/Tokyo"
    assert body["day_started_at"] == "2025-12-31T15:00:00.000Z"
    assert body["today"]["escalations_arrived"] == 4
    api.clock.advance(6 * 3600)  # 00:00:45 in Tokyo, 15:00:45 UTC: a new day there only
    body = stats(api)
    assert body["day_started_at"] == "2026-01-01T15:00:00.000Z"
    assert body["today"]["escalations_arrived"] == 0
    other = api.get("/v1/stats", key=api.other_key).json()
    assert other["time_zone"] == "UTC"


def test_stats_are_the_callers_tenants_and_need_read(api: Api) -> None:
    a_busy_morning(api)
    other = api.get("/v1/stats", key=api.other_key).json()
    assert other["today"]["escalations_arrived"] == 0
    assert other["queues"] == []
    writer = tenants.provision(api.service.db, "acme", scopes=["agents:write"], now_s=T0)
    assert api.get("/v1/stats", key=writer).status_code == 403
    assert api.client.get("/v1/stats").status_code == 401


def test_day_start_is_local_midnight() -> None:
    assert day_start_s(T0, "UTC") == T0 - 9 * 3600
    assert day_start_s(T0, "America/New_York") == T0 - 4 * 3600  # 04:00 there: midnight was 05:00Z
    with pytest.raises(ValueError, match="Mars/Olympus"):
        StatsSettings(time_zone="Mars/Olympus")
