"""Assembly: the background tick loop, ``handoff serve`` registration, OpenAPI 3.1, settings."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.cli import app as cli
from routing.service.app import create_app
from routing.service.clock import ManualClock
from routing.service.settings import ServiceSettings
from tests.service.conftest import T0, agent_body, make_api


def test_background_loop_expires_offers_without_anyone_ticking(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}", clock, tick_interval_s=0.02):
        api.post("/v1/agents", agent_body("ana"))
        api.post("/v1/agents", agent_body("bob"))
        first = api.escalate("e1").json()["decision"]
        clock.advance(21)  # past the 20 s offer timeout, within the catch-up's 2 s: only the loop notices
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and api.get("/v1/escalations/e1").json()["offers_made"] < 2:
            time.sleep(0.02)
        view = api.get("/v1/escalations/e1").json()
        assert view["offers_made"] == 2
        assert view["agent_id"] != first["agent_id"]
        assert api.get(f"/v1/agents/{first['agent_id']}").json()["status"] == "not_responding"


def test_serve_is_a_command() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--database-url" in result.output


def test_openapi_is_3_1_and_documents_problems() -> None:
    spec = create_app(ServiceSettings(database_url="sqlite://")).openapi()
    assert spec["openapi"].startswith("3.1")
    create = spec["paths"]["/v1/escalations"]["post"]
    assert {"201", "400", "401", "403", "409", "422"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["422"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDOFF_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("HANDOFF_TICK_INTERVAL_S", "2")
    monkeypatch.setenv("HANDOFF_ROUTING__MISSED_OFFERS_BEFORE_NOT_RESPONDING", "3")
    settings = ServiceSettings()
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.tick_interval_s == 2.0
    assert settings.routing.missed_offers_before_not_responding == 3


def test_manual_clock_rejects_going_back() -> None:
    with pytest.raises(ValueError, match=r"seconds\(=-1\) must be >= 0"):
        ManualClock().advance(-1)
