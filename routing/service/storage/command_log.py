"""The command log's queries (table ``commands``, :class:`~routing.service.storage.models.CommandRow`):
append one command per committed event, read those after a version, purge the old ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session

from routing.service.storage.models import CommandRow, Tenant
from routing.service.storage.raw import RawWrite

__all__ = ["StoredCommand", "after", "append", "purge"]

COMMANDS = cast(Table, CommandRow.__table__)
_TENANTS = cast(Table, Tenant.__table__)
_AFTER = (
    select(COMMANDS.c.version, COMMANDS.c.now_s, COMMANDS.c.calls, COMMANDS.c.digest)
    .where(COMMANDS.c.tenant_id == bindparam("t"), COMMANDS.c.version > bindparam("v"))
    .order_by(COMMANDS.c.version)
)
_INSERT = RawWrite(COMMANDS, COMMANDS.insert())


class StoredCommand(NamedTuple):
    """One command as stored: the version it made, when, the dispatcher calls, the digest."""

    version: int
    now_s: float
    calls: list[Any]
    digest: str


def append(
    session: Session, tenant_id: str, version: int, now_s: float, calls: list[Any], digest: str
) -> None:
    """Store the command that made ``version`` of the tenant (in the event's transaction)."""
    row = {"tenant_id": tenant_id, "version": version, "now_s": now_s, "calls": calls, "digest": digest}
    _INSERT.execute(session, [row])


def after(session: Session, tenant_id: str, version: int) -> Sequence[StoredCommand]:
    """The tenant's commands after ``version``, oldest first."""
    rows = session.connection().execute(_AFTER, {"t": tenant_id, "v": version})
    return [StoredCommand(int(r[0]), float(r[1]), list(r[2]), str(r[3])) for r in rows]


def purge(session: Session, keep: int) -> int:
    """Delete every tenant's commands more than ``keep`` versions behind its current one; returns
    how many were deleted."""
    current = select(_TENANTS.c.version).where(_TENANTS.c.id == COMMANDS.c.tenant_id).scalar_subquery()
    result = session.execute(delete(COMMANDS).where(COMMANDS.c.version <= current - keep))
    return int(getattr(result, "rowcount", 0) or 0)
