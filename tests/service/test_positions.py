"""``escalation.position_changed``: a queued escalation is told when it moves in line by at least
the configured step, in the outbox of the command that moved it, in sequence with its other
events; never below the step, and at most ``max_per_command`` checked per command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from routing.service.events import Event, EventType
from routing.service.positions import moved
from routing.service.settings import PositionSettings
from routing.service.storage.models import OutboxEvent
from tests.service.conftest import Api, agent_body, make_api

MOVED = EventType.ESCALATION_POSITION_CHANGED.value


def outbox(api: Api) -> list[tuple[str, str | None, int | None, dict[str, Any]]]:
    """(type, escalation, sequence, data) of acme's events, in outbox order."""
    with api.service.db.read() as s:
        rows = s.execute(
            select(OutboxEvent.type, OutboxEvent.escalation_id, OutboxEvent.sequence, OutboxEvent.body)
            .where(OutboxEvent.tenant_id == "acme")
            .order_by(OutboxEvent.position)
        ).all()
    return [(t, e, q, json.loads(body)["data"]) for t, e, q, body in rows]


def moves(api: Api) -> list[tuple[str | None, int, int, str]]:
    events = outbox(api)
    return [(e, d["previous_position"], d["position"], d["cause"]) for t, e, _, d in events if t == MOVED]


def one_agent_four_escalations(api: Api) -> str:
    """ana (one chat slot) is offered e1; e2, e3, e4 wait at positions 1, 2, 3. Returns e1's offer."""
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}, status="available"))
    offer: str = api.escalate("e1").json()["decision"]["offer_id"]
    for i, esc_id in enumerate(("e2", "e3", "e4"), start=1):
        decision = api.escalate(esc_id).json()["decision"]
        assert (decision["outcome"], decision["position"]) == ("queued", i)
    return offer


def cancel(api: Api, esc_id: str) -> None:
    """The customer leaves (an event of the unit of work, as the lifecycle's cancel runs)."""
    api.service.work.apply(
        "acme",
        "escalation_cancelled",
        lambda tx: tx.decisions.extend(tx.dispatcher.escalation_abandoned(esc_id, tx.now_s)),
    )


def test_those_behind_move_up_when_someone_ahead_is_served(api: Api) -> None:
    offer = one_agent_four_escalations(api)
    api.post(f"/v1/offers/{offer}/accept")
    assert moves(api) == []  # accepting moved nobody
    api.clock.advance(60)
    api.post("/v1/escalations/e1/complete", {"resolved": True})  # e2 is offered to ana
    assert moves(api) == [("e3", 2, 1, "work_completed"), ("e4", 3, 2, "work_completed")]
    events = outbox(api)
    data = next(d for t, e, _, d in events if t == MOVED and e == "e3")
    assert data["reason"]
    assert data["eta_s"] is None or data["eta_s"] >= 0
    assert "previous_eta_s" in data
    for esc_id in ("e2", "e3", "e4"):  # each escalation's sequence runs 1, 2, ... in outbox order
        sequences = [q for _, e, q, _ in events if e == esc_id]
        assert sequences == list(range(1, len(sequences) + 1))
    # the move is committed with the command: the completion's events come first
    kinds = [t for t, _, _, _ in events]
    assert kinds.index("escalation.completed") < kinds.index(MOVED)
    with api.service.db.read() as s:  # every body is a valid event of the catalogue
        for (body,) in s.execute(select(OutboxEvent.body).where(OutboxEvent.type == MOVED)):
            assert Event.model_validate_json(body).type is EventType.ESCALATION_POSITION_CHANGED
    assert api.get("/v1/escalations/e3/position").json()["position"] == 1


def test_those_behind_move_up_when_someone_ahead_cancels(api: Api) -> None:
    one_agent_four_escalations(api)
    cancel(api, "e2")
    assert moves(api) == [("e3", 2, 1, "escalation_cancelled"), ("e4", 3, 2, "escalation_cancelled")]
    cancel(api, "e4")  # nobody was behind e4
    assert len(moves(api)) == 2


def test_a_cancel_through_the_api_moves_those_behind(api: Api) -> None:
    one_agent_four_escalations(api)
    r = api.post("/v1/escalations/e3/cancel", {"reason": "resolved_by_ai"})
    assert r.status_code == 200, r.text
    assert moves(api) == [("e4", 3, 2, "escalation_cancelled")]


def test_a_move_below_the_step_is_not_announced(tmp_path: Path) -> None:
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}", positions={"step": 2}):
        one_agent_four_escalations(api)
        cancel(api, "e2")  # e3 2 -> 1, e4 3 -> 2: one step each, below 2
        assert moves(api) == []
        cancel(api, "e3")  # e4 is at 1 now: two below the 3 it was told
        assert moves(api) == [("e4", 3, 1, "escalation_cancelled")]


@pytest.fixture
def bounded(tmp_path: Path) -> Iterator[Api]:
    yield from make_api(f"sqlite:///{tmp_path / 'h.db'}", positions={"max_per_command": 1})


def test_at_most_max_per_command_are_checked_in_turns(bounded: Api) -> None:
    api = bounded
    one_agent_four_escalations(api)
    cancel(api, "e2")
    assert len(moves(api)) == 1  # one of e3 and e4 checked, the other beyond the bound
    api.post("/v1/agents", agent_body("bob", channels={"chat": 1}, status="offline"))
    told = {(e, before, after) for e, before, after, _ in moves(api)}
    assert told == {("e3", 2, 1), ("e4", 3, 2)}  # the other's turn came with the next command


def test_turned_off(tmp_path: Path) -> None:
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}", positions={"step": 0}):
        one_agent_four_escalations(api)
        cancel(api, "e2")
        assert moves(api) == []


def test_when_a_move_is_announced() -> None:
    steps = PositionSettings(step=2, eta_change_s=30)
    assert not moved(steps, 4, 100.0, 5, 110.0)
    assert moved(steps, 3, 100.0, 5, 100.0)
    assert moved(steps, 5, 60.0, 5, 100.0)  # the ETA alone moved by 40 s
    assert moved(steps, 5, None, 5, 100.0)  # nobody staffed any more
    assert not moved(steps, 5, None, 5, None)
    positions_only = PositionSettings(step=1)
    assert not moved(positions_only, 5, None, 5, 100.0)
    assert not PositionSettings(step=0).enabled
    assert PositionSettings(step=0, eta_change_s=1).enabled
