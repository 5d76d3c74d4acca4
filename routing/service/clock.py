"""Time for the service: the dispatcher never reads a clock, the service reads this one.

Production uses :class:`SystemClock`; tests inject a :class:`ManualClock` and move it forward, so
offer expiry and relaxation are exercised without sleeping.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now_s(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now_s(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told. Thread-safe."""

    def __init__(self, start_s: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now_s = start_s
        self._lock = threading.Lock()

    def now_s(self) -> float:
        with self._lock:
            return self._now_s

    def advance(self, seconds: float) -> float:
        """Move forward ``seconds`` (>= 0); return the new time. Raise ValueError if negative."""
        if seconds < 0:
            raise ValueError(f"seconds(={seconds}) must be >= 0")
        with self._lock:
            self._now_s += seconds
            return self._now_s
