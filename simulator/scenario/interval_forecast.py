"""Interval demand history in the Genesys Cloud historical-import CSV layout, as columns.

The layout follows Genesys Cloud's "Prepare the historical data import .csv file"
(https://help.mypurecloud.com/articles/prepare-the-historical-data-import-csv-file). One row per
(interval, queue, media type, skill set, language); the header is line 1. What this loader accepts:

=================================  ========  ===================================================
column                             required  content
=================================  ========  ===================================================
``Interval Start UTC Date``        yes       ISO 8601 in UTC with ``Z``: ``2026-12-01T09:15:00Z``
                                             or ``2026-12-01T09:15:00.000Z``; minutes on a
                                             15-minute mark (00, 15, 30, 45), seconds 00,
                                             milliseconds .000 (as Genesys requires)
``Queue``                          yes       queue name, non-empty
``Media Type``                     yes       ``voice``, ``chat``, ``email``, ``callback`` or
                                             ``message`` (any letter case: Genesys' own sample
                                             writes ``Voice``, ``Chat``)
``Skill Set``                      no        skill names separated by ``|||``; may be empty
``Language``                       no        language name as set in Genesys; may be empty
``Offered``                        yes       interactions offered, a number >= 0
``Interactions Handled``           yes       interactions handled, >= 0 and <= ``Offered``
``Total Handle Time (Seconds)``    yes       seconds >= 0; must be 0 when nothing was handled.
                                             The header ``Total Handle Time`` (as in Genesys'
                                             worked example) is accepted as the same column.
=================================  ========  ===================================================

Genesys calls ``Skill Set`` and ``Language`` optional: a file may leave them empty or omit the
columns (read as ``""``). The Genesys page does not forbid other columns; any other column is
accepted, not read, and listed in :attr:`IntervalForecast.ignored_columns` so a CLI can say so.
Genesys documents numbers as "any valid positive number"; here zero is allowed (a quiet interval)
and fractional values are kept as they are (a forecast may be fractional).

Media types map onto :class:`routing.domain.Channel` as: ``voice`` -> ``voice``, ``callback`` ->
``voice`` (a callback is a voice call the agent places), ``chat`` -> ``chat``, ``email`` ->
``email``, ``message`` -> ``messaging``. The file's own name is kept in ``media_type``.

Interval length: Genesys imports 15-minute intervals; exports from other tools in this layout are
often 30-minute. ``interval_min=None`` detects it: 30 when there are at least two distinct starts,
all on :00/:30 and all gaps between them multiples of 30 minutes, else 15. A sparse 15-minute file
whose rows all fall on :00/:30 would be read as 30-minute, so pass ``interval_min`` when known.

Nothing is silently dropped or repaired: the load fails with :class:`routing.errors.InvalidInput`
listing every problem (up to :data:`routing.csv_rows.MAX_PROBLEMS`) as
``forecast.csv: line 7, Offered: must be a non-negative number, got 'abc'``. Problems found: a
missing required column, a column given twice, an empty file, a row with the wrong number of
fields, a bad date or one off the interval grid, an empty queue, an unknown media type, a
negative or non-numeric count, handled > offered, handle time with nothing handled, and a row
repeating another's (interval, queue, media type, skill set, language). Only blank lines are
skipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from routing.csv_rows import (
    Problems,
    RowReader,
    TooManyProblems,
    check_header,
    data_rows,
    open_csv,
    read_csv_text,
)
from routing.domain import CHANNEL_INDEX, Channel
from routing.errors import InvalidInput

__all__ = [
    "COLUMN_ALIASES",
    "MEDIA_TYPES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ForecastCombination",
    "IntervalForecast",
    "load_interval_forecast",
]

FloatArray = NDArray[np.float64]

INTERVAL_START = "Interval Start UTC Date"
QUEUE = "Queue"
MEDIA_TYPE = "Media Type"
SKILL_SET = "Skill Set"
LANGUAGE = "Language"
OFFERED = "Offered"
HANDLED = "Interactions Handled"
HANDLE_TIME = "Total Handle Time (Seconds)"

REQUIRED_COLUMNS: tuple[str, ...] = (INTERVAL_START, QUEUE, MEDIA_TYPE, OFFERED, HANDLED, HANDLE_TIME)
OPTIONAL_COLUMNS: tuple[str, ...] = (SKILL_SET, LANGUAGE)
#: Other header spellings read as the canonical column.
COLUMN_ALIASES: Mapping[str, str] = {"Total Handle Time": HANDLE_TIME}

#: Genesys media type (lower case) -> the project's channel.
MEDIA_TYPES: Mapping[str, Channel] = {
    "voice": Channel.VOICE,
    "callback": Channel.VOICE,
    "chat": Channel.CHAT,
    "email": Channel.EMAIL,
    "message": Channel.MESSAGING,
}

_GRID_S = 15 * 60  # Genesys requires starts on 15-minute marks
_START = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z$")


class ForecastCombination(NamedTuple):
    """One distinct (queue, media type, skill set, language) of a forecast, with its totals."""

    queue: str
    media_type: str
    channel: Channel
    skill_set: str
    language: str
    rows: int
    offered: float
    handled: float
    handle_time_s: float


@dataclass(frozen=True, slots=True, eq=False)
class IntervalForecast:
    """Interval history, one entry per CSV row in file order. Arrays are read-only, one length.

    * ``interval_start_s`` -- int64 seconds since the Unix epoch (UTC) of each interval's start;
    * ``queue``, ``media_type`` (lower case, as in the file), ``skill_set``, ``language`` -- str;
    * ``channel`` -- int8 codes, positions in :data:`routing.domain.CHANNELS`;
    * ``offered``, ``handled``, ``handle_time_s`` (total handle seconds) -- float64;
    * ``line`` -- int64 line of the row in the source file;
    * ``interval_s`` -- the source interval length in seconds (900 or 1800);
    * ``ignored_columns`` -- header names present in the file but not read.
    """

    interval_start_s: NDArray[np.int64]
    queue: NDArray[np.str_]
    media_type: NDArray[np.str_]
    channel: NDArray[np.int8]
    skill_set: NDArray[np.str_]
    language: NDArray[np.str_]
    offered: FloatArray
    handled: FloatArray
    handle_time_s: FloatArray
    line: NDArray[np.int64]
    interval_s: int
    ignored_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = self.interval_start_s.shape[0]
        for name in (
            "queue",
            "media_type",
            "channel",
            "skill_set",
            "language",
            "offered",
            "handled",
            "handle_time_s",
            "line",
        ):
            arr = getattr(self, name)
            if arr.shape != (n,):
                raise ValueError(f"{name} has shape {arr.shape} but interval_start_s has {n} entries")
            arr.flags.writeable = False
        self.interval_start_s.flags.writeable = False
        if self.interval_s <= 0:
            raise ValueError(f"interval_s(={self.interval_s}) must be > 0")

    def __len__(self) -> int:
        return int(self.interval_start_s.shape[0])

    @property
    def start_s(self) -> int | None:
        """Epoch seconds of the first interval's start; None for an empty forecast."""
        return int(self.interval_start_s.min()) if len(self) else None

    @property
    def end_s(self) -> int | None:
        """Epoch seconds of the last interval's end; None for an empty forecast."""
        return int(self.interval_start_s.max()) + self.interval_s if len(self) else None

    def mask(
        self,
        *,
        queue: str | None = None,
        channel: Channel | None = None,
        skill_set: str | None = None,
        language: str | None = None,
    ) -> NDArray[np.bool_]:
        """Rows matching every given filter (``None`` = any). Strings match exactly; ``channel``
        matches every media type mapped to it (``voice`` includes ``callback``)."""
        keep = np.ones(len(self), dtype=np.bool_)
        if queue is not None:
            keep &= self.queue == queue
        if channel is not None:
            keep &= self.channel == CHANNEL_INDEX[Channel(channel)]
        if skill_set is not None:
            keep &= self.skill_set == skill_set
        if language is not None:
            keep &= self.language == language
        return keep

    def volumes(
        self,
        start_utc: datetime | float,
        interval_s: float,
        n_intervals: int,
        *,
        queue: str | None = None,
        channel: Channel | None = None,
        skill_set: str | None = None,
        language: str | None = None,
    ) -> FloatArray:
        """Offered volume per scenario interval for the matching rows, shape ``(n_intervals,)``.

        Scenario interval ``k`` is ``[start + k * interval_s, start + (k + 1) * interval_s)``;
        ``start_utc`` is an aware datetime or epoch seconds. Each source row's ``Offered`` is
        spread evenly over its own interval and each scenario interval gets the share that
        overlaps it: a 30-minute row splits in halves onto 15-minute intervals, and 15-minute rows
        sum into 30- or 60-minute ones (exactly, when the grids align). Scenario intervals the file
        does not cover are 0, including any part of the horizon before the file's first or after
        its last interval: the history is not repeated or extrapolated (compare the horizon with
        :attr:`start_s` / :attr:`end_s` to detect that). Volume outside the horizon is left out.

        Raise a ValueError if ``interval_s <= 0``, ``n_intervals < 0`` or ``start_utc`` is a naive
        datetime or not finite.
        """
        start_s = _epoch_s(start_utc)
        interval_s = float(interval_s)
        if not (math.isfinite(interval_s) and interval_s > 0):
            raise ValueError(f"interval_s(={interval_s}) must be > 0")
        if int(n_intervals) != n_intervals or n_intervals < 0:
            raise ValueError(f"n_intervals(={n_intervals}) must be an integer >= 0")
        n = int(n_intervals)
        out = np.zeros(n, dtype=np.float64)
        keep = self.mask(queue=queue, channel=channel, skill_set=skill_set, language=language)
        if n == 0 or not keep.any():
            return out
        # times relative to the scenario start, so epoch magnitudes do not cost float precision
        src_a = self.interval_start_s[keep].astype(np.float64) - start_s
        src_b = src_a + self.interval_s
        offered = self.offered[keep]
        first = np.floor(src_a / interval_s).astype(np.int64)
        span = math.ceil(self.interval_s / interval_s) + 1  # scenario intervals one row can touch
        for j in range(span):
            k = first + j
            bin_a = k * interval_s
            overlap = np.minimum(src_b, bin_a + interval_s) - np.maximum(src_a, bin_a)
            hit = (overlap > 0) & (k >= 0) & (k < n)
            np.add.at(out, k[hit], offered[hit] * (overlap[hit] / self.interval_s))
        return out

    def mean_handle_time_s(
        self,
        *,
        queue: str | None = None,
        channel: Channel | None = None,
        skill_set: str | None = None,
        language: str | None = None,
    ) -> float | None:
        """Handled-weighted mean handle time in seconds of the matching rows:
        ``sum(Total Handle Time) / sum(Interactions Handled)``; None when nothing was handled."""
        keep = self.mask(queue=queue, channel=channel, skill_set=skill_set, language=language)
        handled = float(self.handled[keep].sum())
        if handled <= 0:
            return None
        return float(self.handle_time_s[keep].sum()) / handled

    def combinations(self) -> list[ForecastCombination]:
        """The distinct (queue, media type, skill set, language), sorted, with row count and
        totals of offered, handled and handle seconds (for a CLI to show what a file holds)."""
        totals: dict[tuple[str, str, str, str], list[float]] = {}
        for i in range(len(self)):
            key = (str(self.queue[i]), str(self.media_type[i]), str(self.skill_set[i]), str(self.language[i]))
            acc = totals.setdefault(key, [0.0, 0.0, 0.0, 0.0])
            acc[0] += 1
            acc[1] += float(self.offered[i])
            acc[2] += float(self.handled[i])
            acc[3] += float(self.handle_time_s[i])
        return [
            ForecastCombination(q, m, MEDIA_TYPES[m], s, lang, int(acc[0]), acc[1], acc[2], acc[3])
            for (q, m, s, lang), acc in sorted(totals.items())
        ]


