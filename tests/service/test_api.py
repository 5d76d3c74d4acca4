"""The API end to end in one process: offers, queueing, deferral, decline, expiry, completion,
queues, audit, metrics. Time is a manual clock; nothing sleeps."""

from __future__ import annotations

from urllib.parse import quote

from tests.service.conftest import Api, agent_body


def test_offer_accept_complete_carries_the_context_and_explains_itself(api: Api) -> None:
    assert api.post("/v1/agents", agent_body("ana")).status_code == 201
    r = api.escalate("e1")
    assert r.status_code == 201
    created = r.json()
    assert created["state"] == "offered"
    decision = created["decision"]
    assert decision["outcome"] == "offered"
    assert decision["agent_id"] == "ana"
    assert decision["expires_at"].startswith("2026-01-01T09:00:20")
    assert decision["explanation"]["eligible"] == 1

    api.clock.advance(6)
    r = api.post(f"/v1/offers/{quote(decision['offer_id'])}/accept")
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert accepted["agent_id"] == "ana"
    assert accepted["handoff_s"] == 6.0
    assert accepted["context"]["transcript"][0]["text"] == "I was charged twice"
    assert accepted["context"]["account"] == {"plan": "pro"}
    assert api.get("/v1/agents/ana").json()["load"] == {"chat": 1}

    outcome = {
        "resolved": True,
        "ai_failure_reason": "refund over the AI's limit",
        "return_to_ai_allowed": False,
    }
    r = api.post("/v1/escalations/e1/complete", outcome)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "completed"

    view = api.get("/v1/escalations/e1").json()
    assert view["state"] == "completed"
    assert view["agent_id"] == "ana"
    assert view["handoff_s"] == 6.0
    assert view["outcome"]["ai_failure_reason"] == "refund over the AI's limit"
    assert view["context"]["summary"] == "double charge"
    kinds = [h["kind"] for h in view["history"]]
    assert kinds == ["escalation_received", "offer", "assigned", "outcome", "finished"]
    assert view["history"][1]["detail"]["explanation"]["winner_cost"]["total"] > 0
    assert api.get("/v1/agents/ana").json()["load"] == {}
    # completing twice is a conflict, not an error of the server
    assert api.post("/v1/escalations/e1/complete", outcome).status_code == 409


