"""The dispatcher's alarm clock: when offers expire, when waiting escalations relax, when an
agent whose offer failed may be offered the escalation again (:mod:`routing.reoffer`), when
an arrival window closes (:mod:`routing.arrival_batch`), and when an agent's wrap-up ends.

One heap of alarms, earliest first (ties in the order they were set). Alarms are never cancelled:
an offer answered in time or an escalation served before it relaxes leaves a stale alarm behind,
which the liveness checks given at construction recognise and skip. That keeps every event O(log n)
instead of searching the heap.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from typing import Final, NamedTuple

EXPIRE: Final = 0  #: an offer's answer time is up; ``ref`` is the offer id
RELAX: Final = 1  #: a relaxation step is due; ``ref`` is the escalation id, ``arg`` the new level
READMIT: Final = 2  #: a re-offer cool-down ends; ``ref`` is the escalation id, ``arg`` the agent row
CLOSE: Final = 3  #: an arrival window closes; ``ref`` is empty, ``arg`` the window's number
WRAP_UP: Final = 4  #: an agent's wrap-up of a completed escalation ends; ``ref`` is the escalation id


class Alarm(NamedTuple):
    due_s: float
    seq: int  # tie-break: alarms due at the same time go off in the order they were set
    kind: int
    ref: str
    arg: int  # RELAX: the level it relaxes to; READMIT: the agent row; CLOSE: the window; EXPIRE: 0


def _no_window(window: int) -> bool:
    return False


def _no_wrap_up(escalation_id: str) -> bool:
    return False


class Timers:
    """Offer expiries, relaxation steps, re-offer cool-downs and arrival windows, earliest first.

    ``offer_live(offer_id)`` says whether an expiry alarm still matters (the offer is active);
    ``relaxation_live(escalation_id, level)`` whether a relaxation alarm does (the escalation
    still waits below that level); ``readmission_live(escalation_id, row)`` whether a cool-down
    alarm does (the escalation still waits and agent ``row`` is still cooling down for it).
    Whether a window's closing does is asked of what :meth:`watch_windows` names;
    ``wrap_up_live(escalation_id)`` whether a wrap-up's end does (it has not ended yet).
    """

    __slots__ = (
        "_heap",
        "_offer_live",
        "_readmission_live",
        "_relaxation_live",
        "_seq",
        "_window_open",
        "_wrap_up_live",
    )

    def __init__(
        self,
        offer_live: Callable[[str], bool],
        relaxation_live: Callable[[str, int], bool],
        readmission_live: Callable[[str, int], bool],
        wrap_up_live: Callable[[str], bool] = _no_wrap_up,
    ) -> None:
        self._heap: list[Alarm] = []
        self._seq = itertools.count()
        self._offer_live = offer_live
        self._relaxation_live = relaxation_live
        self._readmission_live = readmission_live
        self._window_open: Callable[[int], bool] = _no_window
        self._wrap_up_live = wrap_up_live

    def expire_offer_at(self, due_s: float, offer_id: str) -> None:
        heapq.heappush(self._heap, Alarm(due_s, next(self._seq), EXPIRE, offer_id, 0))

    def relax_at(self, due_s: float, escalation_id: str, level: int) -> None:
        heapq.heappush(self._heap, Alarm(due_s, next(self._seq), RELAX, escalation_id, level))

    def readmit_at(self, due_s: float, escalation_id: str, row: int) -> None:
        heapq.heappush(self._heap, Alarm(due_s, next(self._seq), READMIT, escalation_id, row))

    def close_window_at(self, due_s: float, window: int) -> None:
        heapq.heappush(self._heap, Alarm(due_s, next(self._seq), CLOSE, "", window))

    def end_wrap_up_at(self, due_s: float, escalation_id: str) -> None:
        heapq.heappush(self._heap, Alarm(due_s, next(self._seq), WRAP_UP, escalation_id, 0))

    def watch_windows(self, window_open: Callable[[int], bool]) -> None:
        """From now on ``window_open(window)`` says whether a window's closing still matters (it is
        still open); until this is called no window is."""
        self._window_open = window_open

    def _live(self, alarm: Alarm) -> bool:
        if alarm.kind == EXPIRE:
            return self._offer_live(alarm.ref)
        if alarm.kind == RELAX:
            return self._relaxation_live(alarm.ref, alarm.arg)
        if alarm.kind == CLOSE:
            return self._window_open(alarm.arg)
        if alarm.kind == WRAP_UP:
            return self._wrap_up_live(alarm.ref)
        return self._readmission_live(alarm.ref, alarm.arg)

    def next_due_s(self) -> float:
        """When the earliest live alarm goes off (``inf``: none set). Drops stale alarms ahead of it."""
        heap = self._heap
        while heap and not self._live(heap[0]):
            heapq.heappop(heap)
        return heap[0].due_s if heap else math.inf

    def pop_due(self, now_s: float) -> Alarm | None:
        """The earliest live alarm due by ``now_s``, removed; ``None`` when no more are due.

        Liveness is checked as each alarm comes up, so what an earlier alarm changed counts.
        """
        heap = self._heap
        while heap and heap[0].due_s <= now_s:
            alarm = heapq.heappop(heap)
            if self._live(alarm):
                return alarm
        return None
