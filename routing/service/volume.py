"""The AI platform's conversation volume: how many conversations the assistant had per interval
and segment, whether or not they escalated -- the escalation rate's denominator.

:class:`ConversationVolumes` is what the ``/v1/conversation-volume`` router calls. A report is
idempotent per interval start and segment: a count reported again replaces the stored one (the
platform may correct or re-send a day). Intervals of one segment never overlap: a report that
would overlap a stored interval of another start raises :class:`~routing.errors.Conflict` naming
both, and stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from routing import timestamps
from routing.errors import Conflict, FieldProblem, InvalidInput
from routing.service.clock import Clock
from routing.service.schemas import at
from routing.service.storage import volume as store
from routing.service.storage.database import Database
from routing.service.volume_schemas import VolumeIn, VolumeIntervalOut, VolumePage, VolumeStored

__all__ = ["MAX_READ_DAYS", "ConversationVolumes"]

#: the longest period one read returns
MAX_READ_DAYS = 31


class ConversationVolumes:
    """Reports and reads of the tenants' conversation volume. Thread-safe."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def report(self, tenant_id: str, body: VolumeIn) -> VolumeStored:
        """Store the counts of ``body`` for the tenant, replacing those of the same interval start
        and segment. Raise :class:`Conflict` if an interval overlaps a stored one of the same
        segment that starts elsewhere (nothing is stored then)."""
        now_s = self.clock.now_s()
        items = [
            (item.segment or "", item.start_s, int(item.interval_s), item.conversations)
            for item in body.intervals
        ]
        from_s = min(start_s for _, start_s, _, _ in items)
        to_s = max(start_s + length_s for _, start_s, length_s, _ in items)
        with self.db.write() as s:
            stored = store.overlapping(s, tenant_id, [i[0] for i in items], from_s, to_s)
            for i, (segment, start_s, length_s, _) in enumerate(items):
                clash = _overlap(segment, start_s, length_s, stored)
                if clash is not None:
                    raise Conflict(
                        f"intervals[{i}] ({timestamps.iso(start_s)}, {length_s} s) overlaps the stored "
                        f"interval of segment {segment or '(all segments)'} starting "
                        f"{timestamps.iso(clash[0])} ({clash[1]} s); report the same interval starts, "
                        "or none that overlap"
                    )
            starts = {(seg, start_s) for seg, start_s, _ in stored}
            replaced = sum((segment, start_s) in starts for segment, start_s, _, _ in items)
            store.upsert(
                s,
                [
                    {
                        "tenant_id": tenant_id,
                        "segment": segment,
                        "interval_start_s": start_s,
                        "interval_s": length_s,
                        "conversations": count,
                        "reported_s": now_s,
                    }
                    for segment, start_s, length_s, count in items
                ],
            )
        return VolumeStored(stored=len(items) - replaced, replaced=replaced)

    def read(self, tenant_id: str, from_s: float, to_s: float, segment: str | None = None) -> VolumePage:
        """The tenant's counts of intervals starting in [``from_s``, ``to_s``) (of one segment if
        given; ``""`` reads those reported without one). Raise :class:`InvalidInput` if the
        period is empty or longer than :data:`MAX_READ_DAYS` days."""
        if to_s <= from_s:
            raise InvalidInput([FieldProblem("query.to", "must be after from")])
        if to_s - from_s > MAX_READ_DAYS * 86_400:
            raise InvalidInput([FieldProblem("query.to", f"at most {MAX_READ_DAYS} days after from")])
        with self.db.read() as s:
            rows = store.read(s, tenant_id, from_s, to_s, segment)
        return VolumePage(
            intervals=[
                VolumeIntervalOut(
                    interval_start=timestamps.utc(start_s),
                    interval_start_s=timestamps.epoch_s(start_s),
                    interval_s=length_s,
                    segment=seg or None,
                    conversations=count,
                    reported_at=at(reported_s),
                )
                for start_s, length_s, seg, count, reported_s in rows
            ]
        )


def _overlap(
    segment: str, start_s: float, length_s: int, stored: Iterable[tuple[str, float, int]]
) -> tuple[float, int] | None:
    """(start, length) of a stored interval of ``segment`` that overlaps [start, start + length)
    and starts elsewhere, or None."""
    end_s = start_s + length_s
    for seg, other_s, other_length_s in stored:
        if seg == segment and other_s != start_s and other_s < end_s and start_s < other_s + other_length_s:
            return other_s, other_length_s
    return None
