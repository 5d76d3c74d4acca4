"""Storage: state survives a restart, the audit trail is append-only, 201 only after commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import SessionTransaction

from routing.service.clock import ManualClock
from routing.service.storage.database import Database
from routing.service.storage.models import AuditEvent, EscalationRow
from tests.service.conftest import T0, Api, agent_body, escalation_body, make_api


def test_state_survives_a_restart_and_offers_still_expire(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    clock = ManualClock(T0)
    for api in make_api(url, clock):
        api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
        api.post("/v1/agents", agent_body("bob", channels={"chat": 1}))
        offers = [api.escalate(f"e{i}").json()["decision"] for i in range(3)]
        assert [o["outcome"] for o in offers] == ["offered", "offered", "queued"]
        clock.advance(2)
        api.post(f"/v1/offers/{offers[0]['offer_id']}/accept")
        keys = (api.key, api.other_key)
    for api in make_api(url, clock):  # a new process: nothing cached, everything from the rows
        assert (api.key, api.other_key) != keys  # (fresh keys; the old ones still work)
        h = {"Authorization": f"Bearer {keys[0]}"}
        assert api.client.get("/v1/escalations/e0", headers=h).json()["state"] == "assigned"
        assert api.client.get("/v1/escalations/e2", headers=h).json()["state"] == "queued"
        clock.advance(20)  # e1's offer to the second agent expires after the restart
        api.service.tick_due()
        e1 = api.client.get("/v1/escalations/e1", headers=h).json()
        assert e1["state"] in ("queued", "deferred")
        assert [x["kind"] for x in e1["history"]][-2:] == ["offer_revoked", "queued"]
        assert api.client.get("/v1/escalations/e2", headers=h).json()["state"] == "queued"
        r = api.client.post("/v1/escalations/e0/complete", json={"resolved": True}, headers=h)
        assert r.status_code == 200
        # ana is free again: the best waiting escalation is offered to her
        states = {e: api.client.get(f"/v1/escalations/{e}", headers=h).json() for e in ("e1", "e2")}
        assert sorted(s["state"] for s in states.values()) == ["offered", "queued"]
        assert {s["agent_id"] for s in states.values()} == {"ana", None}


def test_audit_trail_is_append_only(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.escalate("e1")
    db: Database = api.service.db
    for statement in (update(AuditEvent).values(kind="edited"), delete(AuditEvent)):
        with pytest.raises(DatabaseError, match="append-only"), db.write() as s:
            s.execute(statement)
    with db.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(AuditEvent)) == 3
        )  # agent_saved, escalation_received, offer


def test_201_only_after_commit(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.post("/v1/agents", agent_body("ana"))
    real_commit = SessionTransaction.commit

    def failing_commit(self: SessionTransaction, _to_root: bool = False) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(SessionTransaction, "commit", failing_commit)
    r = api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "k1"})
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
    monkeypatch.setattr(SessionTransaction, "commit", real_commit)
    assert api.get("/v1/escalations/e1").status_code == 404
    with api.service.db.read() as s:
        assert s.scalar(select(func.count()).select_from(EscalationRow)) == 0
        assert s.execute(text("SELECT count(*) FROM idempotency_keys")).scalar_one() == 0
    r = api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "k1"})
    assert r.status_code == 201  # the retry with the same key goes through, routed afresh
    assert r.json()["decision"]["agent_id"] == "ana"
    assert api.get("/v1/agents/ana").json()["load"] == {"chat": 1}


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}"):
        with api.service.db.read() as s:
            assert s.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert s.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL by default


def test_two_instances_on_one_database_see_each_others_events(tmp_path: Path) -> None:
    """Each instance caches a dispatcher per tenant; a version bump by the other forces a rebuild."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    clock = ManualClock(T0)
    first, second = make_api(url, clock), make_api(url, clock)
    a, b = next(first), next(second)
    a.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    offer = b.escalate("e1").json()["decision"]  # b learns of ana from the rows
    assert offer["agent_id"] == "ana"
    assert b.escalate("e2").json()["state"] == "queued"  # b knows ana's only slot is taken
    clock.advance(3)
    assert a.post(f"/v1/offers/{offer['offer_id']}/accept", key=b.key).status_code == 200  # a rebuilt
    assert a.post("/v1/escalations/e1/complete", {"resolved": True}, key=b.key).status_code == 200
    e2 = b.get("/v1/escalations/e2").json()  # the freed slot went to e2, decided by a
    assert e2["state"] == "offered"
    assert e2["agent_id"] == "ana"
    assert b.get("/v1/agents/ana").json()["load"] == {"chat": 1}
    first.close()
    second.close()


def test_a_profile_stored_with_day_numbers_still_restores(tmp_path: Path) -> None:
    """Profiles stored before shift days were written as names hold day numbers (0 = Monday)."""
    from routing.service.storage.models import AgentRow

    url = f"sqlite:///{tmp_path / 'h.db'}"
    clock = ManualClock(T0)
    for api in make_api(url, clock):
        shifts = [{"days": "mon-sun", "start": "00:00", "end": "24:00"}]
        api.post("/v1/agents", agent_body("ana", channels={"chat": 1}, shifts=shifts))
        db = Database(url)
        with db.write() as s:
            row = s.scalars(select(AgentRow)).one()
            legacy = dict(row.profile)
            legacy["shifts"] = [{**legacy["shifts"][0], "days": [0, 1, 2, 3, 4, 5, 6]}]
            s.execute(update(AgentRow).values(profile=legacy))
        db.dispose()
    for api in make_api(url, clock):  # rebuilt from the rows: the numbers read as days
        decision = api.escalate("e1").json()["decision"]
        assert decision["outcome"] == "offered"
        profile = api.get("/v1/agents").json()[0]["profile"]
        assert profile["shifts"][0]["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_a_write_waits_for_sqlites_write_lock_held_by_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another connection (``handoff deliver``, another server) holds the write lock: a tenant
    transaction polls for it and goes on once it is free; still taken after the timeout, it
    fails as a locked database does (a 503 to the API), having written nothing."""
    import sqlite3
    import threading

    from routing.service.storage import database

    url = f"sqlite:///{tmp_path / 'h.db'}"
    for api in make_api(url):
        api.post("/v1/agents", agent_body("ana"))
        db = api.service.db
        other = sqlite3.connect(tmp_path / "h.db", isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.3, other.commit).start()
        with db.tenant_transaction("acme") as (_, version):  # waits for the commit above
            assert version >= 1
        monkeypatch.setattr(database, "_WRITE_LOCK_TIMEOUT_S", 0.05)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(OperationalError, match="locked"), db.tenant_transaction("acme"):
                pass
            assert api.escalate("e1").status_code == 503
        finally:
            other.rollback()
            other.close()
        assert api.get("/v1/escalations/e1").status_code == 404
        assert api.escalate("e1").status_code == 201
