"""Interval volume from a history log: escalations per 15 minutes, per series, on whole UTC days.

A *series* is one value of the grouping column (``segment`` by default; ``queue``, ``trigger``,
``customer_tier``, ``language`` or ``channel``) on one channel, because a scenario's demand
segment has one channel. Rows with no value in the grouping column form the series ``(none)``.

The grid runs from 00:00 UTC of the first escalation's day to 24:00 UTC of the last one's, so a
week has 672 intervals and the daily and weekly seasons line up with the clock. An interval with
no escalation is a 0 (the log saw the desk open and nobody came); a log that stops mid-day reads
the rest of that day as quiet, so export whole days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from routing.domain import Channel
from routing.history.record import HistoryRecord
from simulator.forecast.method import DAY_INTERVALS, INTERVAL_S

__all__ = ["GROUP_COLUMNS", "NO_VALUE", "VolumeSeries", "volume_series"]

FloatArray = NDArray[np.float64]

#: History-log columns a forecast may be split by.
GROUP_COLUMNS: Final = ("segment", "queue", "trigger", "customer_tier", "language", "channel")
NO_VALUE: Final = "(none)"
_DAY_S: Final = DAY_INTERVALS * INTERVAL_S


@dataclass(frozen=True, slots=True, eq=False)
class VolumeSeries:
    """One series: its name (the grouping value), channel, the escalations in it (indices into
    the records given to :func:`volume_series`) and its counts per interval from ``start_s``."""

    name: str
    channel: Channel
    rows: NDArray[np.intp]
    counts: FloatArray
    start_s: float

    @property
    def end_s(self) -> float:
        return self.start_s + self.counts.size * INTERVAL_S


def _value(record: HistoryRecord, column: str) -> str:
    value = getattr(record, column)
    if value is None or value == "":
        return NO_VALUE
    return str(value.value if hasattr(value, "value") else value)


def volume_series(records: Sequence[HistoryRecord], group_by: str = "segment") -> list[VolumeSeries]:
    """The series of ``records`` grouped by ``group_by``, sorted by name then channel.

    A name seen on more than one channel is split per channel and named ``name-channel``.
    Raise a ValueError if ``group_by`` is not one of :data:`GROUP_COLUMNS` or there are no records.
    """
    if group_by not in GROUP_COLUMNS:
        raise ValueError(f"group_by(={group_by!r}) must be one of {', '.join(GROUP_COLUMNS)}")
    if not records:
        raise ValueError("the history has no escalations")
    created = np.asarray([r.created_at_s for r in records], dtype=np.float64)
    start_s = float(np.floor(created.min() / _DAY_S) * _DAY_S)
    end_s = float((np.floor(created.max() / _DAY_S) + 1) * _DAY_S)
    n = round((end_s - start_s) / INTERVAL_S)
    k = ((created - start_s) // INTERVAL_S).astype(np.int64)
    keys: dict[tuple[str, Channel], list[int]] = {}
    for i, record in enumerate(records):
        keys.setdefault((_value(record, group_by), record.channel), []).append(i)
    channels_of: dict[str, int] = {}
    for name, _ in keys:
        channels_of[name] = channels_of.get(name, 0) + 1
    out = []
    for (name, channel), rows in sorted(keys.items()):
        idx = np.asarray(rows, dtype=np.intp)
        counts = np.bincount(k[idx], minlength=n).astype(np.float64)
        series_name = name if channels_of[name] == 1 else f"{name}-{channel.value}"
        out.append(VolumeSeries(series_name, channel, idx, counts, start_s))
    return out
