"""The day-of-week x hour heatmap: when escalations arrive and when the handoff target holds.

Local time of the team's zone; rows Monday..Sunday, columns hours 0..23.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from routing.analytics.frame import HistoryFrame
from routing.analytics.measures import service_level_parts
from routing.shifts import zone

__all__ = ["Heatmap", "heatmap"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class Heatmap:
    """``escalations[d, h]``: escalations created on weekday ``d`` (0 = Monday), hour ``h``,
    local time, over the period; ``decided`` and ``within`` the service level's denominator and
    numerator there; ``service_level`` = within / decided (NaN where nothing was decided)."""

    escalations: NDArray[np.int64]
    decided: NDArray[np.int64]
    within: NDArray[np.int64]

    @property
    def service_level(self) -> FloatArray:
        """The share accepted within the threshold per cell (NaN where nothing was decided)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.decided > 0, self.within / np.maximum(self.decided, 1), np.nan)


def heatmap(frame: HistoryFrame, mask: NDArray[np.bool_], *, threshold_s: float, time_zone: str) -> Heatmap:
    """The heatmap of the records ``mask`` selects, on ``time_zone``'s wall clock."""
    tz = zone(time_zone)
    idx = np.flatnonzero(mask)
    day = np.empty(idx.size, dtype=np.int64)
    hour = np.empty(idx.size, dtype=np.int64)
    for k, i in enumerate(idx):
        local = datetime.fromtimestamp(float(frame.created_s[i]), tz)
        day[k], hour[k] = local.weekday(), local.hour
    decided, within = service_level_parts(frame, threshold_s)
    cell = day * 24 + hour

    def count(weights: NDArray[np.bool_] | None) -> NDArray[np.int64]:
        w = None if weights is None else weights[idx].astype(np.int64)
        return np.bincount(cell, weights=w, minlength=7 * 24).astype(np.int64).reshape(7, 24)

    return Heatmap(escalations=count(None), decided=count(decided), within=count(within))
