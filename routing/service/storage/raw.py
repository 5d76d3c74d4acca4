"""Hot-path writes through the driver's own cursor: the unit of work's fixed-shape inserts and
updates (audit rows, idempotency records, commands, the tenant version, agent state, new
escalations) run once or more per request under the tenant lock, and SQLAlchemy's execution
machinery (statement cache key, execution context, result set-up) was most of their cost.

Each :class:`RawWrite` is a SQLAlchemy statement compiled once per dialect and set of columns;
executing it sends that SQL with the parameters on the session's own DBAPI connection, so it is
part of the session's transaction exactly as the statement would be. Values are passed as
SQLAlchemy would pass them to these drivers (sqlite3, psycopg): JSON columns serialised with
:func:`.json_text.dumps` (the engines' serialiser too, so SQLite stores the same text; PostgreSQL's
JSONB parses it), everything else as it is.

On PostgreSQL (:func:`hold_writes`) these writes are held back and sent together in one psycopg
pipeline -- one round trip instead of one per statement, under the tenant lock -- before the
connection's next other statement and before the commit, so every statement still sees them and
a failed one fails the transaction; a rollback drops them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import closing, nullcontext, suppress
from typing import Any

from sqlalchemy import JSON, Connection, Engine, Insert, Select, Table, Update, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from routing.service.storage.json_text import dumps

__all__ = ["RawRead", "RawUpsert", "RawWrite", "Savepoint", "hold_writes"]

#: ``Connection.info`` key of the writes a transaction holds back (absent: writes run at once)
_HELD = "handoff_held_writes"


class RawWrite:
    """``statement`` (an INSERT of ``table`` without RETURNING, or an UPDATE with bind parameters
    only), executed on the session's DBAPI connection for one or more parameter sets.
    ``json_binds``: the parameters that carry JSON columns' values (by default those named as a
    JSON column of ``table``)."""

    def __init__(
        self, table: Table, statement: Insert | Update, json_binds: frozenset[str] | None = None
    ) -> None:
        self.table = table
        self.statement = statement
        self.json_keys = (
            frozenset(c.key for c in table.columns if isinstance(c.type, JSON))
            if json_binds is None
            else json_binds
        )
        self._compiled: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...] | None]] = {}

    def execute(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute for each of ``rows`` (bind parameter or column name -> value; an insert's rows
        all name the same columns), in order, in the session's transaction."""
        if not rows:
            return
        conn = session.connection()
        keys = tuple(rows[0])
        sql, positions = self._sql(conn.dialect, keys)
        json_keys = self.json_keys
        prepared: list[Any] = []
        for row in rows:
            values = {k: (dumps(v) if k in json_keys else v) for k, v in row.items()}
            prepared.append(values if positions is None else tuple(values[k] for k in positions))
        _queue(conn, sql, prepared)

    def _sql(self, dialect: Any, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...] | None]:
        """(the SQL, the order of positional parameters or None for named ones)."""
        cache_key = (dialect.name, keys if isinstance(self.statement, Insert) else ())
        found = self._compiled.get(cache_key)
        if found is None:
            column_keys = list(keys) if isinstance(self.statement, Insert) else None
            compiled = self.statement.compile(dialect=dialect, column_keys=column_keys)
            missing = set(compiled.binds) - set(keys) if column_keys is not None else set()
            if missing:  # a column default SQLAlchemy would fill in: the caller must give it
                raise ValueError(f"{self.table.name}: no value for {sorted(missing)}")
            found = self._compiled[cache_key] = _sql_of(compiled)
        return found


class RawRead:
    """A SELECT with bind parameters only, run on the connection's own DBAPI cursor: its first row
    (a tuple of the columns, as the driver gives them) or None. For the one-statement reads of
    the hot path (the API key of every request, the create's look-up), where SQLAlchemy's
    execution set-up was most of their cost. Reads what the connection's transaction sees: the
    writes it holds back (:func:`hold_writes`) are sent first, in the same pipeline as the read
    -- one round trip for both -- and the first of them that fails raises, as it would before
    any other statement."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        name = conn.dialect.name
        found = self._compiled.get(name)
        if found is None:
            found = self._compiled[name] = _sql_of(self.statement.compile(dialect=conn.dialect))
        sql, positions = found
        args = params if positions is None else tuple(params[k] for k in positions)
        held: list[tuple[str, list[Any]]] | None = conn.info.get(_HELD)
        if held:
            conn.info[_HELD] = []
        driver: Any = conn.connection.driver_connection
        try:
            with closing(driver.cursor()) as cursor:
                if held:  # the pipeline's end sends everything and fetches every result at once
                    with driver.pipeline(), closing(driver.cursor()) as writing:
                        for write, rows in held:
                            _execute(writing, write, rows)
                        cursor.execute(sql, args)
                else:
                    cursor.execute(sql, args)
                row = cursor.fetchone()
        except conn.dialect.loaded_dbapi.Error as err:
            raise _as_sqlalchemy(conn, sql, err) from err
        return None if row is None else tuple(row)


class RawUpsert:
    """An INSERT of ``table`` that, where a row with the same ``key`` columns exists, replaces its
    ``replace`` columns instead (``ON CONFLICT ... DO UPDATE``, on SQLite and PostgreSQL): a
    :class:`RawWrite` per dialect, built the first time it is used there."""

    def __init__(self, table: Table, key: Sequence[str], replace: Sequence[str]) -> None:
        self.table = table
        self.key = list(key)
        self.replace = list(replace)
        self._writes: dict[str, RawWrite] = {}

    def execute(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert or replace each of ``rows`` (every column they name), in order, in the session's
        transaction."""
        name = session.get_bind().dialect.name
        write = self._writes.get(name)
        if write is None:
            insert = (postgresql if name == "postgresql" else sqlite).insert(self.table)
            statement = insert.on_conflict_do_update(
                index_elements=self.key, set_={c: insert.excluded[c] for c in self.replace}
            )
            write = self._writes[name] = RawWrite(self.table, statement)
        write.execute(session, rows)