def _epoch_s(start_utc: datetime | float) -> float:
    if isinstance(start_utc, datetime):
        if start_utc.tzinfo is None or start_utc.utcoffset() is None:
            raise ValueError(f"start_utc(={start_utc.isoformat()}) must be timezone-aware")
        return start_utc.timestamp()
    value = float(start_utc)
    if not math.isfinite(value):
        raise ValueError(f"start_utc(={value}) must be finite")
    return value


# ------------------------------------------------------------------------------------- loading
def _parse_start(value: str) -> int:
    """Epoch seconds of a Genesys interval start, on a 15-minute mark."""
    match = _START.match(value)
    if not match:
        raise ValueError(
            f"must be an ISO 8601 UTC time like '2026-12-01T09:15:00Z' or '2026-12-01T09:15:00.000Z', "
            f"got {value!r}"
        )
    date, hour, minute, second, millis = match.groups()
    try:
        when = datetime.fromisoformat(f"{date}T{hour}:{minute}:{second}").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"not a valid date and time, got {value!r}") from None
    if int(minute) % 15 or second != "00" or (millis not in (None, "000")):
        raise ValueError(
            f"must start on a 15-minute mark (minutes 00, 15, 30 or 45, seconds 00), got {value!r}"
        )
    return int(when.timestamp())


