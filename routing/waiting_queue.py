"""The waiting queue: queued escalations, grouped by requirement, and their place in line.

Escalations with equal :class:`~routing.eligibility.Requirement` compete for exactly the same
agents, so they wait in one group, kept sorted by :data:`QueueEntry`: highest priority first (aging
is equal for all, so the order never changes with time), then arrival order. Only the head of a
group can be the best pick for an agent, which is what keeps filling a freed slot cheap.
"""

from __future__ import annotations

import bisect
from collections.abc import ItemsView
from typing import Protocol

import numpy as np

from routing.eligibility import EligibilityCache, Requirement
from routing.roster import AgentTable
from routing.settings import RoutingSettings

#: (-priority at time 0, arrival sequence number, escalation id): sorts best first.
QueueEntry = tuple[float, int, str]


class Waiter(Protocol):
    """What the queue needs of an escalation: what it demands now, and its place in line."""

    @property
    def req(self) -> Requirement: ...
    @property
    def queue_entry(self) -> QueueEntry: ...


class WaitingQueue:
    """Queued escalations per requirement, each group in :data:`QueueEntry` order.

    ``table``, ``cache`` and ``settings`` serve :meth:`estimate` (who competes for the same
    agents, and how fast those agents finish work).
    """

    __slots__ = ("_cache", "_groups", "_settings", "_table")

    def __init__(self, table: AgentTable, cache: EligibilityCache, settings: RoutingSettings) -> None:
        self._groups: dict[Requirement, list[QueueEntry]] = {}
        self._table = table
        self._cache = cache
        self._settings = settings

    def __bool__(self) -> bool:
        return bool(self._groups)

    def add(self, waiter: Waiter) -> None:
        bisect.insort(self._groups.setdefault(waiter.req, []), waiter.queue_entry)

    def remove(self, waiter: Waiter) -> None:
        """Take ``waiter`` out of the queue. It must be queued, under the requirement it has now."""
        group = self._groups[waiter.req]
        del group[bisect.bisect_left(group, waiter.queue_entry)]
        if not group:
            del self._groups[waiter.req]

    def groups(self) -> ItemsView[Requirement, list[QueueEntry]]:
        """(requirement, its entries best first) for every non-empty group."""
        return self._groups.items()

    def ids(self) -> list[str]:
        """Every queued escalation, group by group (the order the groups formed), best first in each."""
        return [esc_id for group in self._groups.values() for _, _, esc_id in group]

    def ids_by_priority(self) -> list[str]:
        """Every queued escalation, highest priority first, then arrival order."""
        entries = sorted(e for group in self._groups.values() for e in group)
        return [esc_id for _, _, esc_id in entries]

    def estimate(self, waiter: Waiter, now_s: float) -> tuple[int, float | None]:
        """1-based position of a queued ``waiter`` among those competing for the same agents, and an ETA.

        Competitors are the queued escalations that some eligible, staffed agent of ``waiter``
        could also take. ETA = position / throughput, where throughput is the recent completion rate of
        those agents (decayed over ``completion_window_s``), or, before any completion was seen,
        their channel caps over the default handle time; ``None`` when none is staffed.
        """
        t, settings, cache = self._table, self._settings, self._cache
        req, entry = waiter.req, waiter.queue_entry
        pool = cache.get(req).mask & t.staffed()
        ahead = 0
        for other, group in self._groups.items():
            if (cache.get(other).mask & pool).any():
                ahead += bisect.bisect_left(group, entry)
        position = ahead + 1
        rows = np.flatnonzero(pool)
        if rows.size == 0:
            return position, None
        rate = t.completion_rate_per_s(rows, now_s, settings.completion_window_s)
        if rate <= 0:
            rate = float(t.cap[rows, req.channel_col].sum()) / settings.default_handle_time_s.get(
                req.channel, 600.0
            )
        return position, position / rate if rate > 0 else None
