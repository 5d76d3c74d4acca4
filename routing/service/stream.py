"""The event stream: Server-Sent Events read from the outbox, for agent desktops and supervisors.

The outbox (:mod:`routing.service.outbox`) is the only source: a stream is a cursor on the
outbox's ``position`` column, so it sees exactly the committed events, in commit order, whichever
instance committed them, and a client that reconnects with the id of the last event it received
(``Last-Event-ID``) gets every event after it, none twice.

One :class:`EventHub` per process wakes the streams: it looks at the newest position every
``poll_interval_s`` (events committed by other instances, or by the webhook worker); when this
process commits events (:meth:`EventHub.notify`, called by the unit of work once per group commit)
it reads on at once, without that look. When it moved, the hub reads each tenant's new events once
into that tenant's :class:`~routing.service.tenant_feed.TenantFeed`, and the woken streams filter
the feed in memory: one query per tenant and commit, however many streams are open. A stream whose
cursor is older than the feed (resumed from an old ``Last-Event-ID``) reads the outbox itself, a
page at a time, until it reaches the feed. The hub caps the open streams (``max_streams``) and ends
them all on :meth:`EventHub.close` (shutdown).

Frames: ``id: <event id>``, ``event: <type>``, ``data: <the event JSON, as webhooks send it>``;
a comment ``: heartbeat`` after ``heartbeat_s`` without an event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import suppress
from dataclasses import dataclass

from routing.service.settings import StreamSettings
from routing.service.storage import outbox as store
from routing.service.storage.database import Database
from routing.service.tenant_feed import FeedEvent, TenantFeed
from routing.service.wakeup import Wakeup

__all__ = ["EventHub", "Slot", "StreamFilter", "frame"]

log = logging.getLogger("handoff.service")

HEARTBEAT = b": heartbeat\n\n"


@dataclass(frozen=True, slots=True)
class StreamFilter:
    """Which of a tenant's events a stream carries: all filters given must match."""

    tenant_id: str
    agent_id: str | None = None
    escalation_id: str | None = None
    types: Sequence[str] = ()


def frame(event_id: str, event_type: str, body: str) -> bytes:
    """One SSE message. ``body`` is one line of JSON (no newline can split the ``data:`` field)."""
    return f"id: {event_id}\nevent: {event_type}\ndata: {body}\n\n".encode()


class Slot:
    """One of the hub's ``max_streams`` places, held by one open stream; :meth:`release` gives it
    back (idempotent: both the stream's end and its response's end call it)."""

    def __init__(self, hub: EventHub) -> None:
        self._hub: EventHub | None = hub

    def release(self) -> None:
        if self._hub is not None:
            self._hub.open_streams -= 1
            self._hub = None


