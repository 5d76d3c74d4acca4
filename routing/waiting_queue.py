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
from routing.roster import AgentTable, BoolArray

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

    ``table`` and ``cache`` serve :meth:`ahead` (who competes for the same agents).
    """

    __slots__ = ("_cache", "_counted_version", "_counts", "_groups", "_table")

    def __init__(self, table: AgentTable, cache: EligibilityCache) -> None:
        self._groups: dict[Requirement, list[QueueEntry]] = {}
        self._table = table
        self._cache = cache
        self._counts: dict[Requirement, int] = {}
        self._counted_version = -1

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

    def ahead(self, waiter: Waiter, pool: BoolArray) -> tuple[int, float]:
        """Who waits ahead of a queued ``waiter`` whose agents are ``pool``.

        Returns its 1-based position among the queued escalations that some agent of ``pool``
        could also take, and the number ahead weighted by how much of each group's demand falls
        on ``pool``: a group counts the share of the agents on the roster eligible for it that are
        in ``pool`` (its own group counts in full). Work is O(groups x |pool|), not O(groups x
        roster): the shares read only the pool's rows.
        """
        cache, entry = self._cache, waiter.queue_entry
        rows = np.flatnonzero(pool)
        count, weighted = 0, 0.0
        for other, group in self._groups.items():
            before = bisect.bisect_left(group, entry)
            if before == 0:
                continue
            mask = cache.get(other).mask
            shared = int(np.count_nonzero(mask[rows]))
            if shared == 0:
                continue
            count += before
            weighted += before if other == waiter.req else before * shared / self._eligible(other, mask)
        return count + 1, weighted

    def _eligible(self, req: Requirement, mask: BoolArray) -> int:
        """Agents on the roster eligible for ``req`` (its static ``mask``), counted once per roster
        version."""
        if self._counted_version != self._table.version:
            self._counts.clear()
            self._counted_version = self._table.version
        n = self._counts.get(req)
        if n is None:
            n = self._counts[req] = max(int(np.count_nonzero(mask)), 1)
        return n
