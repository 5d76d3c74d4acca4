"""A tenant's recent events, read from the outbox once per commit for all of its streams.

Without it, every open stream of a tenant runs its own outbox query on every commit: with a
thousand desktops connected that is a thousand queries per decision. The event hub
(:mod:`routing.service.stream`) keeps one :class:`TenantFeed` per tenant with open streams in this
process, extends it with one query per wake-up, and each stream filters the buffered events in
memory. A stream whose cursor is older than the buffer (it resumed from an old ``Last-Event-ID``)
reads the outbox itself until it reaches the buffer.

The feed holds every event of the tenant with a position in ``(floor, last]``, in position order,
at most ``capacity`` of them: when it overflows, the oldest are dropped and ``floor`` moves up.
It is used from the event loop's thread only (no lock).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FeedEvent", "TenantFeed"]


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One outbox row as the streams need it: the frame's fields and the keys they filter on."""

    position: int
    event_id: str
    type: str
    body: str
    agent_id: str | None
    escalation_id: str | None


class TenantFeed:
    """The tenant's events after ``floor``, up to ``last``; see the module docstring.

    ``primed`` is False until the hub has read the outbox once for this feed: until then the feed
    knows nothing beyond its start, and streams read the outbox themselves.

    Raise ValueError if ``capacity`` < 1.
    """

    def __init__(self, tenant_id: str, start_position: int, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity(={capacity}) must be >= 1")
        self.tenant_id = tenant_id
        self.capacity = capacity
        self.floor = start_position
        self.last = start_position
        self.primed = False
        self.streams = 0
        self._events: deque[FeedEvent] = deque()
        self.changed = asyncio.Event()  # replaced by a fresh one each time it is set

    def covers(self, after_position: int) -> bool:
        """Whether every event after ``after_position`` that the outbox held at the last read is
        in the buffer (so a stream at that cursor needs no query of its own)."""
        return self.primed and after_position >= self.floor

    def extend(self, events: Iterable[FeedEvent]) -> int:
        """Append events read after :attr:`last` (in position order); drop the oldest beyond
        ``capacity``. Returns how many were appended; wakes the streams when any were.

        Raise ValueError if an event is not after :attr:`last` (a read that skipped or repeated)."""
        added = 0
        for event in events:
            if event.position <= self.last:
                raise ValueError(f"event position(={event.position}) must be > last(={self.last})")
            self._events.append(event)
            self.last = event.position
            added += 1
        while len(self._events) > self.capacity:
            self.floor = self._events.popleft().position
        self.primed = True
        if added:
            self.wake()
        return added

    def wake(self) -> None:
        """Wake every stream waiting on :attr:`changed` (new events, or the hub is closing)."""
        self.changed.set()
        self.changed = asyncio.Event()

    def matching(
        self,
        after_position: int,
        limit: int,
        *,
        agent_id: str | None = None,
        escalation_id: str | None = None,
        types: frozenset[str] = frozenset(),
    ) -> tuple[list[FeedEvent], int]:
        """Up to ``limit`` buffered events after ``after_position`` that match every filter given,
        oldest first, and the cursor to continue from: the last event returned, or :attr:`last`
        when the page is not full (every buffered event was looked at).

        Call it only where :meth:`covers` holds for ``after_position``."""
        out: list[FeedEvent] = []
        for event in reversed(self._events):  # the new events are at the end: stop at the cursor
            if event.position <= after_position:
                break
            out.append(event)
        out.reverse()
        page = [
            e
            for e in out
            if (agent_id is None or e.agent_id == agent_id)
            and (escalation_id is None or e.escalation_id == escalation_id)
            and (not types or e.type in types)
        ]
        if len(page) >= limit:
            return page[:limit], page[limit - 1].position
        return page, self.last