class EventHub:
    """Wakes the open streams of this process when events were committed; caps and ends them.

    :meth:`run` is the poll loop (one per process); :meth:`notify` may be called from any thread.
    """

    def __init__(self, db: Database, settings: StreamSettings) -> None:
        self.db = db
        self.settings = settings
        self.open_streams = 0
        self._wakeup = Wakeup()
        self._feeds: dict[str, TenantFeed] = {}
        self._closed = asyncio.Event()
        self._last = 0

    # ------------------------------------------------------------------------------------ waking
    def notify(self) -> None:
        """Events were committed here: look at the outbox now, not at the next poll. Any thread."""
        self._wakeup.set()

    async def run(self) -> None:
        """Poll the newest outbox position until :meth:`close`; when it moved (or a feed is new),
        read the new events into the tenants' feeds, which wakes their streams."""
        wake = self._wakeup.bind()
        try:
            while not self._closed.is_set():
                notified = wake.is_set()  # this process committed events (or a feed is new)
                wake.clear()
                more = False
                try:
                    if notified and self._feeds:  # the feeds read on: no need to ask whether to
                        more = await self._refresh()
                    else:  # a poll (another instance's events?); nobody to wake: spare the query
                        last = await asyncio.to_thread(self._newest) if self._feeds else self._last
                        if last != self._last or any(not f.primed for f in self._feeds.values()):
                            more = await self._refresh()
                            if not more:  # else the next round reads on, however the position moved
                                self._last = last
                except Exception as exc:  # storage down: streams keep waiting, the next poll retries
                    log.error("event stream poll failed: %s", type(exc).__name__)
                if more:
                    continue  # a feed read a full page: read on before waiting
                with suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=self.settings.poll_interval_s)
        finally:
            self._wakeup.unbind()

    async def _refresh(self) -> bool:
        """Extend every feed with its tenant's new events (a new feed first learns where the
        tenant's outbox ends); True if some feed read a full page (more may be waiting)."""
        more = False
        for feed in list(self._feeds.values()):
            if not feed.primed:
                start = await asyncio.to_thread(self._tenant_newest, feed.tenant_id)
                feed.floor = feed.last = max(feed.last, start)
                feed.extend(())
                feed.wake()  # streams that read the outbox meanwhile may now use the feed
                continue
            page = await asyncio.to_thread(self._read, feed.tenant_id, feed.last)
            feed.extend(page)
            more = more or len(page) == self.settings.batch_size
        return more

    def _tenant_newest(self, tenant_id: str) -> int:
        with self.db.read() as s:
            return store.last_position(s, tenant_id)

    def _read(self, tenant_id: str, after_position: int) -> list[FeedEvent]:
        with self.db.lookup() as conn:  # one statement: no session around it
            rows = store.stream_page(conn, tenant_id, after_position, self.settings.batch_size)
        return [FeedEvent(*row) for row in rows]

    def _newest(self) -> int:
        with self.db.read() as s:
            return store.last_position(s)

    async def close(self) -> None:
        """End every open stream (cleanly: the response finishes) and the poll loop."""
        self._close_now()

    def close_threadsafe(self) -> None:
        """:meth:`close` from any thread (a signal handler); a no-op once the loop is gone."""
        self._wakeup.call_soon(self._close_now)

    def _close_now(self) -> None:
        self._closed.set()
        for feed in self._feeds.values():
            feed.wake()
        if self._wakeup.event is not None:
            self._wakeup.event.set()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    # ------------------------------------------------------------------------------------ streams
    def try_open(self) -> Slot | None:
        """Take a stream slot; None when ``max_streams`` are open or the hub is closing.
        Call it in the event loop's thread (the count is not locked)."""
        if self.closed or self.open_streams >= self.settings.max_streams:
            return None
        self.open_streams += 1
        return Slot(self)

    def start_position(self, tenant_id: str, last_event_id: str | None) -> int | None:
        """Where a new stream starts: after ``last_event_id`` if given (None if the tenant has no
        such event), else after the tenant's newest event (only what happens from now on)."""
        with self.db.read() as s:
            if last_event_id is not None:
                return store.position_of(s, tenant_id, last_event_id)
            return store.last_position(s, tenant_id)

    async def stream(self, slot: Slot, which: StreamFilter, after_position: int) -> AsyncIterator[bytes]:
        """The SSE body: the matching events after ``after_position``, then each one as it is
        committed, with heartbeats, until the client leaves or the hub closes. Releases ``slot``
        (from :meth:`try_open`) when it ends."""
        cfg = self.settings
        feed = self._join(which.tenant_id, after_position)
        types = frozenset(which.types)
        try:
            yield b"retry: 1000\n\n"
            quiet_since = time.monotonic()
            while not self.closed:
                changed = feed.changed  # taken before reading: a commit during the read wakes us
                if feed.covers(after_position):
                    page, after_position = feed.matching(
                        after_position,
                        cfg.batch_size,
                        agent_id=which.agent_id,
                        escalation_id=which.escalation_id,
                        types=types,
                    )
                else:
                    # the feed's events were read before this read began: this read sees them all
                    known = feed.last if feed.primed else after_position
                    page = await asyncio.to_thread(self._page, which, after_position)
                    after_position = page[-1].position if page else after_position
                    if len(page) < cfg.batch_size:
                        after_position = max(after_position, known)
                for event in page:
                    yield frame(event.event_id, event.type, event.body)
                if page:
                    quiet_since = time.monotonic()
                if len(page) == cfg.batch_size:
                    continue  # more are waiting
                timeout_s = quiet_since + cfg.heartbeat_s - time.monotonic()
                if timeout_s > 0:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), timeout=timeout_s)
                if not changed.is_set() and time.monotonic() - quiet_since >= cfg.heartbeat_s:
                    yield HEARTBEAT
                    quiet_since = time.monotonic()
        finally:
            self._leave(feed)
            slot.release()

    def _join(self, tenant_id: str, after_position: int) -> TenantFeed:
        feed = self._feeds.get(tenant_id)
        if feed is None:
            capacity = max(self.settings.feed_events, self.settings.batch_size)
            feed = self._feeds[tenant_id] = TenantFeed(tenant_id, after_position, capacity)
            self._wakeup.set()  # the hub primes the new feed at once
        feed.streams += 1
        return feed

    def _leave(self, feed: TenantFeed) -> None:
        feed.streams -= 1
        if feed.streams == 0 and self._feeds.get(feed.tenant_id) is feed:
            del self._feeds[feed.tenant_id]

    def _page(self, which: StreamFilter, after_position: int) -> list[FeedEvent]:
        with self.db.lookup() as conn:
            rows = store.stream_page(
                conn,
                which.tenant_id,
                after_position,
                self.settings.batch_size,
                agent_id=which.agent_id,
                escalation_id=which.escalation_id,
                types=which.types,
            )
        return [FeedEvent(*row) for row in rows]
