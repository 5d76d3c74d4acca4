"""The hot-path writes that go to the driver directly (:mod:`routing.service.storage.raw`) store
what SQLAlchemy's own statements stored, in the session's transaction; the create's one look-up
(:func:`repository.create_lookup`) answers what the two look-ups it replaces answered; a raw read
sees the writes held back before it (sent with it, in one pipeline, on PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from routing.service import tenants
from routing.service.storage import repository as repo
from routing.service.storage.database import Database
from routing.service.storage.json_text import dumps
from routing.service.storage.raw import RawRead, RawWrite
from tests.service.conftest import T0

AUDIT = repo.AUDIT


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'raw.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = Database(url, sqlite_synchronous="NORMAL")
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20)
)  # PostgreSQL's JSON refuses the NUL character in text
json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text("abcdé", max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
details_lists = st.lists(
    st.dictionaries(st.text("xyz", min_size=1, max_size=3), json_values, max_size=4), min_size=1, max_size=3
)


def _rows(db: Database, kind: str) -> list[tuple[Any, ...]]:
    """The audit rows of ``kind`` (the table is append-only: each test writes its own kind)."""
    a = AUDIT.c
    query = select(a.escalation_id, a.at_s, a.detail).where(a.kind == kind).order_by(a.seq)
    with db.read() as s:
        return [tuple(r) for r in s.execute(query)]


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(details=details_lists)
def test_raw_inserts_store_what_sqlalchemy_stored(db: Database, details: list[dict[str, Any]]) -> None:
    kinds = [f"sa-{uuid.uuid4().hex}", f"raw-{uuid.uuid4().hex}"]
    rows = [
        [repo.audit_row("acme", T0 + i, kind, d, escalation_id=f"e{i}") for i, d in enumerate(details)]
        for kind in kinds
    ]
    with db.write() as s:
        s.connection().execute(AUDIT.insert(), rows[0])
    with db.write() as s:
        RawWrite(AUDIT, AUDIT.insert()).execute(s, rows[1])
    assert _rows(db, kinds[1]) == _rows(db, kinds[0])
    if db.is_sqlite:  # the same JSON text, not only the same JSON
        with db.read() as s:
            found = s.connection().exec_driver_sql(
                "SELECT detail FROM audit_events WHERE kind = ? ORDER BY seq", (kinds[1],)
            )
            assert [r[0] for r in found] == [dumps(d) for d in details]


def test_a_raw_write_is_part_of_the_session_transaction(db: Database) -> None:
    def write_then_fail() -> None:
        with db.write() as s:
            RawWrite(AUDIT, AUDIT.insert()).execute(s, [repo.audit_row("acme", T0, "rolled-back", {"a": 1})])
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert _rows(db, "rolled-back") == []


def test_a_raw_insert_refuses_to_leave_a_column_default_unfilled(db: Database) -> None:
    table = repo.ESCALATIONS
    row: dict[str, Any] = {c.key: 0 for c in table.columns if c.key != "event_seq" and c.default is not None}
    row |= {"tenant_id": "acme", "id": "e1"}
    with db.write() as s, pytest.raises(ValueError, match="event_seq"):
        RawWrite(table, table.insert()).execute(s, [row])


def test_the_create_lookup_answers_the_two_lookups(db: Database) -> None:
    tenants.provision(db, "acme", now_s=T0)
    stored = ("f" * 64, 201, '{"b":1,"a":[2]}')
    with db.write() as s:
        assert repo.create_lookup(s, "acme", "k1", "e1", T0 - 10) == (None, False)
        repo.store_idempotency(s, "acme", "k1", stored[0], stored[1], stored[2], T0)
        assert repo.create_lookup(s, "acme", "k1", "e1", T0 - 10) == (stored, False)
        assert repo.create_lookup(s, "globex", "k1", "e1", T0 - 10) == (None, False)  # keys are per tenant
    with db.write() as s:  # expired: deleted, as idempotency_record deletes it
        assert repo.create_lookup(s, "acme", "k1", "e1", T0) == (None, False)
        assert repo.idempotency_record(s, "acme", "k1") is None
    with db.write() as s:
        values = {"tenant_id": "acme", "id": "e1", "seq": 1, "spec": {}, "context": {}, "state": "queued"}
        repo.insert_escalation(s, values | {"created_s": T0, "arrived_s": T0})
    with db.write() as s:
        assert repo.create_lookup(s, "acme", "k2", "e1", T0 - 10) == (None, True)
        assert repo.create_lookup(s, "globex", "k2", "e1", T0 - 10) == (None, False)
        assert repo.escalation_exists(s, "acme", "e1")


# ------------------------------------------------------------------ writes held back (PostgreSQL)
def test_a_statement_after_raw_writes_sees_them(db: Database) -> None:
    kind = f"seen-{uuid.uuid4().hex}"
    with db.write() as s:
        rows = [repo.audit_row("acme", T0 + i, kind, {}) for i in range(3)]
        RawWrite(AUDIT, AUDIT.insert()).execute(s, rows)
        count = s.connection().execute(select(AUDIT.c.seq).where(AUDIT.c.kind == kind)).all()
        assert len(count) == 3  # a PostgreSQL transaction sent the held writes before this read
    assert len(_rows(db, kind)) == 3


def test_a_raw_read_after_held_writes_sees_them_and_holds_none_back(db: Database) -> None:
    kind = f"read-{uuid.uuid4().hex}"
    count = RawRead(select(func.count()).select_from(AUDIT).where(AUDIT.c.kind == bindparam("k")))
    with db.write() as s:
        rows = [repo.audit_row("acme", T0 + i, kind, {}) for i in range(2)]
        RawWrite(AUDIT, AUDIT.insert()).execute(s, rows)
        RawWrite(AUDIT, AUDIT.insert()).execute(s, [repo.audit_row("acme", T0, kind, {})])
        assert count.first(s.connection(), {"k": kind}) == (3,)  # sent with the read, in order
        assert not s.connection().info.get("handoff_held_writes")
    assert len(_rows(db, kind)) == 3


def test_a_held_write_that_fails_is_raised_by_the_raw_read_after_it(db: Database) -> None:
    tenants.provision(db, "acme", now_s=T0)
    values = {"tenant_id": "acme", "id": "dup2", "seq": 1, "spec": {}, "context": {}, "state": "queued"}
    values |= {"created_s": T0, "arrived_s": T0}
    with db.write() as s:
        repo.insert_escalation(s, values)

    def the_same_escalation_again_then_the_lookup() -> None:
        with db.write() as s:
            repo.insert_escalation(s, values)  # the same key again: fails at once, or with the read
            repo.create_lookup(s, "acme", "k-dup2", "dup2", T0 - 10)

    with pytest.raises(IntegrityError):
        the_same_escalation_again_then_the_lookup()


def test_a_failed_held_write_fails_the_transaction_and_stores_nothing(db: Database) -> None:
    tenants.provision(db, "acme", now_s=T0)
    kind = f"lost-{uuid.uuid4().hex}"
    values = {"tenant_id": "acme", "id": "dup", "seq": 1, "spec": {}, "context": {}, "state": "queued"}
    values |= {"created_s": T0, "arrived_s": T0}
    with db.write() as s:
        repo.insert_escalation(s, values)

    def audit_then_the_same_escalation_again() -> None:
        with db.write() as s:
            RawWrite(AUDIT, AUDIT.insert()).execute(s, [repo.audit_row("acme", T0, kind, {})])
            repo.insert_escalation(s, values)  # the same key again: fails at once, or at the commit

    with pytest.raises(IntegrityError):
        audit_then_the_same_escalation_again()
    assert _rows(db, kind) == []  # the audit row sent before it went with the transaction


def test_an_escalation_update_sets_the_columns_given_and_no_other(db: Database) -> None:
    tenants.provision(db, "acme", now_s=T0)
    values = {"tenant_id": "acme", "id": "e1", "seq": 1, "spec": {}, "context": {"k": 1}, "state": "queued"}
    with db.write() as s:
        repo.insert_escalation(s, values | {"created_s": T0, "arrived_s": T0})
    with db.write() as s:
        repo.update_escalation(s, "acme", "e1", {"state": "offered", "offered_to": ["ana"], "level": 2})
        repo.update_escalation(s, "acme", "other", {"state": "offered"})  # not stored: no-op
    with db.read() as s:
        row = repo.escalation(s, "acme", "e1")
        assert row is not None
        assert (row.state, row.offered_to, row.level, row.context) == ("offered", ["ana"], 2, {"k": 1})


def test_the_key_read_through_the_driver_is_the_sessions(db: Database) -> None:
    """find_key on a lookup connection (a RawRead: the driver's cursor) grants exactly what the
    ORM session's read grants: a live key, and nothing for an unknown, revoked or expired one."""
    from datetime import UTC, datetime

    from routing.service.admin_schemas import KeyIn
    from routing.service.clock import ManualClock

    live = tenants.provision(db, "acme", now_s=T0)
    admin = tenants.Administration(db, ManualClock(T0))
    until = datetime.fromtimestamp(T0 + 60, UTC)
    expiring = admin.create_key("acme", KeyIn(scopes=["read"], expires_at=until), by="cli:tests").api_key
    revoked = admin.create_key("acme", KeyIn(), by="cli:tests")
    admin.revoke_key(revoked.id, by="cli:tests")
    cases = [(live, T0), (expiring, T0 + 30), (expiring, T0 + 60), (revoked.api_key, T0 + 2), ("hk_no", T0)]
    for key, now_s in cases:
        with db.lookup() as conn:
            raw = repo.find_key(conn, key, now_s)
        with db.read() as s:
            orm = repo.find_key(s, key, now_s)
        assert raw == orm
    with db.lookup() as conn:
        got = repo.find_key(conn, expiring, T0)
        assert repo.find_key(conn, revoked.api_key, T0 + 2) is None
    assert got is not None
    assert got.scopes == frozenset({"read"})
