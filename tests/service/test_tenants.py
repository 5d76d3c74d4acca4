"""Tenants: keys stored hashed, scopes enforced, and no tenant ever sees another's data."""

from __future__ import annotations

from sqlalchemy import select

from routing.service import tenants
from routing.service.storage.models import ApiKey
from tests.service.conftest import T0, Api, agent_body, escalation_body


def test_no_key_or_unknown_key_is_401(api: Api) -> None:
    r = api.client.get("/v1/queues")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.headers["content-type"] == "application/problem+json"
    assert api.client.get("/v1/queues", headers={"Authorization": "Bearer hk_nobody"}).status_code == 401
    assert api.client.get("/v1/queues", headers={"Authorization": "Basic abc"}).status_code == 401


def test_missing_scope_is_403(api: Api) -> None:
    reader = tenants.provision(api.service.db, "acme", scopes=["read"], now_s=T0)
    writer = tenants.provision(api.service.db, "acme", scopes=["escalations:write"], now_s=T0)
    assert api.get("/v1/queues", reader).status_code == 200
    r = api.post("/v1/agents", agent_body("ana"), reader)
    assert r.status_code == 403
    assert "agents:write" in r.json()["detail"]
    assert (
        api.post("/v1/escalations", escalation_body("e1"), reader, **{"Idempotency-Key": "k"}).status_code
        == 403
    )
    assert (
        api.post("/v1/escalations", escalation_body("e1"), writer, **{"Idempotency-Key": "k"}).status_code
        == 201
    )
    assert api.get("/v1/escalations/e1", writer).status_code == 403
    assert api.post("/v1/offers/e1~1/accept", key=writer).status_code == 403


def test_other_tenants_data_is_404(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    offer = api.escalate("e1").json()["decision"]["offer_id"]
    other = api.other_key
    assert api.get("/v1/escalations/e1", other).status_code == 404
    assert api.get("/v1/agents/ana", other).status_code == 404
    assert api.get("/v1/agents", other).json() == []
    assert api.post(f"/v1/offers/{offer}/accept", key=other).status_code == 404
    assert api.post(f"/v1/offers/{offer}/decline", key=other).status_code == 404
    assert api.put("/v1/agents/ana/status", {"status": "offline"}, other).status_code == 404
    assert api.post("/v1/escalations/e1/complete", {"resolved": True}, other).status_code == 404
    assert api.get("/v1/audit", other).json()["events"] == []
    assert api.get("/v1/queues", other).json()["depth"] == 0
    # the other tenant's own escalation with the same id is its own
    assert api.escalate("e1", other).status_code == 201
    assert api.get("/v1/escalations/e1", other).json()["state"] == "deferred"  # globex has no agents
    assert api.get("/v1/escalations/e1").json()["state"] == "offered"


def test_keys_are_stored_hashed(api: Api) -> None:
    with api.service.db.read() as s:
        stored = s.scalars(select(ApiKey.key_hash)).all()
    assert len(stored) >= 2
    assert api.key not in stored
    assert all(len(h) == 64 and api.key not in h for h in stored)
