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
        "_entry_at",
        "_entry_free",
        "_entry_key",
        "_entry_seq",
        "_entry_slot",
        "_entry_top",
        "_formed",
        "_free_slots",
        "_groups",
        "_next_formed",
        "_slot",
        "_slot_eligible",
        "_slot_eligible_arr",
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
        self._slot_eligible_arr = np.ones(16, np.int64)  # the same counts, for ahead()
        self._free_slots: list[int] = []
        self._top = 0  # slots ever used: rows 0.._top-1 of _bits
        self._formed = np.zeros(16, np.int64)
        self._next_formed = 0
        self._bits = np.zeros((16, 0), np.uint8)
        self._bits_version = -1
        # every queued entry flat, for ahead(): its key (-priority at time 0, sequence number) and
        # slot at one position (slot -1: a free position); _entry_at maps a sequence number to it
        self._entry_key = np.zeros(16)
        self._entry_seq = np.zeros(16, np.int64)
        self._entry_slot = np.full(16, -1, np.int64)
        self._entry_at: dict[int, int] = {}
        self._entry_free: list[int] = []
        self._entry_top = 0

    def __bool__(self) -> bool:
        return bool(self._groups)

    def add(self, waiter: Waiter) -> None:
        req = waiter.req
        group = self._groups.get(req)
        if group is None:
            group = self._groups[req] = []
            self._open_slot(req, group)
        entry = waiter.queue_entry
        bisect.insort(group, entry)
        self._add_flat(entry, self._slot[req])

    def _add_flat(self, entry: QueueEntry, slot: int) -> None:
        if self._entry_free:
            pos = self._entry_free.pop()
        else:
            pos = self._entry_top
            self._entry_top += 1
            if pos >= self._entry_key.size:
                size = 2 * self._entry_key.size
                self._entry_key = np.concatenate([self._entry_key, np.zeros(size - pos)])
                self._entry_seq = np.concatenate([self._entry_seq, np.zeros(size - pos, np.int64)])
                self._entry_slot = np.concatenate([self._entry_slot, np.full(size - pos, -1, np.int64)])
        self._entry_key[pos], self._entry_seq[pos], self._entry_slot[pos] = entry[0], entry[1], slot
        self._entry_at[entry[1]] = pos

    def remove(self, waiter: Waiter) -> None:
        """Take ``waiter`` out of the queue. It must be queued, under the requirement it has now."""
        group = self._groups[waiter.req]
        entry = waiter.queue_entry
        del group[bisect.bisect_left(group, entry)]
        pos = self._entry_at.pop(entry[1])
        self._entry_slot[pos] = -1
        self._entry_free.append(pos)
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
                eligible = np.ones(2 * self._slot_eligible_arr.size, np.int64)
                eligible[:slot] = self._slot_eligible_arr[:slot]
                self._slot_eligible_arr = eligible
        self._slot[req] = slot
        self._formed[slot] = self._next_formed
        self._next_formed += 1
        if self._bits_version == self._table.version:
            self._fill_slot(slot, req)
        # else: the whole index is rebuilt on its next use

    def _fill_slot(self, slot: int, req: Requirement) -> None:
        mask = self._cache.get(req).mask
        packed = np.packbits(mask)
        self._bits[slot, : packed.size] = packed
        self._bits[slot, packed.size :] = 0
        self._slot_eligible[slot] = self._slot_eligible_arr[slot] = max(int(np.count_nonzero(mask)), 1)

    def _close_slot(self, req: Requirement) -> None:
        slot = self._slot.pop(req)
        self._slot_req[slot] = None
        self._slot_entries[slot] = []
        self._bits[slot] = 0
        self._free_slots.append(slot)

    def _index(self) -> np.ndarray:
        """The packed masks, one row per slot, current with the roster's profiles. A row is padded
        with zero bytes to whole 64-bit words, so that popcounts run a word at a time."""
        t = self._table
        if self._bits_version != t.version:
            width = (t.n + 63) // 64 * 8
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
        if len(self._groups) == 1:
            alone = self._ahead_in_the_only_group(waiter, pool)
            if alone is not None:
                return alone
        return self._ahead_among_groups(waiter, pool)

    def _ahead_in_the_only_group(self, waiter: Waiter, pool: BoolArray) -> tuple[int, float] | None:
        """:meth:`ahead` when one group waits and ``waiter`` is in it (``None`` when it is not):
        everyone ahead of it shares its group, which counts in full if any agent of ``pool`` is
        eligible for it. The same numbers without the index (``tests/simulator``)."""
        group = self._groups.get(waiter.req)
        if group is None:
            return None
        entry = waiter.queue_entry
        before = bisect.bisect_left(group, entry)
        if before == len(group) or group[before] != entry:
            return None
        if not before or not np.count_nonzero(self._cache.get(waiter.req).mask & pool[: self._table.n]):
            return 1, 0.0
        return before + 1, float(before)

    def _ahead_among_groups(self, waiter: Waiter, pool: BoolArray) -> tuple[int, float]:
        """:meth:`ahead` in general: popcounts over the index, per group."""
        key, seq, _ = waiter.queue_entry
        bits = self._index()
        packed = np.zeros(bits.shape[1], np.uint8)
        packed[: (pool.size + 7) // 8] = np.packbits(pool)
        # popcounts a 64-bit word at a time: summing a count per byte was most of this call
        shared_of = np.bitwise_count((bits & packed).view(np.uint64)).sum(axis=1, dtype=np.int64)
        # entries ahead per slot: QueueEntry order on the flat keys (sequence numbers are unique,
        # so the id never decides), counted per slot in one pass instead of a search per group
        top = self._entry_top
        slot_of, keys = self._entry_slot[:top], self._entry_key[:top]
        ahead = (slot_of >= 0) & ((keys < key) | ((keys == key) & (self._entry_seq[:top] < seq)))
        before_of = np.bincount(slot_of[ahead], minlength=self._top)
        hits = self._in_formed_order(np.flatnonzero((shared_of > 0) & (before_of[: self._top] > 0)))
        if not hits.size:
            return 1, 0.0
        before = before_of[hits]
        # each group's share as the int quotient Python would take (exact ints, one rounding)
        terms = (before * shared_of[hits]) / self._slot_eligible_arr[hits]
        own = self._slot.get(waiter.req, -1)
        terms[hits == own] = before[hits == own]
        # added in formed order one by one (cumsum is sequential), as a running total would be
        return int(before.sum()) + 1, float(np.cumsum(terms)[-1])
