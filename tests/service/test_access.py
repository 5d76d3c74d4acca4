"""Who may do what: agents' desktop keys act for their own agent only, /metrics needs a key and
names no tenant, rate limits per key and scope, and If-Match on agent profiles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from routing.service import tenants
from tests.service.conftest import Api, agent_body, make_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from make_api(f"sqlite:///{tmp_path / 'h.db'}", sqlite_synchronous="NORMAL")


def _offer_to(api: Api, esc_id: str) -> dict[str, Any]:
    created = api.escalate(esc_id).json()
    decision: dict[str, Any] = {**created["decision"], "escalation_id": created["escalation_id"]}
    assert decision["outcome"] == "offered", decision
    return decision


def _forbidden(response: Any) -> str:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail: str = response.json()["detail"]
    return detail


# ------------------------------------------------------------------------------------ agent keys
def test_an_agent_key_answers_only_its_own_offers(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    api.post("/v1/agents", agent_body("bob", channels={"chat": 1}))
    ana, bob = api.agent_key("ana"), api.agent_key("bob")
    first, second = _offer_to(api, "e1"), _offer_to(api, "e2")
    mine, theirs = (first, second) if first["agent_id"] == "ana" else (second, first)
    assert theirs["agent_id"] == "bob"

    for action in ("accept", "decline"):
        detail = _forbidden(api.post(f"/v1/offers/{theirs['offer_id']}/{action}", key=ana))
        assert "acts for one agent only" in detail
        assert "bob" not in detail
        assert theirs["offer_id"] not in detail
    assert api.get("/v1/agents/bob/offers", key=bob).json()[0]["offer_id"] == theirs["offer_id"]

    accepted = api.post(f"/v1/offers/{mine['offer_id']}/accept", key=ana)
    assert accepted.status_code == 200
    assert accepted.json()["agent_id"] == "ana"
    declined = api.post(f"/v1/offers/{theirs['offer_id']}/decline", key=bob)
    assert declined.status_code == 200


def test_an_agent_key_completes_and_reads_only_its_own(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    api.post("/v1/agents", agent_body("bob", channels={"chat": 1}))
    ana = api.agent_key("ana")
    offers = {d["agent_id"]: d for d in (_offer_to(api, "e1"), _offer_to(api, "e2"))}
    for d in offers.values():  # the integration key (agents:write) acts for any agent
        assert api.post(f"/v1/offers/{d['offer_id']}/accept").status_code == 200
    bobs, anas = offers["bob"]["escalation_id"], offers["ana"]["escalation_id"]

    done = {"resolved": True}
    _forbidden(api.post(f"/v1/escalations/{bobs}/complete", done, key=ana))
    _forbidden(api.post(f"/v1/escalations/{bobs}/hand-back", {"outcome": "unresolved"}, key=ana))
    _forbidden(api.put("/v1/agents/bob/status", {"status": "away"}, key=ana))
    _forbidden(api.post("/v1/agents/bob/wrap-up/end", key=ana))
    _forbidden(api.get("/v1/agents/bob/offers", key=ana))
    _forbidden(api.get("/v1/agents/bob", key=ana))
    # what no agent key may do at all: the scope is missing
    _forbidden(api.get(f"/v1/escalations/{anas}", key=ana))
    _forbidden(api.put("/v1/agents/ana", agent_body("ana"), key=ana))
    _forbidden(api.post("/v1/escalations", {}, key=ana, **{"Idempotency-Key": "k"}))

    assert api.get("/v1/agents/ana", key=ana).status_code == 200
    assert api.get("/v1/agents/ana/offers", key=ana).json() == []
    completed = api.post(f"/v1/escalations/{anas}/complete", done, key=ana)
    assert completed.status_code == 200, completed.text
    assert api.put("/v1/agents/ana/status", {"status": "away"}, key=ana).json()["status"] == "away"
    assert api.post(f"/v1/escalations/{bobs}/complete", done).status_code == 200  # integration key


def test_agent_keys_are_issued_for_an_agent_of_the_tenant(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    admin_key = tenants.provision(api.service.db, "acme", scopes=("admin",), now_s=api.clock.now_s())
    created = api.post("/v1/admin/tenants/acme/keys", {"agent_id": "ana"}, key=admin_key)
    assert created.status_code == 201, created.text
    assert created.json()["scopes"] == ["agent"]
    assert created.json()["agent_id"] == "ana"
    listed = api.get("/v1/admin/tenants/acme/keys", key=admin_key).json()
    assert [k["agent_id"] for k in listed if k["id"] == created.json()["id"]] == ["ana"]

    cases = [
        ({"agent_id": "nobody"}, "body.agent_id", "no such agent"),
        ({"scopes": ["agent"]}, "body", "needs agent_id"),
        ({"agent_id": "ana", "scopes": ["read"]}, "body", "single scope"),
    ]
    for body, field, problem in cases:
        r = api.post("/v1/admin/tenants/acme/keys", body, key=admin_key)
        assert r.status_code == 422, r.text
        assert any(e["field"] == field and problem in e["problem"] for e in r.json()["errors"]), r.text
    globex = api.post("/v1/admin/tenants/globex/keys", {"agent_id": "ana"}, key=admin_key)
    assert globex.status_code == 422  # ana is acme's


# ------------------------------------------------------------------------------------ /metrics
def _one_waiting(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    api.escalate("e1")  # offered to ana, whose one slot it holds
    assert api.escalate("e2").json()["state"] == "queued"


def test_metrics_need_a_key_and_name_no_tenant(api: Api) -> None:
    _one_waiting(api)
    assert api.client.get("/metrics").status_code == 401
    _forbidden(api.client.get("/metrics", headers=api.h()))  # a tenant key without the scope
    text = api.client.get("/metrics", headers=api.h(api.metrics_key)).text
    assert "handoff_queue_depth 1\n" in text
    assert "acme" not in text
    assert "globex" not in text


def test_metrics_tenant_labels_and_public_are_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    for api in make_api(url, metrics={"public": True, "tenant_labels": True}):
        _one_waiting(api)
        text = api.client.get("/metrics").text
        assert 'handoff_queue_depth{tenant="acme"} 1' in text


# ------------------------------------------------------------------------------------ rate limits
def test_a_key_over_its_rate_gets_429_with_retry_after(tmp_path: Path) -> None:
    limits = {"per_scope": {"read": {"rate_per_s": 0.5, "burst": 3}}}
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}", rate_limits=limits):
        assert [api.get("/v1/agents").status_code for _ in range(3)] == [200, 200, 200]
        refused = api.get("/v1/agents")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "2"  # one token at 0.5/s
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["title"] == "Too many requests"
        assert "'read'" in refused.json()["detail"]
        assert api.get("/v1/agents", key=api.other_key).status_code == 200  # another key's bucket
        assert api.post("/v1/agents", agent_body("ana")).status_code == 201  # another scope's
        api.clock.advance(2.0)
        assert api.get("/v1/agents").status_code == 200
        assert api.get("/v1/agents").status_code == 429


# ------------------------------------------------------------------------------------ If-Match
def test_if_match_makes_a_lost_update_a_412(api: Api) -> None:
    created = api.post("/v1/agents", agent_body("ana"))
    etag = created.headers["ETag"]
    assert api.get("/v1/agents/ana").headers["ETag"] == etag

    first = api.client.put(
        "/v1/agents/ana", json=agent_body("ana", tier=2), headers=api.h(**{"If-Match": etag})
    )
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    lost = api.client.put(
        "/v1/agents/ana", json=agent_body("ana", tier=3), headers=api.h(**{"If-Match": etag})
    )
    assert lost.status_code == 412, lost.text
    assert lost.headers["content-type"] == "application/problem+json"
    assert api.get("/v1/agents/ana").json()["profile"]["tier"] == 2  # the first update stands
    assert api.get("/v1/agents/ana").headers["ETag"] == first.headers["ETag"]

    again = api.client.put(
        "/v1/agents/ana", json=agent_body("ana", tier=3), headers=api.h(**{"If-Match": first.headers["ETag"]})
    )
    assert again.status_code == 200
    star = api.client.put("/v1/agents/zed", json=agent_body("zed"), headers=api.h(**{"If-Match": "*"}))
    assert star.status_code == 412  # If-Match: * needs the agent to exist
    assert api.put("/v1/agents/ana", agent_body("ana", tier=1)).status_code == 200  # none: unconditional


def test_if_match_can_be_required(tmp_path: Path) -> None:
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}", agents={"require_if_match": True}):
        assert api.put("/v1/agents/ana", agent_body("ana")).status_code == 201  # a new agent
        required = api.put("/v1/agents/ana", agent_body("ana", tier=2))
        assert required.status_code == 428
        assert "If-Match" in required.json()["detail"]
