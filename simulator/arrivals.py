"""Arrival generation: when escalations reach the human desk, drawn or replayed.

Time is float **seconds** (``*_s``); rates are arrivals **per second**. Every random draw comes from
the :class:`numpy.random.Generator` passed in, so the same seed gives the same arrays; nothing reads
global random state.

Generators
----------
* :func:`poisson_arrivals` -- a non-homogeneous Poisson process whose rate is constant on each of
  consecutive intervals of ``interval_s`` seconds. The method is exact for such a rate: on interval
  ``k`` the count is ``N_k ~ Poisson(rate_k * interval_s)`` and, given ``N_k``, the arrival times are
  ``N_k`` independent uniforms on the interval. All counts and all uniforms are drawn in one call
  each (no Python loop per arrival or per interval), then sorted.
* :func:`apply_peaks` -- multiply a rate profile elementwise (e.g. 3x over lunch).
* :func:`thinning_arrivals` -- Lewis-Shedler thinning for a general rate function ``rate_fn(t)``:
  candidates from a homogeneous process at ``max_rate_per_s`` (exponential gaps drawn in batches),
  each kept with probability ``rate_fn(t) / max_rate_per_s``. ``rate_fn`` is evaluated on whole
  batches, and any candidate time where it exceeds ``max_rate_per_s`` (or is negative or NaN) raises
  :class:`ValueError`: thinning would otherwise silently under-generate.

All three reject bad arguments with a :class:`ValueError` that names the argument and its value,
e.g. ``interval_s(=0.0) must be > 0``.

Replay
------
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

Nothing is silently dropped or repaired: every row becomes one escalation, or the load fails with
:class:`routing.errors.InvalidInput` listing every problem (up to :data:`MAX_PROBLEMS`) as
``line 7, skills: proficiency must be 1-5, got 9``. Missing and unknown columns are errors, and so
is a file without rows. Only wholly blank lines are skipped. Rows out of time order are accepted
and sorted (stable); ``EscalationLog.line`` keeps each row's line in the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routing.domain import CHANNEL_INDEX, CHANNELS, Channel, CustomerTier, Escalation
from routing.errors import InvalidInput
from simulator.csv_rows import (
    MAX_PROBLEMS,
    Problems,
    RowReader,
    TooManyProblems,
    data_rows,
    open_csv,
    read_csv_text,
)

__all__ = [
    "COLUMNS",
    "MAX_PROBLEMS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "EscalationLog",
    "apply_peaks",
    "load_escalation_log",
    "poisson_arrivals",
    "thinning_arrivals",
]

FloatArray = NDArray[np.float64]

REQUIRED_COLUMNS: tuple[str, ...] = ("created_at", "channel", "skills", "customer_tier", "language")
OPTIONAL_COLUMNS: tuple[str, ...] = ("handle_time_s", "patience_s")
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: A log load stops collecting problems after this many and reports them.


# ------------------------------------------------------------------------------ argument checks
def _positive(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}(={value}) must be > 0")
    return value


def _finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}(={value}) must be finite")
    return value


def _rate_profile(name: str, values: Sequence[float] | FloatArray) -> FloatArray:
    """``values`` as a 1-D float array of finite numbers >= 0, or a ValueError naming the first bad one."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    bad = np.flatnonzero(~(np.isfinite(arr) & (arr >= 0)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}](={arr[i]}) must be finite and >= 0")
    return arr


# ---------------------------------------------------------------------------------- generators
def poisson_arrivals(
    rate_per_s_by_interval: Sequence[float] | FloatArray,
    interval_s: float,
    rng: np.random.Generator,
    start_s: float = 0.0,
) -> FloatArray:
    """Arrival times of a Poisson process with a piecewise-constant rate, sorted ascending.

    Interval ``k`` is ``[start_s + k * interval_s, start_s + (k + 1) * interval_s)`` and has rate
    ``rate_per_s_by_interval[k]`` (arrivals per second). Exact: per interval a Poisson count, then
    that many uniform times in it.

    Raise a ValueError if ``interval_s <= 0``, ``start_s`` is not finite, or a rate is negative,
    NaN or infinite.
    """
    rates = _rate_profile("rate_per_s_by_interval", rate_per_s_by_interval)
    interval_s = _positive("interval_s", interval_s)
    start_s = _finite("start_s", start_s)
    counts = rng.poisson(rates * interval_s)
    interval_of = np.repeat(np.arange(rates.size, dtype=np.float64), counts)
    # interval index + a uniform in [0, 1): every arrival falls inside its own interval
    times: FloatArray = start_s + (interval_of + rng.random(interval_of.size)) * interval_s
    times.sort()
    return times