class Savepoint:
    """A savepoint in the session's transaction, set, released and rolled back with the
    transaction's held writes: on PostgreSQL a savepoint that is released costs no round trip of
    its own (SQLAlchemy's ``begin_nested`` sends SAVEPOINT and RELEASE at once, two round trips per
    event of a group). The session is flushed first, so that what came before is not undone with
    what comes after; on :meth:`rollback` every ORM object leaves the session (what it knew of the
    rows may be undone), to be read again when asked for."""

    NAME = "handoff_event"

    def __init__(self, session: Session) -> None:
        session.flush()
        self.session = session
        self.conn = session.connection()
        _queue(self.conn, f"SAVEPOINT {self.NAME}")

    def release(self) -> None:
        """Keep what was written since the savepoint was set."""
        self.session.flush()
        _queue(self.conn, f"RELEASE SAVEPOINT {self.NAME}")

    def rollback(self) -> None:
        """Undo what was written since the savepoint was set. Raise what the database raises when
        it cannot (a write held from before the savepoint failed: the transaction is lost)."""
        with suppress(exc.DBAPIError):  # a write since the savepoint failed: undone below
            send_held(self.conn)
        undo = [(f"ROLLBACK TO SAVEPOINT {self.NAME}", [()]), (f"RELEASE SAVEPOINT {self.NAME}", [()])]
        _send(self.conn, undo, pipelined=False)
        self.session.expunge_all()


def _queue(conn: Connection, sql: str, rows: list[Any] | None = None) -> None:
    """Execute ``sql`` for each of ``rows`` (parameter sets; by default one, empty) with the
    writes ``conn``'s transaction holds back, or now when it holds none back."""
    writes = [(sql, [()] if rows is None else rows)]
    held: list[tuple[str, list[Any]]] | None = conn.info.get(_HELD)
    if held is not None:
        held.extend(writes)
    else:
        _send(conn, writes, pipelined=False)


def _sql_of(compiled: Any) -> tuple[str, tuple[str, ...] | None]:
    """A compiled statement's (SQL, the order of its positional parameters or None for named)."""
    positions = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return str(compiled), positions


def hold_writes(engine: Engine) -> None:
    """Make :class:`RawWrite` hold its writes back in transactions on ``engine`` (PostgreSQL with
    psycopg 3) and send them in one pipeline before the connection's next other statement and
    before commit; a rollback drops them (see the module docstring)."""

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.info[_HELD] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Connection, *_: Any) -> None:
        send_held(conn)

    @event.listens_for(engine, "commit")
    def _commit(conn: Connection) -> None:
        send_held(conn)

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Connection) -> None:
        conn.info.pop(_HELD, None)


def send_held(conn: Connection) -> None:
    """Send the writes ``conn``'s transaction holds back, in order, in one pipeline; raise what
    the first failed one raises (the transaction is then to be rolled back)."""
    held: list[tuple[str, list[Any]]] | None = conn.info.get(_HELD)
    if not held:
        return
    conn.info[_HELD] = []
    _send(conn, held, pipelined=True)


def _send(conn: Connection, writes: list[tuple[str, list[Any]]], *, pipelined: bool) -> None:
    """Execute each (SQL, parameter sets) on ``conn``'s DBAPI connection, in order (in one
    psycopg pipeline if ``pipelined``); driver errors are raised as SQLAlchemy's."""
    driver: Any = conn.connection.driver_connection
    sql = ""
    try:
        with driver.pipeline() if pipelined else nullcontext(), closing(driver.cursor()) as cursor:
            for sql, rows in writes:
                _execute(cursor, sql, rows)
    except conn.dialect.loaded_dbapi.Error as err:
        raise _as_sqlalchemy(conn, sql, err) from err


def _execute(cursor: Any, sql: str, rows: list[Any]) -> None:
    """Execute ``sql`` for each of ``rows`` (parameter sets) on the DBAPI ``cursor``."""
    if len(rows) == 1:
        cursor.execute(sql, rows[0])
    else:
        cursor.executemany(sql, rows)


def _as_sqlalchemy(conn: Connection, sql: str, err: Exception) -> Exception:
    """The driver's error as SQLAlchemy would have raised it (an unreachable database is an
    ``OperationalError``, a 503 to the API, as for any other statement)."""
    return exc.DBAPIError.instance(sql, None, err, conn.dialect.loaded_dbapi.Error)
