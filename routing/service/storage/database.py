"""Connections, transactions and the per-tenant lock.

Every event of a tenant runs in :meth:`Database.tenant_transaction`, which holds the tenant's lock
until commit:

* PostgreSQL: ``SELECT ... FOR UPDATE`` on the tenant's row. Two service instances thus never apply
  two events of one tenant at once, so neither can offer an agent slot or an escalation that the
  other just took: the second waits, sees the bumped ``version``, and rebuilds from the rows.
* SQLite: ``BEGIN IMMEDIATE`` (SQLite has one writer at a time anyway), WAL journal.

Inside one process a :class:`threading.Lock` per tenant (per database for SQLite) queues threads
before they reach the database, so they wait in order instead of polling a busy database.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, bindparam, create_engine, event, exc, select, text
from sqlalchemy.orm import Session, sessionmaker

from routing.service.storage.json_text import dumps
from routing.service.storage.models import Tenant
from routing.service.storage.raw import hold_writes
from routing.service.storage.write_turn import TurnTimeout, WriteTurn

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK_ID = 0x68616E64  # "hand": PostgreSQL advisory lock held while migrating


_TENANTS = cast(Table, Tenant.__table__)
#: the tenant lock: FOR UPDATE on PostgreSQL (SQLite ignores it; BEGIN IMMEDIATE serialises there)
_LOCK_TENANT = select(_TENANTS.c.version).where(_TENANTS.c.id == bindparam("t")).with_for_update()


_TRY_ADVISORY_LOCKS = text(
    "SELECT pg_try_advisory_xact_lock(hashtextextended(u.k, 0)) "
    "FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS u(k, i) ORDER BY u.i"
)


class TenantNotFound(LookupError):
    """The tenant row does not exist."""


class Database:
    """The service's database. ``url`` is a SQLAlchemy URL (``sqlite:///file`` or PostgreSQL)."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, sqlite_synchronous, "BEGIN")
            self._write_engine = _sqlite_engine(url, sqlite_synchronous, "BEGIN IMMEDIATE")
        else:
            self.engine = create_engine(
                url, pool_size=8, max_overflow=32, pool_pre_ping=True, json_serializer=dumps
            )
            if self.engine.dialect.driver == "psycopg":  # the hot path's writes: one round trip
                hold_writes(self.engine)
            self._write_engine = self.engine
        # SQLite: its reads start a deferred BEGIN (the engine's) and end with a rollback, as
        # sessions' do; PostgreSQL: autocommit, set on checkout and reset on return (no round trip)
        self._lookup = (
            self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (safe when several instances start at once)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._write_engine.begin() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def schema_revision(self) -> tuple[str | None, str]:
        """(the database's migration revision, None if it has no schema yet; the newest one).
        Reads only."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        head = ScriptDirectory.from_config(config).get_current_head()
        assert head is not None, "the migrations have one head"
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision(), head

    def dispose(self) -> None:
        self.engine.dispose()
        self._write_engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (committed data as of its first statement)."""
        with self._read() as session:
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A connection for one-statement reads of committed data, each seeing what is committed
        when it runs (as :meth:`read`'s first statement does), without an ORM session. On
        PostgreSQL in autocommit: a read is one round trip, no BEGIN and ROLLBACK around it (the
        API key check of every request, :func:`~.repository.find_key`)."""
        with self._lookup.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction without a tenant lock (tenant and key administration)."""
        with self._local_lock("*"), self._write() as session, session.begin():
            yield session

    @contextmanager
    def tenant_transaction(self, tenant_id: str) -> Iterator[tuple[Session, int]]:
        """A write transaction holding the tenant's lock; yields (session, stored version).

        Commits when the block ends normally, rolls back on an exception. Raises
        :class:`TenantNotFound` if the tenant does not exist.
        """
        with self._local_lock(tenant_id), self._write() as session, session.begin():
            version = session.connection().execute(_LOCK_TENANT, {"t": tenant_id}).scalar_one_or_none()
            if version is None:
                raise TenantNotFound(tenant_id)
            yield session, version

    def try_advisory_locks(self, session: Session, keys: list[str]) -> list[bool]:
        """Take a transaction-scoped advisory lock on each of ``keys`` in ``session``'s transaction
        without waiting, in one statement; for each, whether it was taken (False: another
        transaction holds it -- this is how a request still in flight on another instance is told
        apart from one that finished). Always True on SQLite: its one writer at a time holds every
        lock."""
        if self.is_sqlite or not keys:
            return [True] * len(keys)
        rows = session.execute(_TRY_ADVISORY_LOCKS, {"keys": keys}).scalars().all()
        return [bool(got) for got in rows]

    def _local_lock(self, tenant_id: str) -> threading.Lock:
        name = "*" if self.is_sqlite else tenant_id  # SQLite: one writer per database
        with self._locks_guard:
            lock = self._locks.get(name)
            if lock is None:
                lock = self._locks[name] = threading.Lock()
            return lock


def _sqlite_engine(url: str, synchronous: str, begin: str) -> Engine:
    """A SQLite engine in WAL mode whose transactions start with ``begin`` (pysqlite's own
    transaction handling is turned off so that BEGIN IMMEDIATE is possible).

    A ``BEGIN IMMEDIATE`` that finds the write lock taken by another process (``handoff
    deliver`` beside the server, a second server) polls for it every
    :data:`_WRITE_LOCK_POLL_S` (:func:`_begin_immediate`) instead of leaving it to SQLite's busy
    handler, whose sleeps grow to 100 ms: against a process that takes the lock again and again,
    those sleeps were the webhook sender's and the server's longest waits. It polls holding the
    processes' :class:`~.write_turn.WriteTurn`, so that the other process's next writer lets it
    in rather than taking the lock again first. Once a transaction
    holds the write lock, nothing in it waits for another connection (WAL: readers never block
    the writer, and the automatic checkpoint is passive), so its connections need no busy
    handler at all; every other connection keeps a 30 s one."""
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, json_serializer=dumps
    )
    immediate = begin == "BEGIN IMMEDIATE"
    turn = WriteTurn(engine.url.database)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if immediate:
            cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if immediate:
            _begin_immediate(conn.connection.driver_connection, turn)
        else:
            conn.exec_driver_sql(begin)

    return engine


#: how often a BEGIN IMMEDIATE looks again for SQLite's write lock while another process holds it
_WRITE_LOCK_POLL_S = 0.0005
#: how long it looks before it fails (as SQLite's busy timeout would: "database is locked")
_WRITE_LOCK_TIMEOUT_S = 30.0


def _begin_immediate(dbapi_conn: sqlite3.Connection, turn: WriteTurn) -> None:
    """Start a write transaction on ``dbapi_conn`` (busy timeout 0), waiting for the write lock up
    to :data:`_WRITE_LOCK_TIMEOUT_S` by polling, in ``turn``. Raise SQLAlchemy's
    ``OperationalError`` ("database is locked") when it is still taken then, as the statement
    would have."""
    deadline = time.monotonic() + _WRITE_LOCK_TIMEOUT_S
    try:
        with turn.held(deadline):
            while True:
                try:
                    dbapi_conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as err:
                    if "locked" not in str(err) or time.monotonic() > deadline:
                        raise exc.OperationalError("BEGIN IMMEDIATE", None, err) from err
                time.sleep(_WRITE_LOCK_POLL_S)
    except TurnTimeout as err:
        locked = sqlite3.OperationalError(f"database is locked ({err})")
        raise exc.OperationalError("BEGIN IMMEDIATE", None, locked) from err