def _parse_media(value: str) -> str:
    name = value.lower()
    if name not in MEDIA_TYPES:
        raise ValueError(f"must be one of {', '.join(MEDIA_TYPES)}, got {value!r}")
    return name


def _parse_count(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be a non-negative number, got {value!r}") from None
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"must be a non-negative number, got {value!r}")
    return number


def _parse_queue(value: str) -> str:
    if not value:
        raise ValueError("required, got an empty value")
    return value


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    start_s: int
    queue: str
    media_type: str
    skill_set: str
    language: str
    offered: float
    handled: float
    handle_time_s: float


def _parse_row(cell: Mapping[str, str], n: int, problems: Problems) -> _Row | None:
    """One row as a _Row, or None after adding a problem for each bad cell."""
    row = RowReader(cell, n, problems)
    field = row.field

    start_s = field(INTERVAL_START, _parse_start)
    queue = field(QUEUE, _parse_queue)
    media = field(MEDIA_TYPE, _parse_media)
    offered = field(OFFERED, _parse_count)
    handled = field(HANDLED, _parse_count)
    handle_time_s = field(HANDLE_TIME, _parse_count)
    if offered is not None and handled is not None and handled > offered:
        row.problem(HANDLED, f"must not exceed {OFFERED} ({cell[OFFERED]!r}), got {cell[HANDLED]!r}")
    if handled == 0 and handle_time_s is not None and handle_time_s > 0:
        row.problem(HANDLE_TIME, f"must be 0 when {HANDLED} is 0, got {cell[HANDLE_TIME]!r}")
    if (
        not row.ok
        or start_s is None
        or queue is None
        or media is None
        or offered is None
        or handled is None
        or handle_time_s is None
    ):
        return None
    return _Row(
        n,
        start_s,
        queue,
        media,
        cell.get(SKILL_SET, ""),
        cell.get(LANGUAGE, ""),
        offered,
        handled,
        handle_time_s,
    )


