"""What the escalation review needs, captured by the service: time to escalation, a hashed
customer reference, the platform's segment, the context packet's first view, and the completion
feedback (CSAT, first-contact resolution, the agent's "AI could have handled it"), stored, in the
events and in the OpenAPI schema with their constraints; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from routing.service.storage.models import EscalationRow
from tests.service.conftest import Api, agent_body
from tests.service.test_events import outbox


def accepted(api: Api, esc_id: str, agent: str = "ana", **fields: Any) -> dict[str, Any]:
    """``esc_id`` escalated and accepted by ``agent`` (added if need be) after 4 s."""
    if api.get(f"/v1/agents/{agent}").status_code == 404:
        assert api.post("/v1/agents", agent_body(agent)).status_code == 201
    created = api.escalate(esc_id, **fields)
    assert created.status_code == 201, created.text
    api.clock.advance(4)
    answer = api.post(f"/v1/offers/{created.json()['decision']['offer_id']}/accept")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def row(api: Api, esc_id: str, tenant: str = "acme") -> EscalationRow:
    with api.service.db.read() as s:
        found = s.scalars(
            select(EscalationRow).where(EscalationRow.tenant_id == tenant, EscalationRow.id == esc_id)
        ).one()
        s.expunge(found)
        return found


def problems_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


def test_time_to_escalation_customer_ref_and_segment_are_stored_apart_from_routing(api: Api) -> None:
    started = "2026-01-01T08:57:30.250Z"
    api.escalate("e1", conversation_started_at=started, customer_id="cust-42", segment="billing-en")
    view = api.get("/v1/escalations/e1").json()
    assert view["conversation_started_at"] == started
    assert view["segment"] == "billing-en"
    ref = view["customer_ref"]
    assert ref.startswith("c_")
    assert len(ref) == 34
    assert "cust-42" not in ref
    for field in ("conversation_started_at", "customer_id", "customer_ref", "segment"):
        assert field not in view["escalation"]  # routing never sees them
    stored = row(api, "e1")
    assert stored.conversation_started_s == 1_767_257_850.25
    assert "cust-42" not in repr(stored.spec) + repr(stored.context)

    # the same raw id: the same reference in the tenant, another one in another tenant
    api.escalate("e2", customer_id="cust-42")
    api.escalate("e3", customer_id="cust-43")
    api.escalate("e1", customer_id="cust-42", key=api.other_key)
    assert row(api, "e2").customer_ref == ref
    assert row(api, "e3").customer_ref not in (ref, None)
    assert row(api, "e1", "globex").customer_ref not in (ref, None)

    hashed = "sha256:9f86d081884c7d659a2feaa0c55ad015"
    api.escalate("e4", customer_ref=hashed)
    assert row(api, "e4").customer_ref == hashed  # hashed by the sender: kept as given
    plain = api.escalate("e5")
    assert plain.status_code == 201
    assert (row(api, "e5").customer_ref, row(api, "e5").conversation_started_s, row(api, "e5").segment) == (
        None,
        None,
        None,
    )


def test_review_fields_are_checked(api: Api) -> None:
    both = api.escalate("e1", customer_id="c1", customer_ref="sha256:9f86d081884c7d659a2f")
    assert "not both" in problems_of(both)["body"]
    late = api.escalate("e2", conversation_started_at="2026-01-01T09:00:01Z")
    assert "is after created_at" in problems_of(late)["body"]
    short = api.escalate("e3", customer_ref="abc")
    assert "body.customer_ref" in problems_of(short)
    bad_segment = api.escalate("e4", segment="has space")
    assert "body.segment" in problems_of(bad_segment)
    assert api.get("/v1/escalations/e1").status_code == 404


def test_context_viewed_once_after_accept_with_its_event(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.escalate("e1")
    not_yet = api.post("/v1/escalations/e1/context-viewed")
    assert not_yet.status_code == 409
    assert "offered" in not_yet.json()["detail"]
    assert api.post("/v1/escalations/nope/context-viewed").status_code == 404

    offer_id = api.get("/v1/escalations/e1").json()["offer_id"]
    api.clock.advance(4)
    api.post(f"/v1/offers/{offer_id}/accept")
    assert row(api, "e1").context_viewed_s is None  # the accept alone is not a view
    api.clock.advance(2.5)
    first = api.post("/v1/escalations/e1/context-viewed")
    assert first.status_code == 200, first.text
    assert first.json() == {
        "escalation_id": "e1",
        "agent_id": "ana",
        "viewed_at": "2026-01-01T09:00:06.500Z",
        "viewed_at_s": 1_767_258_006.5,
        "after_accept_s": 2.5,
        "first_view": True,
    }
    api.clock.advance(10)
    again = api.post("/v1/escalations/e1/context-viewed")
    assert again.json() | {"first_view": True} == first.json()
    assert again.json()["first_view"] is False

    events = outbox(api)
    assert [e["type"] for e in events] == [
        "escalation.offered",
        "escalation.assigned",
        "escalation.context_viewed",
    ]
    viewed = events[-1]
    assert viewed["sequence"] == 3
    assert viewed["agent_id"] == "ana"
    assert viewed["data"] == {
        "agent_id": "ana",
        "viewed_at": "2026-01-01T09:00:06.500Z",
        "viewed_at_s": 1_767_258_006.5,
        "after_accept_s": 2.5,
    }
    assert api.get("/v1/escalations/e1").json()["context_viewed_at"] == "2026-01-01T09:00:06.500Z"
    # the next event of the escalation follows the view's sequence
    api.post("/v1/escalations/e1/complete", {"resolved": True})
    assert outbox(api)[-1]["sequence"] == 4


def test_a_late_view_after_completion_counts(api: Api) -> None:
    accepted(api, "e1")
    api.post("/v1/escalations/e1/complete", {"resolved": True, "wrap_up_s": 0})
    api.clock.advance(1)
    late = api.post("/v1/escalations/e1/context-viewed")
    assert late.status_code == 200
    assert late.json()["after_accept_s"] == 1.0


def test_completion_feedback_is_stored_and_carried_by_the_completed_event(api: Api) -> None:
    accepted(api, "e1")
    feedback = {"csat": 4, "first_contact_resolved": True, "ai_could_have_handled": False}
    done = api.post("/v1/escalations/e1/complete", {"resolved": True, **feedback})
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] | feedback == done.json()["outcome"]
    assert api.get("/v1/escalations/e1").json()["outcome"] | feedback == row(api, "e1").outcome
    completed = outbox(api)[-1]
    assert completed["type"] == "escalation.completed"
    assert completed["data"] == {"state": "completed", "agent_id": "ana", "resolved": True, **feedback}

    accepted(api, "e2")  # nothing given: null, never a made-up value
    api.post("/v1/escalations/e2/complete", {"resolved": False})
    data = outbox(api)[-1]["data"]
    assert (data["csat"], data["first_contact_resolved"], data["ai_could_have_handled"]) == (None, None, None)


def test_completion_feedback_is_checked(api: Api) -> None:
    accepted(api, "e1")
    for csat in (0, 6, 4.5, "5", True):
        assert "body.csat" in problems_of(
            api.post("/v1/escalations/e1/complete", {"resolved": True, "csat": csat})
        )
    wrong = api.post("/v1/escalations/e1/complete", {"resolved": True, "first_contact_resolved": "maybe"})
    assert "body.first_contact_resolved" in problems_of(wrong)
    assert row(api, "e1").state == "assigned"


def test_the_openapi_schema_states_the_constraints(api: Api) -> None:
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    completion = schemas["CompletionIn"]["properties"]
    csat = next(s for s in completion["csat"]["anyOf"] if s.get("type") == "integer")
    assert (csat["minimum"], csat["maximum"]) == (1, 5)
    assert {"first_contact_resolved", "ai_could_have_handled"} <= completion.keys()
    create = schemas["EscalationCreate"]["properties"]
    ref = next(s for s in create["customer_ref"]["anyOf"] if s.get("type") == "string")
    assert "{16,128}" in ref["pattern"]
    assert "never stores it" in create["customer_id"]["description"]
    volume = schemas["VolumeInterval"]["properties"]
    assert volume["interval_s"]["enum"] == [300, 600, 900, 1800, 3600]
    assert volume["conversations"]["minimum"] == 0


def test_each_endpoint_asks_its_scope(api: Api) -> None:
    from routing.service import tenants
    from tests.service.conftest import T0

    reader = tenants.provision(api.service.db, "acme", scopes=("read",), now_s=T0)
    desktop = tenants.provision(api.service.db, "acme", scopes=("agents:write",), now_s=T0)
    volume = {"intervals": [{"interval_start": "2026-01-01T09:00:00Z", "conversations": 1}]}
    period = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    assert api.post("/v1/conversation-volume", volume, key=reader).status_code == 403
    assert api.post("/v1/conversation-volume", volume, key=desktop).status_code == 403
    assert api.post("/v1/conversation-volume", volume).status_code == 200  # escalations:write
    assert api.get("/v1/conversation-volume", key=desktop, **period).status_code == 403
    assert api.get("/v1/conversation-volume", key=reader, **period).status_code == 200
    accepted(api, "e1")
    assert api.post("/v1/escalations/e1/context-viewed", key=reader).status_code == 403
    assert api.post("/v1/escalations/e1/context-viewed", key=desktop).status_code == 200
    assert api.get("/v1/analytics/summary", key=desktop, **period).status_code == 403
    assert api.get("/v1/analytics/summary", key=reader, **period).status_code == 200
