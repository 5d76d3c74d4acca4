"""An arrival window in the service: ``POST /v1/escalations`` still answers at once -- queued, held
for the window -- and the offer follows as an event when the tick loop closes the window; a held
escalation survives a restart; the background loop wakes at the window's end, not its interval."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from routing.arrival_batch import HELD_REASON
from routing.service.clock import ManualClock
from routing.service.storage.models import OutboxEvent
from tests.service.conftest import T0, Api, agent_body, make_api

WINDOW_S = 0.5
ROUTING = {"arrival_batch_window_s": WINDOW_S}


@pytest.fixture(params=["sqlite", "postgresql"])
def windowed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The app with a 0.5 s arrival window, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'handoff.db'}"
        yield from make_api(url, sqlite_synchronous="NORMAL", routing=ROUTING)
    else:
        yield from make_api(request.getfixturevalue("postgres_url"), routing=ROUTING)


def event_types(api: Api) -> list[tuple[str, str | None]]:
    with api.service.db.read() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.position)).all()
        bodies: list[dict[str, Any]] = [json.loads(r.body) for r in rows]
    return [(b["type"], b["escalation_id"]) for b in bodies]


def test_create_answers_queued_at_once_and_the_offer_follows_as_an_event(windowed: Api) -> None:
    api = windowed
    api.post("/v1/agents", agent_body("ana"))
    r = api.escalate("e1")
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["state"] == "queued"
    assert created["decision"]["outcome"] == "queued"
    assert created["decision"]["reason"].startswith(HELD_REASON)
    position = api.get("/v1/escalations/e1/position").json()
    assert position["state"] == "queued"
    assert event_types(api) == [("escalation.queued", "e1")]

    api.tick(WINDOW_S / 2)
    assert event_types(api) == [("escalation.queued", "e1")]  # the window is still open
    api.tick(WINDOW_S / 2)  # the tick loop's round at the window's end
    assert event_types(api) == [("escalation.queued", "e1"), ("escalation.offered", "e1")]
    view = api.get("/v1/escalations/e1").json()
    assert view["state"] == "offered"
    assert view["agent_id"] == "ana"


def test_a_held_escalation_survives_a_restart_and_is_routed_at_its_window_end(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    clock = ManualClock(T0)
    for api in make_api(url, clock, routing=ROUTING):
        api.post("/v1/agents", agent_body("ana"))
        assert api.escalate("e1").json()["state"] == "queued"
    clock.advance(0.1)  # restarted inside the window: the new process rebuilds from the rows
    for api in make_api(url, clock, routing=ROUTING):
        api.service.tick_due()
        assert api.get("/v1/escalations/e1").json()["state"] == "queued"
        api.tick(WINDOW_S - 0.1)  # the stored wake-up is the window's end: routed then
        view = api.get("/v1/escalations/e1").json()
        assert view["state"] == "offered"
        assert view["agent_id"] == "ana"


def test_the_background_loop_wakes_at_the_window_end_not_its_interval(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    for api in make_api(url, clock, tick_interval_s=30, routing=ROUTING):  # 30 s between rounds
        api.post("/v1/agents", agent_body("ana"))
        assert api.escalate("e1").json()["state"] == "queued"
        clock.advance(WINDOW_S)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and api.get("/v1/escalations/e1").json()["state"] == "queued":
            time.sleep(0.02)
        assert api.get("/v1/escalations/e1").json()["state"] == "offered"