def test_queued_with_position_and_eta_then_offered_when_an_agent_frees_up(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    first = api.escalate("e1").json()
    r = api.escalate("e2")
    assert r.status_code == 201
    queued = r.json()
    assert queued["state"] == "queued"
    assert queued["decision"]["position"] == 1
    assert queued["decision"]["eta_s"] > 0
    queues = api.get("/v1/queues").json()
    assert queues["depth"] == 1
    assert queues["segments"][0]["channel"] == "chat"
    assert queues["segments"][0]["required_skills"] == ["billing"]

    api.clock.advance(3)
    api.post(f"/v1/offers/{first['decision']['offer_id']}/accept")
    api.clock.advance(100)
    api.post("/v1/escalations/e1/complete", {"resolved": True})
    view = api.get("/v1/escalations/e2").json()
    assert view["state"] == "offered"
    assert view["agent_id"] == "ana"
    assert api.get("/v1/queues").json()["depth"] == 0


def test_deferred_when_nobody_could_ever_take_it(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    r = api.escalate("e1", required_skills={"legal": 4}, channel="voice")
    assert r.status_code == 201
    body = r.json()
    assert body["state"] == "deferred"
    assert body["decision"]["mode"] == "callback"
    assert "no agent" in body["decision"]["reason"]


def test_declined_offer_goes_to_someone_else_never_back(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.post("/v1/agents", agent_body("bob"))
    first = api.escalate("e1").json()["decision"]
    r = api.post(f"/v1/offers/{first['offer_id']}/decline")
    assert r.status_code == 200, r.text
    declined = r.json()
    assert declined["state"] == "offered"
    assert declined["next_decision"]["agent_id"] not in (None, first["agent_id"])
    # the declined offer is gone
    assert api.post(f"/v1/offers/{first['offer_id']}/accept").status_code == 409


def test_unanswered_offer_expires_agent_not_responding_and_reoffered(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.post("/v1/agents", agent_body("bob"))
    first = api.escalate("e1").json()["decision"]
    api.tick(19.0)
    assert api.get("/v1/escalations/e1").json()["offer_id"] == first["offer_id"]
    api.tick(1.5)
    view = api.get("/v1/escalations/e1").json()
    assert view["state"] == "offered"
    assert view["agent_id"] != first["agent_id"]
    assert view["offers_made"] == 2
    assert api.get(f"/v1/agents/{first['agent_id']}").json()["status"] == "not_responding"
    kinds = [h["kind"] for h in view["history"]]
    assert kinds[:3] == ["escalation_received", "offer", "offer_revoked"]
    assert kinds.count("offer") == 2
    assert api.post(f"/v1/offers/{first['offer_id']}/accept").status_code == 409


def test_going_offline_withdraws_offers_and_status_round_trips(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.escalate("e1")
    r = api.put("/v1/agents/ana/status", {"status": "offline"})
    assert r.status_code == 200
    assert r.json()["status"] == "offline"
    assert r.json()["load"] == {}
    assert api.get("/v1/escalations/e1").json()["state"] in ("queued", "deferred")
    r = api.put("/v1/agents/ana/status", {"status": "available"})
    assert r.json()["status"] == "available"


def test_agents_create_update_and_list(api: Api) -> None:
    assert api.put("/v1/agents/ana", agent_body("ana")).status_code == 201
    r = api.put("/v1/agents/ana", agent_body("ana", skills={"billing": 5}, tier=2))
    assert r.status_code == 200
    assert r.json()["profile"]["skills"] == {"billing": 5}
    assert api.post("/v1/agents", agent_body("ana")).status_code == 409
    assert [a["id"] for a in api.get("/v1/agents").json()] == ["ana"]
    r = api.put("/v1/agents/bob", agent_body("ana"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.id"


def test_audit_health_and_metrics(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    offer = api.escalate("e1").json()["decision"]
    api.clock.advance(4)
    api.post(f"/v1/offers/{offer['offer_id']}/accept")
    page = api.get("/v1/audit", escalation_id="e1").json()
    assert [e["kind"] for e in page["events"]] == ["escalation_received", "offer", "assigned"]
    assert page["next_after_seq"] is None
    first = api.get("/v1/audit", limit=1).json()
    assert first["next_after_seq"] == first["events"][0]["seq"]
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready"}
    metrics = api.client.get("/metrics", headers=api.h(api.metrics_key))
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'handoff_decisions_total{kind="offer"} 1' in text
    assert 'handoff_handoff_seconds_bucket{le="5"} 1' in text
    assert "handoff_handoff_seconds_count 1" in text
    assert 'handoff_events_total{event="escalation_created"} 1' in text


def test_a_declined_escalation_comes_back_after_the_cool_down_even_across_a_rebuild(api: Api) -> None:
    """The void policy survives storage: the re-offer cool-down is stored, so a dispatcher rebuilt
    from the rows (another instance, a restart) offers the escalation again when it ends."""
    api.post("/v1/agents", agent_body("ana"))
    first = api.escalate("e1").json()["decision"]
    declined = api.post(f"/v1/offers/{first['offer_id']}/decline").json()
    assert declined["state"] == "queued"
    assert "offered it again" in declined["next_decision"]["reason"]
    api.service.work._cache.clear()  # the next event rebuilds the dispatcher from the rows
    api.tick(30.0)
    assert api.get("/v1/escalations/e1").json()["state"] == "queued"
    api.service.work._cache.clear()
    api.tick(31.0)
    view = api.get("/v1/escalations/e1").json()
    assert view["state"] == "offered"
    assert view["agent_id"] == "ana"
    assert view["offers_made"] == 2
