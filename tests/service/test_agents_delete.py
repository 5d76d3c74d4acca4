"""``DELETE /v1/agents/{id}``: pending offers withdrawn and re-routed, accepted work kept until
completed, nothing new offered, the audit trail says who and when; idempotent; the same id
added again is reactivated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from routing.service import tenants
from routing.service.clock import ManualClock
from routing.service.storage import repository
from routing.service.storage.models import AuditEvent, OutboxEvent
from tests.service.conftest import T0, Api, agent_body, make_api


def delete(api: Api, agent_id: str, key: str | None = None) -> Any:
    return api.client.delete(f"/v1/agents/{agent_id}", headers=api.h(key))


def events(api: Api) -> list[dict[str, Any]]:
    with api.service.db.read() as s:
        return [json.loads(r.body) for r in s.scalars(select(OutboxEvent).order_by(OutboxEvent.position))]


def audit(api: Api, kind: str) -> list[AuditEvent]:
    with api.service.db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)))


def test_a_pending_offer_is_withdrawn_and_rerouted(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    offer = api.escalate("e1").json()["decision"]
    assert offer["agent_id"] == "ana"
    api.post("/v1/agents", agent_body("bob"))
    api.clock.advance(2)
    r = delete(api, "ana")
    assert r.status_code == 204
    assert r.content == b""
    view = api.get("/v1/escalations/e1").json()
    assert view["state"] == "offered"
    assert view["agent_id"] == "bob"
    assert api.post(f"/v1/offers/{offer['offer_id']}/accept").status_code == 409  # withdrawn
    revoked, offered = [e for e in events(api) if e["escalation_id"] == "e1"][1:]
    assert revoked["type"] == "offer.revoked"
    assert revoked["data"] == {"offer_id": offer["offer_id"], "agent_id": "ana", "reason": "agent removed"}
    assert offered["type"] == "escalation.offered"
    assert offered["agent_id"] == "bob"
    assert api.get("/v1/agents/ana/offers").json() == []
    (entry,) = audit(api, "agent_deactivated")
    assert entry.agent_id == "ana"
    assert entry.at_s == T0 + 2
    assert entry.detail == {
        "by": f"key:{repository.key_id(repository.hash_key(api.key))}",
        "offers_withdrawn": [offer["offer_id"]],
        "assigned_kept": 0,
    }


def test_a_deactivated_agent_is_not_listed_as_active_and_receives_nothing(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.post("/v1/agents", agent_body("bob"))
    assert delete(api, "ana").status_code == 204
    assert [a["id"] for a in api.get("/v1/agents").json()] == ["bob"]
    every = {a["id"]: a for a in api.get("/v1/agents", include_inactive=True).json()}
    assert every["ana"]["active"] is False
    assert every["ana"]["deactivated_at"] == "2026-01-01T09:00:00.000Z"
    assert every["ana"]["status"] == "offline"
    assert every["bob"]["active"] is True
    ana = api.get("/v1/agents/ana").json()
    assert ana["active"] is False
    for i in range(3):
        decision = api.escalate(f"e{i}").json()["decision"]
        assert decision["agent_id"] in (None, "bob")
    r = api.put("/v1/agents/ana/status", {"status": "available"})
    assert r.status_code == 409
    assert "deactivated" in r.json()["detail"]


def test_assigned_work_is_kept_until_completed(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))  # two chat slots
    offer = api.escalate("e1").json()["decision"]
    api.clock.advance(3)
    assert api.post(f"/v1/offers/{offer['offer_id']}/accept").status_code == 200
    assert delete(api, "ana").status_code == 204
    (entry,) = audit(api, "agent_deactivated")
    assert entry.detail["assigned_kept"] == 1
    e1 = api.get("/v1/escalations/e1").json()
    assert (e1["state"], e1["agent_id"]) == ("assigned", "ana")
    api.post("/v1/agents", agent_body("bob", channels={"chat": 1}))
    assert api.escalate("e2").json()["decision"]["agent_id"] == "bob"
    assert api.escalate("e3").json()["state"] == "queued"  # ana's free slot is not offered
    api.tick(30)  # time passes; a rebuilt dispatcher keeps her out of routing too
    api.service.work._cache.clear()
    api.tick(30)
    assert api.get("/v1/escalations/e3").json()["state"] == "queued"
    r = api.post("/v1/escalations/e1/complete", {"resolved": True})
    assert r.status_code == 200
    assert r.json()["state"] == "completed"
    assert [e.agent_id for e in audit(api, "agent_removed")] == ["ana"]
    ana = api.get("/v1/agents/ana").json()
    assert (ana["load"], ana["active"]) == ({}, False)
    assert api.get("/v1/escalations/e3").json()["state"] == "queued"  # her freed slot is not used


def test_unknown_agent_is_404_and_twice_changes_nothing(api: Api) -> None:
    r = delete(api, "nobody")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "unknown agent"  # never the id asked for: the caller's input
    api.post("/v1/agents", agent_body("ana"))
    assert delete(api, "ana").status_code == 204
    api.clock.advance(10)
    assert delete(api, "ana").status_code == 204
    assert len(audit(api, "agent_deactivated")) == 1
    assert api.get("/v1/agents/ana").json()["deactivated_at"] == "2026-01-01T09:00:00.000Z"
    r = delete(api, "bad id!")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "path.agent_id"


def test_scopes_and_tenants(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    reader = tenants.provision(api.service.db, "acme", scopes=["read"], now_s=T0)
    assert delete(api, "ana", reader).status_code == 403
    assert delete(api, "ana", api.other_key).status_code == 404  # globex has no ana
    assert api.get("/v1/agents/ana").json()["active"] is True
    assert api.client.delete("/v1/agents/ana").status_code == 401


def test_adding_the_id_again_reactivates_it(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.post("/v1/agents", agent_body("bob", channels={"chat": 1}))
    delete(api, "ana")
    r = api.post("/v1/agents", agent_body("ana", skills={"billing": 4}))
    assert r.status_code == 201
    assert r.json()["active"] is True
    assert r.json()["deactivated_at"] is None
    assert r.json()["status"] == "available"
    assert r.json()["profile"]["skills"] == {"billing": 4}
    assert [a["id"] for a in api.get("/v1/agents").json()] == ["bob", "ana"]  # at the end now
    assert api.post("/v1/agents", agent_body("ana")).status_code == 409  # active again
    api.escalate("e1")
    api.escalate("e2")
    assert {api.get(f"/v1/escalations/e{i}").json()["agent_id"] for i in (1, 2)} == {"ana", "bob"}
    assert [e.agent_id for e in audit(api, "agent_reactivated")] == ["ana"]
    delete(api, "ana")
    r = api.put("/v1/agents/ana", agent_body("ana", status="away"))
    assert r.status_code == 201  # PUT reactivates as well, with the status it gives
    assert r.json()["status"] == "away"


def test_reactivated_while_still_finishing_accepted_work(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    offer = api.escalate("e1").json()["decision"]
    api.post(f"/v1/offers/{offer['offer_id']}/accept")
    delete(api, "ana")
    assert api.escalate("e2").json()["state"] == "deferred"  # nobody else could take it
    r = api.put("/v1/agents/ana", agent_body("ana"))
    assert r.status_code == 201
    assert r.json()["status"] == "available"
    assert r.json()["load"] == {"chat": 1}  # e1 is still hers
    assert api.escalate("e3").json()["decision"]["agent_id"] == "ana"
    assert api.post("/v1/escalations/e1/complete", {"resolved": True}).status_code == 200
    assert audit(api, "agent_removed") == []
    assert api.get("/v1/agents/ana").json()["active"] is True


def test_another_instance_agrees(tmp_path: Path) -> None:
    """An instance that rebuilds from the rows holds the same roster as the one that deactivated."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    clock = ManualClock(T0)
    first, second = make_api(url, clock), make_api(url, clock)
    a, b = next(first), next(second)
    a.post("/v1/agents", agent_body("ana"))
    offer = a.escalate("e1").json()["decision"]
    a.post(f"/v1/offers/{offer['offer_id']}/accept")
    a.post("/v1/agents", agent_body("bob"))
    assert delete(b, "ana", a.key).status_code == 204
    assert a.escalate("e2", b.key).json()["decision"]["agent_id"] == "bob"
    assert b.post("/v1/escalations/e1/complete", {"resolved": True}, key=a.key).status_code == 200
    assert a.escalate("e3", b.key).json()["decision"]["agent_id"] == "bob"
    assert a.post("/v1/agents", agent_body("ana"), key=b.key).status_code == 201
    assert b.escalate("e4", a.key).json()["decision"]["agent_id"] in ("ana", "bob")
    first.close()
    second.close()
