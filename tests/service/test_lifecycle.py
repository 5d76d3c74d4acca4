"""The escalation lifecycle over HTTP, on SQLite and PostgreSQL: cancel (racing accept, unknown,
another tenant's, finished, assigned), hand back, transfer (to a skill nobody has: deferred),
wrap-up (expiry with the manual clock, ended early, across a rebuild) and callbacks, with their
events in the outbox in order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from routing.service.storage.models import OutboxEvent
from tests.service.conftest import Api, agent_body, make_api


def types(api: Api, esc_id: str) -> list[str]:
    with api.service.db.read() as s:
        rows = s.scalars(
            select(OutboxEvent).where(OutboxEvent.escalation_id == esc_id).order_by(OutboxEvent.position)
        ).all()
        return [r.type for r in rows]


def event(api: Api, esc_id: str, kind: str) -> dict[str, Any]:
    with api.service.db.read() as s:
        row = s.scalars(
            select(OutboxEvent).where(OutboxEvent.escalation_id == esc_id, OutboxEvent.type == kind)
        ).first()
        assert row is not None, f"no {kind} event of {esc_id}"
        return dict(json.loads(row.body))


def assigned(api: Api, esc_id: str, agent: str = "ana") -> None:
    offer = api.escalate(esc_id).json()["decision"]
    assert offer["agent_id"] == agent
    assert api.post(f"/v1/offers/{offer['offer_id']}/accept").status_code == 200


def test_cancel_withdraws_the_offer_and_refuses_a_later_accept(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    offer = api.escalate("e1").json()["decision"]
    api.escalate("e2")  # waits: ana's only slot is offered e1
    r = api.post("/v1/escalations/e1/cancel", {"reason": "resolved_by_ai"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "cancelled"
    assert r.json()["offer_withdrawn"] == offer["offer_id"]
    late = api.post(f"/v1/offers/{offer['offer_id']}/accept")
    assert late.status_code == 409
    assert "cancelled (resolved_by_ai)" in late.json()["detail"]
    assert types(api, "e1") == ["escalation.offered", "escalation.cancelled", "offer.revoked"]
    assert event(api, "e1", "escalation.cancelled")["data"] == {
        "state": "cancelled",
        "reason": "resolved_by_ai",
    }
    assert types(api, "e2") == ["escalation.queued", "escalation.offered"]  # the slot went on at once
    assert api.get("/v1/escalations/e2").json()["agent_id"] == "ana"


def test_accept_before_cancel_makes_the_cancel_a_conflict(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    assigned(api, "e1")
    r = api.post("/v1/escalations/e1/cancel", {"reason": "customer_left"})
    assert r.status_code == 409
    assert "hands it back or completes it" in r.json()["detail"]


def test_customer_left_is_abandoned_apart_from_cancelled(api: Api) -> None:
    api.escalate("e1")  # nobody on the roster: deferred... so add an agent who is away
    api.post("/v1/agents", agent_body("ana", status="away"))
    api.escalate("e2")
    r = api.post("/v1/escalations/e2/cancel", {"reason": "customer_left"})
    assert r.json()["state"] == "abandoned"
    assert api.get("/v1/escalations/e2").json()["state"] == "abandoned"


def test_cancel_of_unknown_other_tenant_finished_and_bad_input(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", status="away"))
    api.escalate("e1")
    assert api.post("/v1/escalations/nope/cancel", {"reason": "duplicate"}).status_code == 404
    assert (
        api.post("/v1/escalations/e1/cancel", {"reason": "duplicate"}, key=api.other_key).status_code == 404
    )
    bad = api.post("/v1/escalations/e1/cancel", {"reason": "other"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.note"
    wrong = api.post("/v1/escalations/e1/cancel", {"reason": "bored"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "body.reason"
    assert api.post("/v1/escalations/e1/cancel", {"reason": "other", "note": "test"}).status_code == 200
    again = api.post("/v1/escalations/e1/cancel", {"reason": "duplicate"})
    assert again.status_code == 409
    assert "already cancelled" in again.json()["detail"]


def test_hand_back_frees_the_slot_for_the_next(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    assigned(api, "e1")
    api.escalate("e2")
    r = api.post("/v1/escalations/e1/hand-back", {"outcome": "ai_can_continue", "note": "verified identity"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "handed_back"
    back = event(api, "e1", "escalation.handed_back")["data"]
    assert back == {"agent_id": "ana", "outcome": "ai_can_continue", "owner": "ai"}
    assert api.get("/v1/escalations/e2").json()["state"] == "offered"
    assert api.post("/v1/escalations/e2/hand-back", {"outcome": "resolved"}).status_code == 409


def test_transfer_routes_again_keeping_its_clock_and_never_back(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", skills={"billing": 3, "tech": 3}))
    api.post("/v1/agents", agent_body("bob", skills={"tech": 3}, status="away"))
    assigned(api, "e1")
    api.clock.advance(40)
    r = api.post("/v1/escalations/e1/transfer", {"reason": "a tech problem", "required_skills": {"tech": 2}})
    assert r.status_code == 200, r.text
    assert r.json()["transfers"] == 1
    assert r.json()["decision"]["outcome"] == "queued"  # ana may not have it back, bob is away
    api.put("/v1/agents/bob/status", {"status": "available"})
    view = api.get("/v1/escalations/e1").json()
    assert view["agent_id"] == "bob"
    assert view["created_at"] == "2026-01-01T09:00:00.000Z"
    assert view["escalation"]["required_skills"] == {"tech": 2}
    assert types(api, "e1")[:5] == [
        "escalation.offered",
        "escalation.assigned",
        "escalation.transferred",
        "escalation.queued",
        "escalation.offered",
    ]
    moved = event(api, "e1", "escalation.transferred")["data"]
    assert moved == {"from_agent_id": "ana", "transfers": 1, "reason": "a tech problem"}
    bad = api.post("/v1/escalations/e1/transfer", {"reason": "x", "complexity_tier": 9})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.complexity_tier"


def test_transfer_to_a_skill_nobody_has_is_deferred(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    assigned(api, "e1")
    r = api.post("/v1/escalations/e1/transfer", {"reason": "legal", "required_skills": {"legal": 4}})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "deferred"
    assert r.json()["decision"]["reason"] == "no agent on the roster can take this escalation"


@pytest.fixture(params=["sqlite", "postgresql"])
def wrap_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    routing = {"wrap_up_s": {"chat": 60}}
    if request.param == "sqlite":
        yield from make_api(f"sqlite:///{tmp_path / 'h.db'}", routing=routing)
    else:
        yield from make_api(request.getfixturevalue("postgres_url"), routing=routing)


def test_wrap_up_holds_the_slot_until_it_expires(wrap_api: Api) -> None:
    api = wrap_api
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    assigned(api, "e1")
    api.escalate("e2")
    done = api.post("/v1/escalations/e1/complete", {"resolved": True, "wrap_up_s": 30})
    assert done.status_code == 200, done.text
    assert done.json()["wrap_up_s"] == 30
    agent = api.get("/v1/agents/ana").json()
    assert agent["wrap_up_until"] == "2026-01-01T09:00:30.000Z"
    assert agent["load"] == {"chat": 1}
    api.service.work._cache.clear()  # a restart: the wrap-up is restored from its row
    api.tick(29)
    assert api.get("/v1/escalations/e2").json()["state"] == "queued"
    api.tick(1)
    assert api.get("/v1/escalations/e2").json()["state"] == "offered"
    assert api.get("/v1/agents/ana").json()["wrap_up_until"] is None
    assert event(api, "e1", "agent.wrap_up_ended")["data"] == {"agent_id": "ana", "wrap_up_s": 30.0}


def test_wrap_up_ended_early_and_bounded(wrap_api: Api) -> None:
    api = wrap_api
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    assigned(api, "e1")
    done = api.post("/v1/escalations/e1/complete", {"resolved": True, "wrap_up_s": 999})
    assert done.json()["wrap_up_s"] == 60  # the channel's bound
    api.escalate("e2")
    api.clock.advance(10)
    r = api.post("/v1/agents/ana/wrap-up/end")
    assert r.status_code == 200, r.text
    assert r.json()["wrap_up_until"] is None
    assert api.get("/v1/escalations/e2").json()["state"] == "offered"
    with api.service.db.read() as s:
        from routing.service.storage import repository

        row = repository.escalation(s, "acme", "e1")
        assert row is not None
        assert row.wrap_up_s == pytest.approx(10.0)
    assert api.post("/v1/agents/nobody/wrap-up/end").status_code == 404
    assert api.post("/v1/escalations/e1/complete", {"resolved": True, "wrap_up_s": -1}).status_code == 422


def test_callback_keeps_its_place_and_the_offer_says_so(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"voice": 1}, status="away"))
    api.escalate("v1", channel="voice")
    api.escalate("v2", channel="voice")
    bad = api.post("/v1/escalations/v1/callback", {"phone": "12"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.phone"
    r = api.post("/v1/escalations/v1/callback", {"phone": "+14155550100", "notes": "after 5pm"})
    assert r.status_code == 200, r.text
    assert api.get("/v1/escalations/v1/position").json()["position"] == 1
    api.put("/v1/agents/ana/status", {"status": "available"})
    offered = event(api, "v1", "escalation.offered")["data"]
    assert offered["callback"] is True
    assert types(api, "v1") == ["escalation.queued", "escalation.callback_requested", "escalation.offered"]
    accepted = api.post(f"/v1/offers/{offered['offer_id']}/accept").json()
    assert accepted["callback"]["phone"] == "+14155550100"
    api.escalate("c1")  # chat: callbacks are for voice by default
    assert api.post("/v1/escalations/c1/callback", {"phone": "+14155550100"}).status_code == 409
