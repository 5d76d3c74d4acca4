"""The history log: one CSV row per escalation, the interface between the service's export,
analytics, the forecast and replay.

* :class:`HistoryRecord` and :class:`Outcome` (:mod:`routing.history.record`): one row;
* :data:`HISTORY_COLUMNS` (:mod:`routing.history.columns`): the columns, their content and form;
* :func:`write_history` / :func:`read_history`: CSV or ``.csv.gz``; the reader validates every row
  and raises :class:`routing.errors.InvalidInput` naming ``line N, column: problem``;
* :class:`VolumeRecord`, :func:`read_volume`, :func:`write_volume` (:mod:`routing.history.volume`):
  the AI platform's conversation volume per interval, the escalation rate's denominator.

Standard library only, part of the routing core: the service writes it, the simulator reads it.
"""

from __future__ import annotations

from routing.history.columns import HISTORY_COLUMNS, REQUIRED_COLUMNS
from routing.history.reader import read_history
from routing.history.record import ACCEPTED_OUTCOMES, OPEN_OUTCOMES, HistoryRecord, Outcome
from routing.history.volume import VOLUME_COLUMNS, VolumeRecord, read_volume, write_volume
from routing.history.writer import history_row, write_history

__all__ = [
    "ACCEPTED_OUTCOMES",
    "HISTORY_COLUMNS",
    "OPEN_OUTCOMES",
    "REQUIRED_COLUMNS",
    "VOLUME_COLUMNS",
    "HistoryRecord",
    "Outcome",
    "VolumeRecord",
    "history_row",
    "read_history",
    "read_volume",
    "write_history",
    "write_volume",
]