def _detect_interval_s(starts: NDArray[np.int64]) -> int:
    distinct = np.unique(starts)
    if distinct.size < 2 or np.any(distinct % 1800):
        return _GRID_S
    gaps = np.diff(distinct)
    return 1800 if not np.any(gaps % 1800) else _GRID_S


def load_interval_forecast(path: Path | str, interval_min: int | None = None) -> IntervalForecast:
    """Read the interval CSV at ``path`` (layout in the module docstring).

    ``interval_min`` is the source interval length, 15 or 30; ``None`` detects it (see the module
    docstring). With 30, every start must also fall on :00 or :30.

    Raise :class:`routing.errors.InvalidInput` (``source`` = the path) listing every problem as
    ``line N, column: problem, got 'value'``; nothing is dropped or repaired. Raise a ValueError
    if ``interval_min`` is not None, 15 or 30.
    """
    if interval_min not in (None, 15, 30):
        raise ValueError(f"interval_min(={interval_min}) must be 15, 30 or None (detect)")
    source = str(path)
    text = read_csv_text(path)
    problems = Problems()
    rows: list[_Row] = []
    ignored: list[str] = []
    try:
        reader, raw_header = open_csv(text, source, REQUIRED_COLUMNS)
        header = [COLUMN_ALIASES.get(name, name) for name in raw_header]
        known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
        ignored = [c for c in header if c not in known]
        check_header(header, REQUIRED_COLUMNS, problems, source)

        col = {name: i for i, name in enumerate(header) if name in known}
        seen: dict[tuple[int, str, str, str, str], int] = {}
        for n, cell in data_rows(reader, len(header), col, problems):
            parsed = _parse_row(cell, n, problems)
            if parsed is None:
                continue
            key = (parsed.start_s, parsed.queue, parsed.media_type, parsed.skill_set, parsed.language)
            if key in seen:
                problems.add(
                    f"line {n}",
                    f"repeats line {seen[key]}'s (interval, queue, media type, skill set, language) "
                    f"{(cell[INTERVAL_START], *key[1:])!r}",
                )
                continue
            seen[key] = n
            rows.append(parsed)
        if interval_min == 30:
            for r in rows:
                if r.start_s % 1800:
                    value = datetime.fromtimestamp(r.start_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                    problems.add(
                        f"line {r.line}, {INTERVAL_START}",
                        f"must start on a 30-minute mark (minutes 00 or 30), got {value!r}",
                    )
        if not problems.items and not rows:
            problems.add("", "no interval rows after the header")
    except TooManyProblems:
        problems.items = problems.stopped()
    if problems.items:
        raise InvalidInput(problems.items, source)

    starts = np.asarray([r.start_s for r in rows], dtype=np.int64)
    return IntervalForecast(
        interval_start_s=starts,
        queue=np.asarray([r.queue for r in rows], dtype=np.str_),
        media_type=np.asarray([r.media_type for r in rows], dtype=np.str_),
        channel=np.asarray([CHANNEL_INDEX[MEDIA_TYPES[r.media_type]] for r in rows], dtype=np.int8),
        skill_set=np.asarray([r.skill_set for r in rows], dtype=np.str_),
        language=np.asarray([r.language for r in rows], dtype=np.str_),
        offered=np.asarray([r.offered for r in rows], dtype=np.float64),
        handled=np.asarray([r.handled for r in rows], dtype=np.float64),
        handle_time_s=np.asarray([r.handle_time_s for r in rows], dtype=np.float64),
        line=np.asarray([r.line for r in rows], dtype=np.int64),
        interval_s=interval_min * 60 if interval_min else _detect_interval_s(starts),
        ignored_columns=tuple(ignored),
    )
