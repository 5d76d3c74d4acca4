"""Escalation logs: a real day's escalations, read from CSV for replay through the router.

:func:`load_escalation_log` reads a real escalation log (CSV, header in line 1) into an
:class:`EscalationLog` of columns. Columns:

=================  ========  ======================================================================
column             required  content
=================  ========  ======================================================================
``created_at``     yes       ISO 8601 time **with** a UTC offset (``2026-12-01T09:00:00+00:00``)
``channel``        yes       ``chat``, ``voice``, ``email`` or ``messaging``
``skills``         yes       ``billing:3|refunds:2`` (proficiency 1-5); empty = no requirement
``customer_tier``  yes       ``standard``, ``priority`` or ``vip``
``language``       yes       a language tag such as ``en`` or ``es-MX``
``handle_time_s``  no        seconds > 0; empty = not given (NaN)
``patience_s``     no        seconds >= 0; empty = not given (NaN)
=================  ========  ======================================================================

**The history log** (:mod:`routing.history`, as ``handoff history export`` and the example
history write it) is read as a replay log too: a file whose header has the history log's
``escalation_id`` and ``outcome`` is read by :func:`routing.history.read_history` (every column
of that format known and checked there), and each record replays as one escalation: its
``created_at``, ``channel``, ``skills``, ``customer_tier`` and ``language`` (empty: ``standard``
and ``en``, the scenario defaults), its observed ``handle_time_s`` (completed work) and
``patience_s`` (only customers who abandoned reveal it). Its ``line`` is its position in time
order plus 2 (the history reader keeps no line numbers), and :attr:`EscalationLog.history`
keeps the records, so what was measured can be set beside what the replay simulates.

Nothing is silently dropped or repaired: every row becomes one escalation, or the load fails with
:class:`routing.errors.InvalidInput` listing every problem (up to :data:`MAX_PROBLEMS`) as
``line 7, skills: proficiency must be 1-5, got 9``. Missing and unknown columns are errors, and so
is a file without rows. Only wholly blank lines are skipped. Rows out of time order are accepted
and sorted (stable); ``EscalationLog.line`` keeps each row's line in the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routing.csv_rows import (
    MAX_PROBLEMS,
    Problems,
    RowReader,
    TooManyProblems,
    check_header,
    data_rows,
    open_csv,
    read_csv_text,
)
from routing.domain import CHANNEL_INDEX, CHANNELS, Channel, CustomerTier, Escalation
from routing.errors import InvalidInput
from routing.history import HistoryRecord, read_history

__all__ = [
    "COLUMNS",
    "HISTORY_MARKERS",
    "MAX_PROBLEMS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "EscalationLog",
    "load_escalation_log",
]

FloatArray = NDArray[np.float64]

REQUIRED_COLUMNS: tuple[str, ...] = ("created_at", "channel", "skills", "customer_tier", "language")
OPTIONAL_COLUMNS: tuple[str, ...] = ("handle_time_s", "patience_s")
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


@dataclass(frozen=True, slots=True, eq=False)
class EscalationLog:
    """A replayable escalation log, one entry per row, sorted by ``created_s`` (stable).

    Columns (numpy arrays are read-only, all of one length):

    * ``created_s`` -- float64 seconds since the Unix epoch, ascending;
    * ``channel`` -- int8 codes, positions in :data:`routing.domain.CHANNELS`;
    * ``handle_time_s``, ``patience_s`` -- float64, NaN where the log does not give one;
    * ``line`` -- int64 line of the row in the source file (the header is line 1);
    * ``skills`` -- required skills per row (skill -> proficiency 1-5; empty: none);
    * ``customer_tier``, ``language`` -- per row;
    * ``history`` -- for a history log, its records in the same order (empty otherwise).
    """

    created_s: FloatArray
    channel: NDArray[np.int8]
    handle_time_s: FloatArray
    patience_s: FloatArray
    line: NDArray[np.int64]
    skills: tuple[Mapping[str, int], ...]
    customer_tier: tuple[CustomerTier, ...]
    language: tuple[str, ...]
    history: tuple[HistoryRecord, ...] = ()

    def __post_init__(self) -> None:
        n = self.created_s.shape[0]
        if self.history and len(self.history) != n:
            raise ValueError(f"history has {len(self.history)} records but created_s has {n}")
        for name in ("channel", "handle_time_s", "patience_s", "line", "skills", "customer_tier", "language"):
            size = len(getattr(self, name))
            if size != n:
                raise ValueError(f"{name} has {size} entries but created_s has {n}")
        for arr in (self.created_s, self.channel, self.handle_time_s, self.patience_s, self.line):
            arr.flags.writeable = False

    def __len__(self) -> int:
        return int(self.created_s.shape[0])

    def to_escalations(self, id_prefix: str = "esc-") -> Iterator[Escalation]:
        """Yield one :class:`~routing.domain.Escalation` per row in time order.

        The id is ``id_prefix`` + the row's line in the file, so a decision traces back to its row.
        """
        for i in range(len(self)):
            yield Escalation(
                id=f"{id_prefix}{int(self.line[i])}",
                created_s=float(self.created_s[i]),
                channel=CHANNELS[int(self.channel[i])],
                required_skills=dict(self.skills[i]),
                customer_tier=self.customer_tier[i],
                language=self.language[i],
            )


_SKILL_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
_CHANNEL_NAMES = ", ".join(c.value for c in Channel)
_TIER_NAMES = ", ".join(t.value for t in CustomerTier)


def _parse_created(value: str) -> float:
    if not value:
        raise ValueError("required, got an empty value")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time, got {value!r}") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"time needs a UTC offset (e.g. '2026-12-01T09:00:00+00:00'), got {value!r}")
    return when.timestamp()


def _parse_channel(value: str) -> int:
    try:
        return CHANNEL_INDEX[Channel(value)]
    except ValueError:
        raise ValueError(f"must be one of {_CHANNEL_NAMES}, got {value!r}") from None


def _parse_tier(value: str) -> CustomerTier:
    try:
        return CustomerTier(value)
    except ValueError:
        raise ValueError(f"must be one of {_TIER_NAMES}, got {value!r}") from None


def _parse_language(value: str) -> str:
    if not _LANGUAGE.match(value):
        raise ValueError(f"must be a language tag such as 'en' or 'es-MX', got {value!r}")
    return value


def _parse_skills(value: str) -> tuple[dict[str, int], list[str]]:
    """The skills cell as a dict, and one message per bad item (all of them, not just the first)."""
    skills: dict[str, int] = {}
    errors: list[str] = []
    if not value:
        return skills, errors
    for raw in value.split("|"):
        item = raw.strip()
        name, sep, level = (part.strip() for part in item.partition(":"))
        if not sep or not _SKILL_NAME.match(name) or not re.fullmatch(r"[+-]?\d+", level):
            errors.append(
                f"expected name:proficiency items separated by '|' (e.g. 'billing:3|refunds:2'), got {item!r}"
            )
        elif not 1 <= int(level) <= 5:
            errors.append(f"proficiency must be 1-5, got {int(level)}")
        elif name in skills:
            errors.append(f"skill {name!r} given twice")
        else:
            skills[name] = int(level)
    return skills, errors


def _parse_seconds(value: str, *, allow_zero: bool) -> float:
    if not value:
        return math.nan
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"must be a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise ValueError(f"must be {'>= 0' if allow_zero else '> 0'}, got {value}")
    return seconds


@dataclass(frozen=True, slots=True)
class _Row:
    created_s: float
    channel: int
    skills: dict[str, int]
    customer_tier: CustomerTier
    language: str
    handle_time_s: float
    patience_s: float


def _parse_row(cell: Mapping[str, str], n: int, problems: Problems) -> _Row | None:
    """One row's cells as a _Row, or None after adding a problem for each bad cell."""
    row = RowReader(cell, n, problems)
    field = row.field

    created_s = field("created_at", _parse_created)
    channel = field("channel", _parse_channel)
    skills, skill_errors = _parse_skills(cell["skills"])
    for message in skill_errors:
        row.problem("skills", message)
    tier = field("customer_tier", _parse_tier)
    language = field("language", _parse_language)
    handle_time_s = field("handle_time_s", lambda v: _parse_seconds(v, allow_zero=False))
    patience_s = field("patience_s", lambda v: _parse_seconds(v, allow_zero=True))
    if (
        not row.ok
        or created_s is None
        or channel is None
        or tier is None
        or language is None
        or handle_time_s is None  # NaN, not None, when not given
        or patience_s is None
    ):
        return None
    return _Row(created_s, channel, skills, tier, language, handle_time_s, patience_s)


