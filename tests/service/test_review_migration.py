"""Migration 0009 (the escalation review's columns and the conversation-volume table): applies
over a database at 0006, and goes down and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from routing.service.storage.database import MIGRATIONS, Database
from tests.service.conftest import make_api


def _config(conn: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _columns(db: Database, table: str) -> set[str]:
    with db.engine.connect() as conn:
        return {c["name"] for c in inspect(conn).get_columns(table)}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0009_applies_over_0006_and_reverts(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    db = Database(url)
    with db.engine.begin() as conn:
        command.upgrade(_config(conn), "0006")
    assert "customer_ref" not in _columns(db, "escalations")
    for api in make_api(url):  # the service migrates on start
        assert api.escalate("e1", customer_id="c-1", segment="s").status_code == 201
        assert api.get("/v1/escalations/e1").json()["customer_ref"].startswith("c_")
    review = {"conversation_started_s", "customer_ref", "segment", "context_viewed_s"}
    assert review <= _columns(db, "escalations")
    assert "customer_salt" in _columns(db, "tenants")
    with db.engine.begin() as conn:
        command.downgrade(_config(conn), "0006")
    assert not review & _columns(db, "escalations")
    assert "conversation_volume" not in inspect(db.engine).get_table_names()
    db.migrate()
    assert review <= _columns(db, "escalations")
    db.dispose()