def apply_peaks(rates: Sequence[float] | FloatArray, multipliers: Sequence[float] | FloatArray) -> FloatArray:
    """``rates * multipliers`` elementwise: one multiplier per interval (3.0 = a peak at triple rate).

    Raise a ValueError if the lengths differ or a rate or multiplier is negative, NaN or infinite.
    """
    r = _rate_profile("rates", rates)
    m = _rate_profile("multipliers", multipliers)
    if r.size != m.size:
        raise ValueError(f"multipliers has {m.size} values but rates has {r.size}; give one per interval")
    return r * m


def thinning_arrivals(
    rate_fn: Callable[[FloatArray], FloatArray | float],
    max_rate_per_s: float,
    horizon_s: float,
    rng: np.random.Generator,
    start_s: float = 0.0,
) -> FloatArray:
    """Arrival times on ``[start_s, start_s + horizon_s)`` for the rate ``rate_fn(t)``, by thinning.

    ``rate_fn`` takes an array of absolute times in seconds and returns the rate at each (an array
    of the same shape, or a scalar). Candidates come from a homogeneous Poisson process at
    ``max_rate_per_s``; each is kept with probability ``rate_fn(t) / max_rate_per_s``.

    Raise a ValueError if ``max_rate_per_s`` is negative or not finite, ``horizon_s <= 0``, or
    ``rate_fn`` returns a value above ``max_rate_per_s``, below 0 or NaN at a candidate time
    (only candidate times are checked: a bound violated between them goes unseen).
    """
    max_rate = float(max_rate_per_s)
    if not (math.isfinite(max_rate) and max_rate >= 0):
        raise ValueError(f"max_rate_per_s(={max_rate}) must be finite and >= 0")
    horizon_s = _positive("horizon_s", horizon_s)
    start_s = _finite("start_s", start_s)
    end_s = start_s + horizon_s
    if max_rate == 0:
        return np.empty(0, dtype=np.float64)
    # batches about 10% above the expected candidate count, so one batch usually suffices
    batch = int(min(max(1024.0, 1.1 * max_rate * horizon_s + 64), 1 << 20))
    kept: list[FloatArray] = []
    t = start_s
    while t < end_s:
        candidates = t + np.cumsum(rng.exponential(1.0 / max_rate, batch))
        t = float(candidates[-1])
        candidates = candidates[candidates < end_s]
        rate = np.broadcast_to(np.asarray(rate_fn(candidates), dtype=np.float64), candidates.shape)
        bad = np.flatnonzero(~((rate >= 0) & (rate <= max_rate)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"rate_fn(t={candidates[i]}) = {rate[i]} is outside [0, max_rate_per_s(={max_rate})]"
            )
        kept.append(candidates[rng.random(candidates.size) * max_rate < rate])
    return np.concatenate(kept)


# -------------------------------------------------------------------------------------- replay
@dataclass(frozen=True, slots=True, eq=False)
class EscalationLog:
    """A replayable escalation log, one entry per row, sorted by ``created_s`` (stable).

    Columns (numpy arrays are read-only, all of one length):

    * ``created_s`` -- float64 seconds since the Unix epoch, ascending;
    * ``channel`` -- int8 codes, positions in :data:`routing.domain.CHANNELS`;
    * ``handle_time_s``, ``patience_s`` -- float64, NaN where the log does not give one;
    * ``line`` -- int64 line of the row in the source file (the header is line 1);
    * ``skills`` -- required skills per row (skill -> proficiency 1-5; empty: none);
    * ``customer_tier``, ``language`` -- per row.
    """

    created_s: FloatArray
    channel: NDArray[np.int8]
    handle_time_s: FloatArray
    patience_s: FloatArray
    line: NDArray[np.int64]
    skills: tuple[Mapping[str, int], ...]
    customer_tier: tuple[CustomerTier, ...]
    language: tuple[str, ...]

    def __post_init__(self) -> None:
        n = self.created_s.shape[0]
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


def load_escalation_log(path: Path) -> EscalationLog:
    """Read the CSV escalation log at ``path`` (format in the module docstring).

    Raise :class:`routing.errors.InvalidInput` (``source`` = the path) listing every bad row and
    column as ``line N, column: problem``; nothing is dropped or repaired.
    """
    source = str(path)
    text = read_csv_text(path)
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
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        unknown = [c for c in header if c not in COLUMNS]
        twice = sorted({c for c in header if header.count(c) > 1})
        if missing:
            problems.add("line 1", f"missing required column(s): {', '.join(missing)}")
        if unknown:
            problems.add(
                "line 1",
                f"unknown column(s): {', '.join(map(repr, unknown))} (allowed: {', '.join(COLUMNS)})",
            )
        if twice:
            problems.add("line 1", f"column(s) given twice: {', '.join(twice)}")
        if problems.items:
            raise InvalidInput(problems.items, source)

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
