"""Hot-path writes through the driver's own cursor: the unit of work's fixed-shape inserts and
updates (audit rows, idempotency records, commands, the tenant version, agent state, new
escalations) run once or more per request under the tenant lock, and SQLAlchemy's execution
machinery (statement cache key, execution context, result set-up) was most of their cost.

Each :class:`RawWrite` is a SQLAlchemy statement compiled once per dialect and set of columns;
executing it sends that SQL with the parameters on the session's own DBAPI connection, so it is
part of the session's transaction exactly as the statement would be. Values are passed as
SQLAlchemy would pass them to these drivers (sqlite3, psycopg): JSON columns serialised with
``json.dumps`` (SQLAlchemy's default serialiser, so SQLite stores the same text; PostgreSQL's
JSONB parses it), everything else as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Insert, Table, Update
from sqlalchemy.orm import Session

__all__ = ["RawWrite"]


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
            values = {k: (json.dumps(v) if k in json_keys else v) for k, v in row.items()}
            prepared.append(values if positions is None else tuple(values[k] for k in positions))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if len(prepared) == 1:
                cursor.execute(sql, prepared[0])
            else:
                cursor.executemany(sql, prepared)
        finally:
            cursor.close()

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
            positions = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
            found = self._compiled[cache_key] = (str(compiled), positions)
        return found
