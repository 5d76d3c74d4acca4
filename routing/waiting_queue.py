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
from routing.roster import AgentTable, BoolArray, IntArray

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

    __slots__ = (
        "_bits",
        "_bits_version",
        "_cache",
        "_formed",
        "_free_slots",
        "_groups",
        "_next_formed",
        "_slot",
        "_slot_eligible",
        "_slot_entries",
        "_slot_req",
        "_table",
        "_top",
    )

    def __init__(self, table: AgentTable, cache: EligibilityCache) -> None:
        self._groups: dict[Requirement, list[QueueEntry]] = {}
        self._table = table
        self._cache = cache
        # the index: group -> slot (a row of _bits); slots of emptied groups are reused, so
        # _formed keeps the order the groups formed in (the order of _groups)
        self._slot: dict[Requirement, int] = {}
        self._slot_req: list[Requirement | None] = []
        self._slot_entries: list[list[QueueEntry]] = []  # the group's entries (the same list)
        self._slot_eligible: list[int] = []  # agents eligible for the group, at least 1
        self._free_slots: list[int] = []
        self._top = 0  # slots ever used: rows 0.._top-1 of _bits
        self._formed = np.zeros(16, np.int64)
        self._next_formed = 0
        self._bits = np.zeros((16, 0), np.uint8)
        self._bits_version = -1

    def __bool__(self) -> bool:
        return bool(self._groups)

    def add(self, waiter: Waiter) -> None:
        req = waiter.req
        group = self._groups.get(req)
        if group is None:
            group = self._groups[req] = []
            self._open_slot(req, group)
        bisect.insort(group, waiter.queue_entry)

    def remove(self, waiter: Waiter) -> None:
        """Take ``waiter`` out of the queue. It must be queued, under the requirement it has now."""
        group = self._groups[waiter.req]
        del group[bisect.bisect_left(group, waiter.queue_entry)]
        if not group:
            del self._groups[waiter.req]
            self._close_slot(waiter.req)

    # ----------------------------------------------------------------------------- the index
    def _open_slot(self, req: Requirement, entries: list[QueueEntry]) -> None:
        if self._free_slots:
            slot = self._free_slots.pop()
            self._slot_req[slot] = req
            self._slot_entries[slot] = entries
        else:
            slot = self._top
            self._top += 1
            self._slot_req.append(req)
            self._slot_entries.append(entries)
            self._slot_eligible.append(1)
            if slot >= self._bits.shape[0]:
                grown = np.zeros((2 * self._bits.shape[0], self._bits.shape[1]), np.uint8)
                grown[:slot] = self._bits[:slot]
                self._bits = grown
                formed = np.zeros(2 * self._formed.size, np.int64)
                formed[:slot] = self._formed[:slot]
                self._formed = formed
        self._slot[req] = slot
        self._formed[slot] = self._next_formed
        self._next_formed += 1
        if self._bits_version == self._table.version:
            self._fill_slot(slot, req)
        # else: the whole index is rebuilt on its next use

    def _fill_slot(self, slot: int, req: Requirement) -> None:
        mask = self._cache.get(req).mask
        self._bits[slot] = np.packbits(mask)
        self._slot_eligible[slot] = max(int(np.count_nonzero(mask)), 1)

    def _close_slot(self, req: Requirement) -> None:
        slot = self._slot.pop(req)
        self._slot_req[slot] = None
        self._slot_entries[slot] = []
        self._bits[slot] = 0
        self._free_slots.append(slot)

    def _index(self) -> np.ndarray:
        """The packed masks, one row per slot, current with the roster's profiles."""
        t = self._table
        if self._bits_version != t.version:
            width = (t.n + 7) // 8
            self._bits = np.zeros((max(self._bits.shape[0], 16), width), np.uint8)
            for req, slot in self._slot.items():
                self._fill_slot(slot, req)
            self._bits_version = t.version
        return self._bits[: self._top]

    def _in_formed_order(self, slots: IntArray) -> IntArray:
        return slots[np.argsort(self._formed[slots])] if slots.size > 1 else slots

    def serving(self, row: int) -> list[tuple[Requirement, list[QueueEntry]]]:
        """The (requirement, entries) of the groups agent ``row`` is statically eligible for, in
        the order of :meth:`groups`."""
        bits = self._index()
        column = (bits[:, row >> 3] >> (7 - (row & 7))) & 1
        out = []
        for slot in self._in_formed_order(np.flatnonzero(column)).tolist():
            req = self._slot_req[slot]
            assert req is not None
            out.append((req, self._groups[req]))
        return out

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
        in ``pool`` (its own group counts in full). The shares are popcounts over the index (a
        byte per 8 agents per group); only the groups sharing agents with ``pool`` are walked.
        """
        entry = waiter.queue_entry
        bits = self._index()
        shared_of = np.bitwise_count(bits & np.packbits(pool)).sum(axis=1, dtype=np.int64)
        hits = self._in_formed_order(np.flatnonzero(shared_of))
        own = self._slot.get(waiter.req, -1)
        entries, eligible = self._slot_entries, self._slot_eligible
        count, weighted = 0, 0.0
        for slot, shared in zip(hits.tolist(), shared_of[hits].tolist(), strict=True):
            before = bisect.bisect_left(entries[slot], entry)
            if before == 0:
                continue
            count += before
            if slot == own:
                weighted += before
            else:
                weighted += before * shared / eligible[slot]
        return count + 1, weighted
