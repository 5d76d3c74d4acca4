"""The roster as columns: every agent's profile and live state in numpy arrays.

Eligibility and cost are computed over all agents at once on these columns, which is what keeps a
decision over 10,000 agents in the tens of microseconds. Skill, language and region names are
interned into column indices. Profile changes (not an unchanged re-save) bump
:attr:`AgentTable.version`, which invalidates the eligibility cache; live state (status, load, shift,
idle time) does not.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from routing.domain import AGENT_STATUSES, CHANNEL_INDEX, CHANNELS, STATUS_CODE, Agent, AgentStatus
from routing.errors import UnknownAgent
from routing.shifts import shift_state
from routing.snapshots import AgentSnapshot

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

AVAILABLE = STATUS_CODE[AgentStatus.AVAILABLE]
OFFLINE = STATUS_CODE[AgentStatus.OFFLINE]
NOT_RESPONDING = STATUS_CODE[AgentStatus.NOT_RESPONDING]
AWAY = STATUS_CODE[AgentStatus.AWAY]


class Interner:
    """Names to dense column indices, in first-seen order."""

    __slots__ = ("index", "names")

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def add(self, name: str) -> int:
        col = self.index.get(name)
        if col is None:
            col = self.index[name] = len(self.names)
            self.names.append(name)
        return col

    def get(self, name: str) -> int:
        """Column of ``name``, or -1 when no agent has it."""
        return self.index.get(name, -1)

    def __len__(self) -> int:
        return len(self.names)


class AgentTable:
    """Columnar store of agents. Row ``i`` is agent ``ids[i]``; rows are never reused or moved.

    Removed agents keep their row with ``present[i] = False`` so indices held elsewhere stay valid.
    """

    def __init__(self, capacity: int = 64) -> None:
        self.ids: list[str] = []
        self.row: dict[str, int] = {}
        self.profiles: list[Agent] = []
        self.skills = Interner()
        self.languages = Interner()
        self.regions = Interner()
        self.version = 0
        self._n = 0
        self._alloc(capacity, 4, 2, 2)

    # ----------------------------------------------------------------------------- storage
    def _alloc(self, rows: int, skills: int, langs: int, regions: int) -> None:
        c = len(CHANNELS)
        self.present: BoolArray = np.zeros(rows, bool)
        self.tier: IntArray = np.zeros(rows, np.int64)
        # 2-D columns are stored column-major (order="F"): eligibility and cost read one skill,
        # language, region or channel over every agent, and a contiguous column is several times
        # faster to scan than a strided one; a row (one agent) is only ever read or written whole.
        self.proficiency: IntArray = np.zeros((rows, skills), np.int64, order="F")
        self.speaks: BoolArray = np.zeros((rows, langs), bool, order="F")
        self.serves_region: BoolArray = np.zeros((rows, regions), bool, order="F")
        self.any_region: BoolArray = np.zeros(rows, bool)
        self.cap: IntArray = np.zeros((rows, c), np.int64, order="F")
        self.cap_total: IntArray = np.zeros(rows, np.int64)
        #: max(cap_total, 1) as a float: the load term's divisor
        self.cap_div: FloatArray = np.ones(rows)
        self.load: IntArray = np.zeros((rows, c), np.int64, order="F")
        self.load_total: IntArray = np.zeros(rows, np.int64)
        self.status: IntArray = np.full(rows, OFFLINE, np.int64)
        self.on_shift: BoolArray = np.zeros(rows, bool)
        self.shift_until_s: FloatArray = np.full(rows, math.inf)
        self.idle_since_s: FloatArray = np.zeros(rows)
        self.done_ewma: FloatArray = np.zeros(rows)
        self.done_at_s: FloatArray = np.zeros(rows)
        self.missed_offers: IntArray = np.zeros(rows, np.int64)
        #: slots held whose expected end is known (accepted work, and wrap-ups): the sum of those
        #: ends, how many, and how many of them are wrap-ups (ETAs read when held slots are likely
        #: to free; see routing.eta)
        self.work_end_sum_s: FloatArray = np.zeros(rows)
        self.work_timed: IntArray = np.zeros(rows, np.int64)
        self.wrap_ups: IntArray = np.zeros(rows, np.int64)
        #: available, on shift and present: may receive an offer if capacity allows
        self.routable: BoolArray = np.zeros(rows, bool)
        #: routable with room under the total cap (kept in step by every write of its inputs)
        self.has_room: BoolArray = np.zeros(rows, bool)

    def _grow(self, rows: int, skills: int, langs: int, regions: int) -> None:
        old = {name: getattr(self, name) for name in _COLUMNS}
        self._alloc(rows, skills, langs, regions)
        n = self._n
        for name, arr in old.items():
            new = getattr(self, name)
            if arr.ndim == 1:
                new[:n] = arr[:n]
            else:
                new[:n, : arr.shape[1]] = arr[:n]

    def _ensure_room(self) -> None:
        """Grow rows and name columns (doubling) so one more agent with its names fits."""
        have = (
            self.proficiency.shape[0],
            self.proficiency.shape[1],
            self.speaks.shape[1],
            self.serves_region.shape[1],
        )
        need = (self._n + 1, len(self.skills), len(self.languages), len(self.regions))
        if any(n > h for n, h in zip(need, have, strict=True)):
            self._grow(*(h if n <= h else max(n, 2 * h) for n, h in zip(need, have, strict=True)))

    def __len__(self) -> int:
        return self._n

    def row_of(self, agent_id: str) -> int:
        """The row of an agent on the roster. Raise :class:`UnknownAgent` if it is not (never
        added, or removed)."""
        row = self.row.get(agent_id)
        if row is None or not self.present[row]:
            raise UnknownAgent(agent_id)
        return row

    @property
    def n(self) -> int:
        """Number of rows in use (present or removed)."""
        return self._n

    # ----------------------------------------------------------------------------- profiles
    def upsert(self, agent: Agent, now_s: float) -> int:
        """Add an agent or replace its profile; live state (status, load) is kept. Returns the row.

        Re-saving a present agent's profile unchanged (equal :class:`Agent`) rewrites no column and
        leaves :attr:`version` alone, so the eligibility cache and the waiting queue's index stay
        valid; only the shift state is recomputed for ``now_s``, as on any save.
        """
        same = self.row.get(agent.id)
        if same is not None and self.present[same] and self.profiles[same] == agent:
            self.profiles[same] = agent
            self.refresh_shift(same, now_s)
            return same
        for name in agent.skills:
            self.skills.add(name)
        for lang in agent.languages:
            self.languages.add(lang)
        for region in agent.regions:
            self.regions.add(region)
        i = self.row.get(agent.id)
        if i is None:
            self._ensure_room()
            i = self._n
            self._n += 1
            self.ids.append(agent.id)
            self.profiles.append(agent)
            self.row[agent.id] = i
            self.idle_since_s[i] = now_s
        else:
            self._ensure_room()
            self.profiles[i] = agent
        self.present[i] = True
        self.tier[i] = agent.tier
        self.proficiency[i, :] = 0
        for name, level in agent.skills.items():
            self.proficiency[i, self.skills.index[name]] = level
        self.speaks[i, :] = False
        for lang in agent.languages:
            self.speaks[i, self.languages.index[lang]] = True
        self.serves_region[i, :] = False
        for region in agent.regions:
            self.serves_region[i, self.regions.index[region]] = True
        self.any_region[i] = not agent.regions
        self.cap[i, :] = 0
        for channel, cap in agent.channel_caps.items():
            self.cap[i, CHANNEL_INDEX[channel]] = cap
        self.cap_total[i] = agent.max_total if agent.max_total is not None else int(self.cap[i].sum())
        self.cap_div[i] = max(int(self.cap_total[i]), 1)
        self.refresh_shift(i, now_s)
        self.version += 1
        return i

    def remove(self, i: int) -> None:
        self.present[i] = False
        self.routable[i] = False
        self.has_room[i] = False
        self.version += 1

    # ----------------------------------------------------------------------------- live state
    def refresh_shift(self, i: int, now_s: float) -> None:
        agent = self.profiles[i]
        on, until = shift_state(agent.shifts, agent.time_zone, now_s)
        self.on_shift[i] = on
        self.shift_until_s[i] = until
        self._update_routable(i)

    def refresh_due_shifts(self, now_s: float) -> tuple[list[int], bool]:
        """Follow every shift start and end due by ``now_s``.

        Returns the rows that came on shift ready for work, and whether anyone went off shift.
        """
        due = np.flatnonzero(self.present[: self._n] & (self.shift_until_s[: self._n] <= now_s))
        freed: list[int] = []
        went_off = False
        for row in due.tolist():
            was_on = bool(self.on_shift[row])
            self.refresh_shift(row, now_s)
            if self.routable[row] and not was_on:
                freed.append(row)
            went_off |= was_on and not self.on_shift[row]
        return freed, went_off

    def next_shift_change_s(self) -> float:
        """The earliest shift start or end of anyone on the roster (``inf``: none)."""
        present = self.present[: self._n]
        return float(self.shift_until_s[: self._n][present].min()) if present.any() else math.inf

    def miss_offer(self, i: int, limit: int) -> bool:
        """Count an offer agent ``i`` let expire; at ``limit`` misses in a row, an agent who is not
        offline becomes not-responding. Returns whether this miss made them so."""
        self.missed_offers[i] += 1
        if self.status[i] in (OFFLINE, NOT_RESPONDING) or self.missed_offers[i] < limit:
            return False
        self.set_status(i, AgentStatus.NOT_RESPONDING)
        return True

    def set_status(self, i: int, status: AgentStatus) -> None:
        self.status[i] = STATUS_CODE[status]
        self._update_routable(i)

    def _update_routable(self, i: int) -> None:
        routable = bool(self.present[i] and self.on_shift[i] and self.status[i] == AVAILABLE)
        self.routable[i] = routable
        self.has_room[i] = routable and self.load_total[i] < self.cap_total[i]

    def free_slots(self, i: int, channel: int) -> int:
        """Offers agent ``i`` could still take on ``channel`` (0 if not routable)."""
        if not self.routable[i]:
            return 0
        return int(min(self.cap[i, channel] - self.load[i, channel], self.cap_total[i] - self.load_total[i]))

    def free_mask(self, channel: int) -> BoolArray:
        """Rows routable now with at least one slot left on ``channel``."""
        n = self._n
        return self.has_room[:n] & (self.load[:n, channel] < self.cap[:n, channel])

    def take_slot(self, i: int, channel: int) -> None:
        self.load[i, channel] += 1
        self.load_total[i] += 1
        if self.load_total[i] >= self.cap_total[i]:
            self.has_room[i] = False

    def release_slot(self, i: int, channel: int, now_s: float) -> None:
        self.load[i, channel] -= 1
        self.load_total[i] -= 1
        self.has_room[i] = self.routable[i] and self.load_total[i] < self.cap_total[i]
        if self.load_total[i] == 0:
            self.idle_since_s[i] = now_s

    def record_completion(self, i: int, now_s: float, window_s: float) -> None:
        """Exponentially decayed count of completions, for the recent completion rate."""
        self.done_ewma[i] = self.done_ewma[i] * math.exp(-(now_s - self.done_at_s[i]) / window_s) + 1.0
        self.done_at_s[i] = now_s

    def completion_rate_per_s(self, rows: IntArray, now_s: float, window_s: float) -> float:
        decay = np.exp(-(now_s - self.done_at_s[rows]) / window_s)
        return float((self.done_ewma[rows] * decay).sum() / window_s)

    def staffed(self) -> BoolArray:
        """Rows present, on shift and logged in (any status but offline): the people who will
        take work sooner or later, busy or not."""
        n = self._n
        staffed: BoolArray = self.present[:n] & self.on_shift[:n] & (self.status[:n] != OFFLINE)
        return staffed

    def status_of(self, i: int) -> AgentStatus:
        return AGENT_STATUSES[int(self.status[i])]

    def load_by_channel(self, i: int) -> dict[str, int]:
        """Slots in use per channel (by channel name), channels without any left out."""
        return {c.value: int(self.load[i, k]) for k, c in enumerate(CHANNELS) if self.load[i, k]}

    def rows_present(self) -> IntArray:
        return np.flatnonzero(self.present[: self._n])

    # ----------------------------------------------------------------------------- storage
    def snapshot(self, i: int) -> AgentSnapshot:
        """Row ``i``'s live state as storage keeps it (load follows from the escalations held)."""
        return AgentSnapshot(
            status=self.status_of(i),
            missed_offers=int(self.missed_offers[i]),
            idle_since_s=float(self.idle_since_s[i]),
            done_ewma=float(self.done_ewma[i]),
            done_at_s=float(self.done_at_s[i]),
        )

    def restore(self, i: int, snapshot: AgentSnapshot) -> None:
        """Put back row ``i``'s stored live state."""
        self.set_status(i, snapshot.status)
        self.missed_offers[i] = snapshot.missed_offers
        self.idle_since_s[i] = snapshot.idle_since_s
        self.done_ewma[i] = snapshot.done_ewma
        self.done_at_s[i] = snapshot.done_at_s

    # ----------------------------------------------------------------------------- audit
    def over_cap(self, row: int) -> bool:
        """Whether agent ``row`` holds more than a cap allows (possible only after its caps were
        lowered under accepted work)."""
        return bool((self.load[row] > self.cap[row]).any() or self.load_total[row] > self.cap_total[row])

    def over_cap_rows(self) -> list[int]:
        """Rows of the agents over a cap."""
        n = self._n
        over = (self.load[:n] > self.cap[:n]).any(axis=1) | (self.load_total[:n] > self.cap_total[:n])
        return np.flatnonzero(over).tolist()

    def problems(self) -> list[str]:
        """Broken capacity bookkeeping, described: the agents-with-room index out of step with
        status and load (caps are judged with the offers held, by the dispatcher)."""
        n, problems = self._n, []
        room = self.routable[:n] & (self.load_total[:n] < self.cap_total[:n])
        if not np.array_equal(self.has_room[:n], room):
            problems.append("the agents-with-room index is out of step with status and load")
        return problems


_COLUMNS = (
    "present",
    "tier",
    "proficiency",
    "speaks",
    "serves_region",
    "any_region",
    "cap",
    "cap_total",
    "cap_div",
    "load",
    "load_total",
    "status",
    "on_shift",
    "shift_until_s",
    "idle_since_s",
    "done_ewma",
    "done_at_s",
    "missed_offers",
    "work_end_sum_s",
    "work_timed",
    "wrap_ups",
    "routable",
    "has_room",
)
