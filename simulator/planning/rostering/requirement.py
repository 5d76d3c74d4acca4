"""The input of weekly rostering: agents required per interval, per staffing group, over a week.

:class:`WeekRequirement` is the shape the staffing search produces for a week: for each staffing
group a ``days x intervals_per_day`` matrix of agents required on duty, on one **UTC** grid that
starts at ``start_s`` (epoch seconds) and steps ``interval_min`` minutes; row ``d`` column ``i`` is
the interval starting at ``start_s + (d * intervals_per_day + i) * interval_min * 60``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

__all__ = ["WEEK_DAYS", "WeekRequirement"]

FloatArray = npt.NDArray[np.float64]

#: Days in a weekly roster (patterns repeat week after week).
WEEK_DAYS = 7


@dataclass(frozen=True, slots=True)
class WeekRequirement:
    """Agents required on duty per interval: ``agents[group]`` is a ``(7, 1440 // interval_min)``
    array of finite numbers >= 0 on the UTC grid from ``start_s``.

    ``first_day``: the local date each group's week starts on (day 0 of its patterns); ``None``
    means the UTC date of ``start_s``. The week repeats: the previous week's shifts running past
    its end cover the first intervals (the same roster, at the UTC offset that week had), so a
    site whose local days are offset from UTC still covers the whole week.

    Raise a ValueError (naming the group or field) if ``interval_min`` does not divide a day,
    ``start_s`` is not finite, there is no group, or a matrix has the wrong shape or a
    negative or non-finite value.
    """

    start_s: float
    interval_min: int
    agents: Mapping[str, FloatArray]
    first_day: date | None = None
    _per_day: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        m = self.interval_min
        if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 1440 or 1440 % m:
            raise ValueError(f"interval_min(={m!r}) must be an int that divides 1440 (15, 30, 60...).")
        if not math.isfinite(self.start_s):
            raise ValueError(f"start_s(={self.start_s}) must be finite (epoch seconds).")
        if not self.agents:
            raise ValueError("agents must name at least one staffing group")
        per_day = 1440 // m
        checked: dict[str, FloatArray] = {}
        for group, matrix in self.agents.items():
            a = np.asarray(matrix, dtype=np.float64)
            if a.shape != (WEEK_DAYS, per_day):
                raise ValueError(
                    f"agents[{group!r}] must have shape ({WEEK_DAYS}, {per_day}) (days x intervals of "
                    f"{m} min), got {a.shape}"
                )
            if not np.all(np.isfinite(a)) or np.any(a < 0):
                bad = np.argwhere(~np.isfinite(a) | (a < 0))[0]
                raise ValueError(
                    f"agents[{group!r}][{bad[0]}][{bad[1]}] must be finite and >= 0, got {a[tuple(bad)]}"
                )
            checked[group] = a
        object.__setattr__(self, "agents", checked)
        object.__setattr__(self, "_per_day", per_day)

    @property
    def intervals_per_day(self) -> int:
        return self._per_day

    @property
    def interval_s(self) -> int:
        return self.interval_min * 60

    @property
    def week_intervals(self) -> int:
        return WEEK_DAYS * self._per_day

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self.agents)

    @property
    def day0(self) -> date:
        """The local date of day 0: ``first_day``, or the UTC date of ``start_s``."""
        return self.first_day or datetime.fromtimestamp(self.start_s, UTC).date()

    def flat(self, group: str) -> FloatArray:
        """``agents[group]`` as one row of the week's intervals. Raise a KeyError for an unknown group."""
        return self.agents[group].reshape(-1)
