"""The tenant feed and the hub's fan-out: one outbox query per tenant and wake-up, however many
streams are open; a stream resumed from before the feed reads the outbox until it reaches it, and
every stream gets exactly its matching events, in order, none twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from routing.service.settings import StreamSettings
from routing.service.storage import outbox as store
from routing.service.storage.database import Database
from routing.service.stream import EventHub, StreamFilter
from routing.service.tenant_feed import FeedEvent, TenantFeed


def event(position: int, *, agent: str | None = None, esc: str | None = None, kind: str = "x") -> FeedEvent:
    return FeedEvent(position, f"evt{position}", kind, "{}", agent, esc)


# ------------------------------------------------------------------------------------ the feed
def test_a_feed_covers_nothing_until_primed_then_everything_after_its_floor() -> None:
    feed = TenantFeed("t", 10, capacity=3)
    assert not feed.covers(10)
    feed.extend([])
    assert feed.covers(10)
    assert feed.covers(11)
    assert not feed.covers(9)


def test_overflow_drops_the_oldest_and_moves_the_floor() -> None:
    feed = TenantFeed("t", 0, capacity=3)
    assert feed.extend(event(p) for p in range(1, 6)) == 5
    assert (feed.floor, feed.last) == (2, 5)
    assert not feed.covers(1)
    assert feed.covers(2)
    page, cursor = feed.matching(2, 10)
    assert [e.position for e in page] == [3, 4, 5]
    assert cursor == 5


def test_matching_filters_and_says_where_to_continue() -> None:
    feed = TenantFeed("t", 0, capacity=10)
    feed.extend(
        [
            event(1, agent="a"),
            event(2, agent="b", esc="e1"),
            event(3, agent="a", esc="e1", kind="y"),
            event(4, agent="a", esc="e2"),
        ]
    )
    page, cursor = feed.matching(0, 10, agent_id="a")
    assert [e.position for e in page] == [1, 3, 4]
    assert cursor == 4
    page, cursor = feed.matching(0, 10, escalation_id="e1", types=frozenset({"y"}))
    assert [e.position for e in page] == [3]
    assert cursor == 4
    page, cursor = feed.matching(0, 2, agent_id="a")
    assert [e.position for e in page] == [1, 3]
    assert cursor == 3
    page, cursor = feed.matching(4, 10)
    assert page == []
    assert cursor == 4


def test_a_read_that_repeats_or_skips_back_is_refused() -> None:
    feed = TenantFeed("t", 5, capacity=3)
    with pytest.raises(ValueError, match=r"position\(=5\) must be > last\(=5\)"):
        feed.extend([event(5)])
    with pytest.raises(ValueError, match=r"capacity\(=0\) must be >= 1"):
        TenantFeed("t", 0, capacity=0)


def test_extending_wakes_the_waiting_streams() -> None:
    async def scenario() -> None:
        feed = TenantFeed("t", 0, capacity=3)
        changed = feed.changed
        feed.extend([])
        assert not changed.is_set()  # nothing new
        feed.extend([event(1)])
        assert changed.is_set()
        assert not feed.changed.is_set()

    asyncio.run(scenario())


# ------------------------------------------------------------------------------------ the hub
class Outbox:
    """A migrated SQLite outbox the test appends events to."""

    def __init__(self, path: Path) -> None:
        self.db = Database(f"sqlite:///{path}")
        self.db.migrate()
        self.n = 0

    def append(self, tenant: str, count: int, agent: str | None = None) -> list[str]:
        ids = []
        with self.db.write() as s:
            rows = []
            for _ in range(count):
                self.n += 1
                ids.append(f"evt_{uuid.uuid4().hex}")
                rows.append(
                    {
                        "id": ids[-1],
                        "tenant_id": tenant,
                        "type": "agent.status_changed",
                        "escalation_id": None,
                        "agent_id": agent,
                        "sequence": None,
                        "stream": f"agent:{agent}",
                        "occurred_s": float(self.n),
                        "body": "{}",
                    }
                )
            store.insert_events(s, rows)
        return ids


async def take(body: AsyncIterator[bytes], count: int, timeout_s: float = 10.0) -> list[str]:
    """The ids of the next ``count`` events of an SSE body (heartbeats and retry lines skipped)."""
    ids: list[str] = []
    async with asyncio.timeout(timeout_s):
        while len(ids) < count:
            chunk = await anext(body)
            if chunk.startswith(b"id: "):
                ids.append(chunk.split(b"\n", 1)[0][4:].decode())
    return ids


def test_many_streams_cost_one_outbox_query_per_wake_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = Outbox(tmp_path / "h.db")
    calls: list[str | None] = []
    page = store.stream_page

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("agent_id"))  # type: ignore[arg-type]
        return page(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "stream_page", counting)

    async def scenario() -> None:
        hub = EventHub(outbox.db, StreamSettings(poll_interval_s=0.05, heartbeat_s=30))
        runner = asyncio.create_task(hub.run())
        streams = []
        for i in range(50):
            slot = hub.try_open()
            assert slot is not None
            which = StreamFilter("acme", agent_id="ana" if i % 2 else None)
            streams.append(hub.stream(slot, which, hub.start_position("acme", None) or 0))
        for s in streams:  # the retry line: every stream has joined the feed
            assert (await anext(s)).startswith(b"retry")
        await asyncio.sleep(0.3)  # primed
        calls.clear()
        ana = outbox.append("acme", 3, agent="ana")
        bob = outbox.append("acme", 2, agent="bob")
        outbox.append("globex", 4, agent="ana")
        hub.notify()
        got = await asyncio.gather(*(take(s, 3 if i % 2 else 5) for i, s in enumerate(streams)))
        for i, ids in enumerate(got):
            assert ids == (ana if i % 2 else ana + bob)
        assert len(calls) <= 4, calls  # one per wake-up of the feed, not one per stream
        await hub.close()
        for s in streams:
            await s.aclose()
        await runner
        assert hub.open_streams == 0
        assert not hub._feeds

    asyncio.run(scenario())


def test_a_stream_resumed_from_before_the_feed_gets_every_event_once_in_order(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "h.db")
    early = outbox.append("acme", 25, agent="ana")

    async def scenario() -> None:
        settings = StreamSettings(poll_interval_s=0.05, heartbeat_s=30, batch_size=4, feed_events=4)
        hub = EventHub(outbox.db, settings)
        runner = asyncio.create_task(hub.run())
        live_slot, old_slot = hub.try_open(), hub.try_open()
        assert live_slot is not None
        assert old_slot is not None
        live = hub.stream(live_slot, StreamFilter("acme"), hub.start_position("acme", None) or 0)
        assert (await anext(live)).startswith(b"retry")
        await asyncio.sleep(0.2)
        resumed_at = hub.start_position("acme", early[2])
        assert resumed_at is not None
        old = hub.stream(old_slot, StreamFilter("acme", agent_id="ana"), resumed_at)
        later: list[str] = []
        for _ in range(3):  # more than the feed holds: the old stream falls behind it and catches up
            later += outbox.append("acme", 5, agent="ana")
            hub.notify()
            await asyncio.sleep(0.05)
        assert await take(old, 22 + 15) == early[3:] + later
        assert await take(live, 15) == later
        await hub.close()
        await live.aclose()
        await old.aclose()
        await runner

    asyncio.run(scenario())
