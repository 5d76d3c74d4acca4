"""``GET /v1/agents/{id}/offers`` and ``GET /v1/escalations/{id}/position``: the agent's pending
offers with their expiry and summary (never the transcript); a queued escalation's live position,
ETA and reason, recomputed on each call without storing anything (the tenant's version stays)."""

from __future__ import annotations

from sqlalchemy import select

from routing.service import tenants
from routing.service.storage.models import Tenant
from tests.service.conftest import T0, Api, agent_body


def version(api: Api) -> int:
    with api.service.db.read() as s:
        return int(s.execute(select(Tenant.version).where(Tenant.id == "acme")).scalar_one())


def test_pending_offers_carry_expiry_and_summary_never_the_transcript(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 2}))
    offers = [api.escalate(f"e{i}").json()["decision"]["offer_id"] for i in (1, 2)]
    api.clock.advance(5)
    r = api.get("/v1/agents/ana/offers")
    assert r.status_code == 200, r.text
    got = r.json()
    assert [o["offer_id"] for o in got] == offers
    assert [o["escalation_id"] for o in got] == ["e1", "e2"]
    first = got[0]
    assert first["channel"] == "chat"
    assert first["expires_at"].endswith("Z") or first["expires_at"].endswith("+00:00")
    assert 0 < first["expires_in_s"] <= 20 - 5
    assert first["context"] == {
        "summary": "double charge",
        "intent": "refund",
        "reason": "customer asked for a human",
    }
    assert "transcript" not in r.text
    assert "account" not in r.text
    assert api.post(f"/v1/offers/{offers[0]}/accept").status_code == 200
    assert [o["offer_id"] for o in api.get("/v1/agents/ana/offers").json()] == offers[1:]


def test_offers_of_unknown_or_another_tenants_agent_are_404_and_need_read(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    assert api.get("/v1/agents/nobody/offers").status_code == 404
    r = api.get("/v1/agents/ana/offers", key=api.other_key)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    writer = tenants.provision(api.service.db, "acme", scopes=["agents:write"], now_s=T0)
    assert api.get("/v1/agents/ana/offers", key=writer).status_code == 403
    assert api.client.get("/v1/agents/ana/offers").status_code == 401


def test_position_is_live_and_reading_it_stores_nothing(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    first = api.escalate("e1").json()
    api.escalate("e2")
    api.escalate("e3")
    before = version(api)
    r = api.get("/v1/escalations/e3/position")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "queued"
    assert body["position"] == 2
    assert body["eta_s"] is None or body["eta_s"] > 0
    assert body["reason"]
    assert api.get("/v1/escalations/e2/position").json()["position"] == 1
    offered = api.get("/v1/escalations/e1/position").json()
    assert offered == {
        "escalation_id": "e1",
        "state": "offered",
        "position": None,
        "eta_s": None,
        "reason": None,
    }
    assert version(api) == before  # reads never bump the tenant's version

    api.post(f"/v1/offers/{first['decision']['offer_id']}/accept")
    api.clock.advance(60)
    api.post("/v1/escalations/e1/complete", {"resolved": True})  # e2 is offered, e3 moves up
    assert api.get("/v1/escalations/e3/position").json()["position"] == 1
    assert api.get("/v1/escalations/e2/position").json()["state"] == "offered"


def test_position_of_unknown_or_another_tenants_escalation_is_404_and_needs_read(api: Api) -> None:
    api.escalate("e1")
    assert api.get("/v1/escalations/nope/position").status_code == 404
    assert api.get("/v1/escalations/e1/position", key=api.other_key).status_code == 404
    writer = tenants.provision(api.service.db, "acme", scopes=["escalations:write"], now_s=T0)
    assert api.get("/v1/escalations/e1/position", key=writer).status_code == 403