#: Columns that make a file a history log (read by :func:`routing.history.read_history`).
HISTORY_MARKERS: tuple[str, ...] = ("escalation_id", "outcome")


def _from_history(records: list[HistoryRecord]) -> EscalationLog:
    def seconds(value: float | None) -> float:
        return math.nan if value is None else value

    return EscalationLog(
        created_s=np.asarray([r.created_at_s for r in records], dtype=np.float64),
        channel=np.asarray([CHANNEL_INDEX[r.channel] for r in records], dtype=np.int8),
        handle_time_s=np.asarray([seconds(r.handle_time_s) for r in records], dtype=np.float64),
        patience_s=np.asarray([seconds(r.patience_s) for r in records], dtype=np.float64),
        line=np.arange(2, len(records) + 2, dtype=np.int64),
        skills=tuple(dict(r.skills) for r in records),
        customer_tier=tuple(r.customer_tier or CustomerTier.STANDARD for r in records),
        language=tuple(r.language or "en" for r in records),
        history=tuple(records),
    )


def load_escalation_log(path: Path) -> EscalationLog:
    """Read the CSV escalation log at ``path`` (format in the module docstring), or a history
    log (``.csv`` or ``.csv.gz``) when its header has :data:`HISTORY_MARKERS`.

    Raise :class:`routing.errors.InvalidInput` (``source`` = the path) listing every bad row and
    column as ``line N, column: problem``; nothing is dropped or repaired.
    """
    source = str(path)
    text = read_csv_text(path)
    first_line = text.split("\n", 1)[0]
    if all(marker in (name.strip() for name in first_line.split(",")) for marker in HISTORY_MARKERS):
        return _from_history(read_history(path))
    problems = Problems()
    created: list[float] = []
    channel: list[int] = []
    handle: list[float] = []
    patience: list[float] = []
    lines: list[int] = []
    skills: list[dict[str, int]] = []
    tiers: list[CustomerTier] = []
    languages: list[str] = []
    try:
        reader, header = open_csv(text, source, COLUMNS)
        check_header(header, REQUIRED_COLUMNS, problems, source, allowed=COLUMNS)

        col = {name: i for i, name in enumerate(header)}
        for n, cell in data_rows(reader, len(header), col, problems):
            parsed = _parse_row(cell, n, problems)
            if parsed is not None:
                created.append(parsed.created_s)
                channel.append(parsed.channel)
                handle.append(parsed.handle_time_s)
                patience.append(parsed.patience_s)
                lines.append(n)
                skills.append(parsed.skills)
                tiers.append(parsed.customer_tier)
                languages.append(parsed.language)
        if not problems.items and not lines:
            problems.add("", "no escalation rows after the header")
    except TooManyProblems:
        problems.items = problems.stopped()
    if problems.items:
        raise InvalidInput(problems.items, source)

    order = np.argsort(np.asarray(created, dtype=np.float64), kind="stable")
    return EscalationLog(
        created_s=np.asarray(created, dtype=np.float64)[order],
        channel=np.asarray(channel, dtype=np.int8)[order],
        handle_time_s=np.asarray(handle, dtype=np.float64)[order],
        patience_s=np.asarray(patience, dtype=np.float64)[order],
        line=np.asarray(lines, dtype=np.int64)[order],
        skills=tuple(skills[i] for i in order),
        customer_tier=tuple(tiers[i] for i in order),
        language=tuple(languages[i] for i in order),
    )
