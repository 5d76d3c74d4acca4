"""Retention: a finished escalation's context packet, callback, outcome notes and the context
in its events are redacted once the retention period has passed; routing facts, metrics and
the audit skeleton stay. Bounded batches, run by the tick loop's housekeeping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from routing.service.retention import REDACTED_CONTEXT
from routing.service.storage.models import EscalationRow, OutboxEvent
from tests.service.conftest import Api, agent_body, make_api

DAY_S = 86_400.0


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    retention = {"context_s": 2 * DAY_S, "batch": 2}
    yield from make_api(f"sqlite:///{tmp_path / 'h.db'}", sqlite_synchronous="NORMAL", retention=retention)


def _finish(api: Api, esc_id: str) -> None:
    offer = api.escalate(esc_id).json()["decision"]
    assert api.post(f"/v1/offers/{offer['offer_id']}/accept").status_code == 200
    done = {"resolved": True, "notes": "called Jane at +44 20 7946 0000"}
    assert api.post(f"/v1/escalations/{esc_id}/complete", done).status_code == 200


def _offered_contexts(api: Api, esc_id: str) -> list[dict[str, object]]:
    with api.service.db.read() as s:
        bodies = s.scalars(
            select(OutboxEvent.body).where(
                OutboxEvent.escalation_id == esc_id, OutboxEvent.type == "escalation.offered"
            )
        ).all()
    return [json.loads(b)["data"]["context"] for b in bodies]


def test_context_is_redacted_after_the_retention_period_and_the_skeleton_stays(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 3}))
    for esc_id in ("e1", "e2", "e3"):
        _finish(api, esc_id)
    before = api.get("/v1/escalations/e1").json()
    assert before["context"]["transcript"]
    assert _offered_contexts(api, "e1")[0]["summary"] == "double charge"

    api.tick(2 * DAY_S - 60)  # not yet
    assert api.get("/v1/escalations/e1").json()["context"] == before["context"]

    api.tick(120)  # past the period: a batch of 2, then the third on the next round
    with api.service.db.read() as s:
        redacted = s.scalars(select(EscalationRow.id).where(EscalationRow.redacted_s.is_not(None))).all()
    assert len(redacted) == 2
    api.tick(1)
    after = api.get("/v1/escalations/e1").json()
    assert after["context"] == REDACTED_CONTEXT
    assert after["outcome"]["notes"] == ""
    assert after["outcome"]["resolved"] is True  # the outcome's facts stay
    for field in ("state", "agent_id", "handoff_s", "created_at", "offers_made", "escalation"):
        assert after[field] == before[field], field  # routing facts and metrics stay
    assert after["history"][:-1] == before["history"]  # every decision, then the redaction
    assert after["history"][-1]["kind"] == "context_redacted"
    assert _offered_contexts(api, "e1") == [{"summary": "", "intent": None, "reason": ""}]
    trail = api.get("/v1/audit", escalation_id="e3").json()["events"]
    assert [e["kind"] for e in trail][-1] == "context_redacted"
    assert {e["kind"] for e in trail} >= {"escalation_received", "offer", "assigned"}
    assert "Jane" not in api.get("/v1/escalations/e3").text


def test_an_unfinished_escalation_is_never_redacted(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.escalate("e1")
    api.tick(10 * DAY_S)
    assert api.get("/v1/escalations/e1").json()["context"]["summary"] == "double charge"


def test_zero_keeps_everything(tmp_path: Path) -> None:
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}", retention={"context_s": 0}):
        api.post("/v1/agents", agent_body("ana"))
        _finish(api, "e1")
        api.tick(400 * DAY_S)
        assert api.get("/v1/escalations/e1").json()["context"]["summary"] == "double charge"
