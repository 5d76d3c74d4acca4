"""The outbox: every decision is stored with its event in one transaction, with a per-escalation
sequence and the payload the receiver needs; a refused or failed request leaves no event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from routing.service.events import EventType
from routing.service.storage import repository
from routing.service.storage.models import AuditEvent, OutboxEvent
from tests.service.conftest import Api, agent_body

DECISION_KINDS = (
    "offer",
    "queued",
    "relaxed",
    "deferred",
    "assigned",
    "offer_revoked",
    "agent_status_changed",
    "finished",
)


def outbox(api: Api) -> list[dict[str, Any]]:
    with api.service.db.read() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.position)).all()
        return [json.loads(r.body) for r in rows]


def decisions_stored(api: Api) -> int:
    with api.service.db.read() as s:
        return int(
            s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind.in_(DECISION_KINDS)))
        )


def test_offer_assignment_completion_are_events_with_their_payloads(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    offer = api.escalate("e1").json()["decision"]
    api.clock.advance(4)
    api.post(f"/v1/offers/{offer['offer_id']}/accept")
    api.post("/v1/escalations/e1/complete", {"resolved": True})

    events = outbox(api)
    assert [e["type"] for e in events] == [
        "escalation.offered",
        "escalation.assigned",
        "escalation.completed",
    ]
    assert [e["sequence"] for e in events] == [1, 2, 3]
    assert {e["escalation_id"] for e in events} == {"e1"}
    assert all(e["tenant_id"] == "acme" and e["id"].startswith("evt_") for e in events)
    offered, assigned, completed = (e["data"] for e in events)
    assert offered == {
        "offer_id": offer["offer_id"],
        "agent_id": "ana",
        "expires_at": "2026-01-01T09:00:20.000Z",
        "expires_at_s": 1_767_258_020.0,
        "context": {"summary": "double charge", "intent": "refund", "reason": "customer asked for a human"},
        "callback": False,
    }
    assert "charged twice" not in json.dumps(events)  # never the transcript
    assert events[0]["occurred_at"] == "2026-01-01T09:00:00.000Z"
    assert events[1]["occurred_at_s"] == events[0]["occurred_at_s"] + 4
    assert assigned == {"agent_id": "ana", "offer_id": offer["offer_id"], "handoff_s": 4.0}
    assert completed == {
        "state": "completed",
        "agent_id": "ana",
        "resolved": True,
        "csat": None,  # feedback not given: null (tests/service/test_review_capture.py)
        "first_contact_resolved": None,
        "ai_could_have_handled": None,
    }
    assert len(events) == decisions_stored(api)  # one event per decision, none without one


def test_time_passing_and_presence_are_events_too_sequence_per_escalation(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    api.escalate("e1", preferred_skills={"refunds": 3})  # nobody has it: queued until relaxed
    api.escalate("e2")  # offered to ana
    api.tick(21)  # relaxation of e1, then e2's offer expires in the background tick
    api.escalate("e3", required_skills={"spanish": 2})  # nobody on the roster: deferred
    api.put("/v1/agents/ana/status", {"status": "available"})
    api.put("/v1/agents/ana/status", {"status": "offline"})

    events = outbox(api)
    types = {e["type"] for e in events}
    assert {
        "escalation.queued",
        "escalation.offered",
        "escalation.relaxed",
        "offer.expired",
        "agent.status_changed",
        "escalation.deferred",
        "offer.revoked",
    } <= types
    for esc_id in ("e1", "e2", "e3"):
        seqs = [e["sequence"] for e in events if e["escalation_id"] == esc_id]
        assert seqs == list(range(1, len(seqs) + 1)), (esc_id, seqs)
    queued = next(e for e in events if e["type"] == "escalation.queued")["data"]
    assert queued["position"] == 1
    assert "reason" in queued
    assert "eta_s" in queued
    deferred = next(e for e in events if e["escalation_id"] == "e3")
    assert deferred["type"] == "escalation.deferred"
    assert deferred["data"]["mode"] == "ticket"
    assert deferred["data"]["reason"]
    status = next(e for e in events if e["type"] == "agent.status_changed")
    assert status["agent_id"] == "ana"
    assert status["sequence"] is None
    assert status["data"] == {"status": "not_responding", "reason": "offer expired unanswered"}
    revoked = next(e for e in events if e["type"] == "offer.revoked")
    assert revoked["data"]["reason"] == "agent went offline"
    assert len(events) == decisions_stored(api)


def test_declined_offer_is_its_own_type_and_the_catalogue_is_complete(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.post("/v1/agents", agent_body("bob"))
    offer = api.escalate("e1").json()["decision"]
    api.post(f"/v1/offers/{offer['offer_id']}/decline")
    types = [e["type"] for e in outbox(api)]
    assert types == ["escalation.offered", "offer.declined", "escalation.offered"]
    assert {t.value for t in EventType} >= set(types)


def test_refused_requests_leave_no_event(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.escalate("e1")
    before = outbox(api)
    dup = api.escalate("e1")  # same key, same body: replayed, nothing new
    assert dup.headers.get("Idempotent-Replayed") == "true"
    api.clock.advance(25)  # e1's offer is due to expire: a refused request must not store that either
    assert api.post("/v1/escalations/e1/complete", {"resolved": True}).status_code == 409
    assert api.post("/v1/escalations/nope/complete", {"resolved": True}).status_code == 404
    assert api.post("/v1/offers/e1~9/accept").status_code == 409
    assert api.post("/v1/escalations", {"id": "bad"}, **{"Idempotency-Key": "x"}).status_code == 422
    assert outbox(api) == before
    api.service.tick("acme")  # the expiry itself is an event, once time is let pass for real
    assert [e["type"] for e in outbox(api)][len(before) :][:1] == ["offer.expired"]


def test_an_event_whose_commit_fails_leaves_neither_decision_nor_event(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.escalate("e1")
    before, decided = outbox(api), decisions_stored(api)
    api.clock.advance(25)  # the offer expires in the next event, whose commit fails

    def broken(*_args: Any) -> None:
        raise RuntimeError("storage failed after the outbox rows were written")

    monkeypatch.setattr(repository, "bump_version", broken)
    with pytest.raises(RuntimeError):
        api.service.tick("acme")
    monkeypatch.undo()
    assert outbox(api) == before
    assert decisions_stored(api) == decided
    api.service.tick("acme")  # the next event rebuilds from the rows and makes the decisions again
    after = outbox(api)
    assert after[len(before)]["type"] == "offer.expired"
    assert after[len(before)]["sequence"] == 2
    assert len(after) == decisions_stored(api)
