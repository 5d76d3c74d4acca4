"""The AI platform's conversation volume: the escalation rate's denominator.

A second, optional CSV beside the history log, one row per interval (and segment, when the
platform knows it):

================  ========  =========================================================
column            required  content
================  ========  =========================================================
``interval_start`` yes      ISO 8601 with a UTC offset, the interval's start
``interval_s``    yes       the interval's length in seconds (whole number > 0)
``segment``       no        the demand segment; empty = all conversations
``conversations`` yes       AI conversations that started in the interval (>= 0)
================  ========  =========================================================

:func:`read_volume` fails with :class:`routing.errors.InvalidInput` naming line and column, as the
history reader does; besides each cell's type, intervals of one segment must not overlap (nor
repeat), and a file is either all-segment (every ``segment`` empty) or per segment (none
empty), since a mix would count conversations twice. :func:`write_volume` writes the same form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from routing.csv_rows import Problems, TooManyProblems
from routing.errors import InvalidInput
from routing.history import cells
from routing.history.columns import Column
from routing.history.reader import read_table
from routing.history.writer import write_table

__all__ = ["VOLUME_COLUMNS", "VOLUME_TABLE", "VolumeRecord", "read_volume", "write_volume"]


@dataclass(frozen=True, slots=True, kw_only=True)
class VolumeRecord:
    """AI conversations started in ``[interval_start_s, interval_start_s + interval_s)``, for
    ``segment`` (``None``: all segments)."""

    interval_start_s: float
    interval_s: int
    segment: str | None = None
    conversations: int

    @property
    def interval_end_s(self) -> float:
        """The end of the interval (exclusive), epoch seconds."""
        return self.interval_start_s + self.interval_s


def _positive_seconds(value: str) -> int | None:
    seconds = cells.parse_count(value)
    if seconds == 0:
        raise ValueError("must be > 0, got 0")
    return seconds


VOLUME_TABLE: tuple[Column, ...] = (
    Column(
        "interval_start", "interval_start_s", cells.required(cells.parse_instant), cells.format_instant, True
    ),
    Column("interval_s", "interval_s", cells.required(_positive_seconds), cells.format_number, True),
    Column("segment", "segment", cells.parse_text, cells.format_text),
    Column("conversations", "conversations", cells.required(cells.parse_count), cells.format_number, True),
)
#: Column names in file order.
VOLUME_COLUMNS: tuple[str, ...] = tuple(c.name for c in VOLUME_TABLE)


def read_volume(path: Path | str) -> list[VolumeRecord]:
    """Read the conversation-volume CSV at ``path`` (``.csv`` or ``.csv.gz``), sorted by segment
    then interval start. Raise :class:`routing.errors.InvalidInput` (``source`` = the path)
    listing every problem as ``line N, column: problem`` (rules in the module docstring)."""
    problems = Problems()
    rows: list[tuple[int, VolumeRecord]] = []
    try:
        for row, values in read_table(path, VOLUME_TABLE, problems):
            if row.ok:
                rows.append((row.line, VolumeRecord(**values)))
        if not problems.items and not rows:
            problems.add("", "no volume rows after the header")
        with_segment = [line for line, r in rows if r.segment is not None]
        if with_segment and len(with_segment) < len(rows):
            first_without = next(line for line, r in rows if r.segment is None)
            problems.add(
                f"line {first_without}, segment",
                f"empty (all segments), but line {with_segment[0]} gives a segment: "
                "give every row a segment, or none",
            )
        rows.sort(key=lambda item: (item[1].segment or "", item[1].interval_start_s))
        for (line_a, a), (line_b, b) in pairwise(rows):
            if a.segment == b.segment and b.interval_start_s < a.interval_end_s:
                problems.add(f"line {line_b}, interval_start", f"overlaps the interval on line {line_a}")
    except TooManyProblems:
        problems.items = problems.stopped()
    if problems.items:
        raise InvalidInput(problems.items, str(path))
    return [record for _, record in rows]


def write_volume(path: Path | str, records: Iterable[VolumeRecord]) -> int:
    """Write ``records`` as a conversation-volume CSV at ``path``; return the rows written.
    Raise OSError if ``path`` cannot be written."""
    return write_table(path, VOLUME_TABLE, records)
