"""An idempotent replay is the first response, byte for byte, on both backends (PostgreSQL's
JSONB reorders an object's keys: the response is stored as the text first sent)."""

from __future__ import annotations

from tests.service.conftest import Api, agent_body, escalation_body


def test_a_replay_is_byte_identical_to_the_first_response(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    body = escalation_body("e1")
    first = api.post("/v1/escalations", body, **{"Idempotency-Key": "k1"})
    assert first.status_code == 201
    api.service.work._cache.clear()  # a replay from another instance: nothing cached
    replay = api.post("/v1/escalations", body, **{"Idempotency-Key": "k1"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.status_code == 201
    assert replay.content == first.content
    # the first answer's key order is the model's, which JSONB would have lost
    assert list(replay.json()) == ["escalation_id", "state", "decision"]
