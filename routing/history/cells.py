"""The history log's cell types: how each kind of value is written to and read from a CSV cell.

Every ``parse_*`` takes the stripped cell text and returns the value, ``None`` for an empty cell
of an optional column, or raises ValueError with a message that names the problem and the bad
value (``must be 1-5, got 9``); the reader prefixes ``line N, column``. Every ``format_*`` is its
inverse (``None`` -> an empty cell). Standard library only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfoNotFoundError

from routing.domain import MAX_PROFICIENCY, MAX_TIER
from routing.shifts import zone
from routing.timestamps import iso

__all__ = [
    "enum_parser",
    "format_bool",
    "format_instant",
    "format_number",
    "format_skills",
    "format_text",
    "parse_bool",
    "parse_count",
    "parse_csat",
    "parse_instant",
    "parse_language",
    "parse_seconds",
    "parse_skills",
    "parse_text",
    "parse_tier",
    "parse_time_zone",
    "required",
]

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

_SKILL_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
_INTEGER = re.compile(r"^[+-]?\d+$")


def required(parse: Callable[[str], T | None]) -> Callable[[str], T]:
    """``parse`` for a required column: an empty cell is ``required, got an empty value``."""

    def parse_required(value: str) -> T:
        parsed = parse(value) if value else None
        if parsed is None:
            raise ValueError("required, got an empty value")
        return parsed

    return parse_required


def parse_text(value: str) -> str | None:
    """Free text (an id, a segment, a queue name); empty -> None."""
    return value or None


def parse_instant(value: str) -> float | None:
    """ISO 8601 **with** a UTC offset (``2026-12-01T09:00:00.000Z``) -> epoch seconds, to the ms."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time, got {value!r}") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"time needs a UTC offset (e.g. '2026-12-01T09:00:00.000Z'), got {value!r}")
    return round(when.timestamp(), 3)


def enum_parser(kind: type[E]) -> Callable[[str], E | None]:
    """A parser for one of ``kind``'s values; empty -> None."""
    names = ", ".join(member.value for member in kind)

    def parse_member(value: str) -> E | None:
        if not value:
            return None
        try:
            return kind(value)
        except ValueError:
            raise ValueError(f"must be one of {names}, got {value!r}") from None

    return parse_member


def parse_skills(value: str) -> dict[str, int]:
    """``billing:3|refunds:2`` -> ``{"billing": 3, "refunds": 2}`` (proficiency 1-5); empty -> {}.

    Raise ValueError naming every bad item (joined by ``; ``), not just the first.
    """
    skills: dict[str, int] = {}
    errors: list[str] = []
    if not value:
        return skills
    for raw in value.split("|"):
        item = raw.strip()
        name, sep, level = (part.strip() for part in item.partition(":"))
        if not sep or not _SKILL_NAME.match(name) or not _INTEGER.match(level):
            errors.append(
                f"expected name:proficiency items separated by '|' (e.g. 'billing:3|refunds:2'), got {item!r}"
            )
        elif not 1 <= int(level) <= MAX_PROFICIENCY:
            errors.append(f"proficiency must be 1-{MAX_PROFICIENCY}, got {int(level)}")
        elif name in skills:
            errors.append(f"skill {name!r} given twice")
        else:
            skills[name] = int(level)
    if errors:
        raise ValueError("; ".join(errors))
    return skills


def _integer(value: str, low: int, high: int | None) -> int | None:
    if not value:
        return None
    if not _INTEGER.match(value):
        raise ValueError(f"must be a whole number, got {value!r}")
    number = int(value)
    if number < low or (high is not None and number > high):
        allowed = f"{low}-{high}" if high is not None else f">= {low}"
        raise ValueError(f"must be {allowed}, got {number}")
    return number


def parse_tier(value: str) -> int | None:
    """A complexity tier, 1-3; empty -> None."""
    return _integer(value, 1, MAX_TIER)


def parse_csat(value: str) -> int | None:
    """A post-escalation satisfaction score, a whole number 1-5; empty -> None."""
    return _integer(value, 1, 5)


def parse_count(value: str) -> int | None:
    """A count (offers, declines, transfers), a whole number >= 0; empty -> None."""
    return _integer(value, 0, None)


def parse_seconds(value: str) -> float | None:
    """A duration in seconds, finite and >= 0; empty -> None."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"must be a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"must be a number of seconds >= 0, got {value}")
    return seconds


def parse_bool(value: str) -> bool | None:
    """``true`` / ``false`` (any case); empty -> None."""
    if not value:
        return None
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"must be true or false, got {value!r}")
    return lowered == "true"


def parse_language(value: str) -> str | None:
    """A language tag such as ``en`` or ``es-MX``; empty -> None."""
    if not value:
        return None
    if not _LANGUAGE.match(value):
        raise ValueError(f"must be a language tag such as 'en' or 'es-MX', got {value!r}")
    return value


def parse_time_zone(value: str) -> str | None:
    """An IANA time zone name such as ``Europe/Paris``; empty -> None."""
    if not value:
        return None
    try:
        zone(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder name such as 'Europe'
        raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'Europe/Paris')") from None
    return value


def format_text(value: object) -> str:
    """Any value as its text (an enum as its value); None -> empty."""
    if value is None:
        return ""
    return str(value.value) if isinstance(value, StrEnum) else str(value)


def format_instant(value: float | None) -> str:
    """Epoch seconds as ISO 8601 UTC with ``Z`` to the millisecond; None -> empty."""
    return "" if value is None else iso(value)


def format_number(value: float | None) -> str:
    """A count or seconds: integers as such, others to the millisecond without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_bool(value: bool | None) -> str:
    """``true`` / ``false``; None -> empty."""
    return "" if value is None else ("true" if value else "false")


def format_skills(value: Mapping[str, int]) -> str:
    """``{"billing": 3, "refunds": 2}`` -> ``billing:3|refunds:2``; {} -> empty."""
    return "|".join(f"{name}:{level}" for name, level in value.items())
