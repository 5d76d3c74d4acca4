"""Bad input gets RFC 9457 problem+json naming the field and the problem; never a 500."""

from __future__ import annotations

import pytest

from tests.service.conftest import Api, agent_body, escalation_body

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"channel": "fax"}, "body.channel", "chat"),
        ({"required_skills": {"billing": 7}}, "body.required_skills.billing", "proficiency must be 1-5"),
        ({"created_at": "2026-01-01T09:00:00"}, "body.created_at", "UTC offset"),
        ({"id": "has space"}, "body.id", "pattern"),
        ({"colour": "red"}, "body.colour", "unknown field"),
        ({"context": {"sentiment_trend": [3]}}, "body.context.sentiment_trend[0]", "less than or equal"),
    ],
)
def test_invalid_escalation_names_the_field(
    api: Api, fields: dict[str, object], field: str, words: str
) -> None:
    r = api.post("/v1/escalations", escalation_body("e1", **fields), **{"Idempotency-Key": "k"})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == 422
    assert body["title"] == "Invalid request"
    assert any(e["field"] == field and words in e["problem"] for e in body["errors"]), body


def test_malformed_json_and_wrong_types_are_422(api: Api) -> None:
    r = api.client.post(
        "/v1/escalations",
        content=b"{not json",
        headers=api.h(**{"Idempotency-Key": "k", "Content-Type": "application/json"}),
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    r = api.post("/v1/agents", agent_body("ana", skills={"billing": True}))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.skills.billing"
    r = api.get("/v1/audit", limit=0)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.limit"


def test_unknown_ids_are_404_and_state_conflicts_409(api: Api) -> None:
    for path, kind in (("/v1/escalations/nope", "escalation"), ("/v1/agents/nope", "agent")):
        r = api.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["detail"] == f"unknown {kind}"  # the id asked for is the caller's input
        assert "nope" not in r.text.replace(r.json()["instance"], "")
    assert api.post("/v1/offers/nope~1/accept").status_code == 404
    r = api.post("/v1/offers/~/decline")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "path.offer_id"
    assert api.put("/v1/agents/nope/status", {"status": "available"}).status_code == 404
    assert api.post("/v1/escalations/nope/complete", {"resolved": True}).status_code == 404
    api.post("/v1/agents", agent_body("ana"))
    api.escalate("e1")
    r = api.post("/v1/escalations/e1/complete", {"resolved": True})
    assert r.status_code == 409
    assert "not assigned" in r.json()["detail"]
    assert "e1" not in r.json()["detail"]
    r = api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "another"})
    assert r.status_code == 409
    assert r.json()["detail"] == "escalation already exists"


def test_unknown_route_and_method_are_problems(api: Api) -> None:
    r = api.client.get("/v2/nothing")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    r = api.client.delete("/v1/queues", headers=api.h())
    assert r.status_code == 405
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["Allow"] == "GET, HEAD"


def test_a_405_allows_every_method_of_the_path(api: Api) -> None:
    """Starlette named the methods of one route only; the path /v1/agents/{id} has three."""
    r = api.client.post("/v1/agents/ana", headers=api.h())
    assert r.status_code == 405
    assert r.headers["Allow"] == "DELETE, GET, HEAD, PUT"
    assert r.json()["detail"] == "this path allows DELETE, GET, HEAD, PUT"


def test_an_unknown_query_parameter_is_a_422_naming_no_value(api: Api) -> None:
    r = api.get("/v1/agents", include_inactiv="true")
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "query", "problem": "unknown query parameter; this operation takes: include_inactive"}
    ]
    assert "include_inactiv=" not in r.json()["detail"]
    assert api.get("/v1/agents", include_inactive="true").status_code == 200


def test_the_contract_states_what_is_enforced(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    create = doc["paths"]["/v1/escalations"]["post"]
    key = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert key["required"] is True
    schemas = doc["components"]["schemas"]
    skills = schemas["AgentUpsert"]["properties"]["skills"]
    assert skills["additionalProperties"] == {"type": "integer", "minimum": 1, "maximum": 5}
    assert schemas["AgentUpsert"]["properties"]["tier"]["maximum"] == 3
    assert "Europe/Paris" in schemas["AgentUpsert"]["properties"]["time_zone"]["enum"]
    missing = api.post("/v1/escalations", {"id": "e1"})  # still a 400, as documented
    assert missing.status_code == 400
    problem = {"field": "header.Idempotency-Key", "problem": "required on this request"}
    assert missing.json()["errors"] == [problem]
