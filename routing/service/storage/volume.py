"""Queries of the conversation volume (``conversation_volume``): one row per tenant, segment
(``""``: all segments together) and interval start."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from routing.service.storage.models import ConversationVolume
from routing.service.storage.raw import RawUpsert

__all__ = ["VOLUME", "overlapping", "read", "upsert"]

VOLUME = cast(Table, ConversationVolume.__table__)
_UPSERT = RawUpsert(
    VOLUME,
    key=["tenant_id", "segment", "interval_start_s"],
    replace=["interval_s", "conversations", "reported_s"],
)
LONGEST_INTERVAL_S = 3600  # the longest interval a row may have (routing.service.volume_schemas)


def overlapping(
    session: Session, tenant_id: str, segments: Sequence[str], from_s: float, to_s: float
) -> list[tuple[str, float, int]]:
    """(segment, interval_start_s, interval_s) of the tenant's stored rows of ``segments`` that may
    overlap [``from_s``, ``to_s``): those starting up to the longest interval before it."""
    v = VOLUME
    query = select(v.c.segment, v.c.interval_start_s, v.c.interval_s).where(
        v.c.tenant_id == tenant_id,
        v.c.segment.in_(sorted(set(segments))),
        v.c.interval_start_s > from_s - LONGEST_INTERVAL_S,
        v.c.interval_start_s < to_s,
    )
    return [(str(r[0]), float(r[1]), int(r[2])) for r in session.connection().execute(query)]


def upsert(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every column of the table), replacing the count, length and report time
    of a row with the same tenant, segment and interval start."""
    _UPSERT.execute(session, rows)


def read(
    session: Session, tenant_id: str, from_s: float, to_s: float, segment: str | None = None
) -> list[tuple[float, int, str, int, float]]:
    """(interval_start_s, interval_s, segment, conversations, reported_s) of the tenant's rows
    starting in [``from_s``, ``to_s``) (of one segment if given), by start, then segment."""
    v = VOLUME
    query = select(
        v.c.interval_start_s, v.c.interval_s, v.c.segment, v.c.conversations, v.c.reported_s
    ).where(v.c.tenant_id == tenant_id, v.c.interval_start_s >= from_s, v.c.interval_start_s < to_s)
    if segment is not None:
        query = query.where(v.c.segment == segment)
    rows = session.connection().execute(query.order_by(v.c.interval_start_s, v.c.segment))
    return [(float(r[0]), int(r[1]), str(r[2]), int(r[3]), float(r[4])) for r in rows]
