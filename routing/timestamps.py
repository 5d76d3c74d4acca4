"""Instants in JSON output, in one convention: ISO 8601 UTC, plus epoch seconds where machines want them.

Every JSON document about routing (``handoff route --json``, the service's responses, its events
and its audit trail) writes times the same way:

* an instant is named ``<name>_at`` and is an ISO 8601 string in UTC, to the millisecond, with a
  ``Z``: ``2026-12-01T09:00:20.000Z`` (:func:`iso`);
* where machines do arithmetic on it (decisions, events, audit entries) it also comes as
  ``<name>_at_s``: the same instant in seconds since the Unix epoch, rounded to the millisecond
  (:func:`epoch_s`) -- always beside its ``<name>_at``, never alone;
* a duration is a number of seconds named ``<name>_s`` (``eta_s``, ``handoff_s``,
  ``oldest_wait_s``), never an instant.

The routing core keeps time as float epoch seconds (``expires_at_s``); :func:`with_iso` adds the
ISO twin of each such field to a plain dict. Inputs take an instant either way (ISO 8601 with an
offset, or epoch seconds): :data:`routing.schemas.Instant`.

Standard library only: the routing core and the service share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["epoch_s", "iso", "to_ms", "utc", "with_iso"]


def epoch_s(when_s: float) -> float:
    """Epoch seconds as written in JSON: rounded to the millisecond (3 decimals)."""
    return round(when_s, 3)


def utc(when_s: float) -> datetime:
    """Epoch seconds as an aware UTC datetime, rounded to the millisecond (the instant
    :func:`iso` and :func:`epoch_s` write). Raise ValueError (or OverflowError) if ``when_s`` is
    not finite or out of datetime's range."""
    return datetime.fromtimestamp(epoch_s(when_s), UTC)


def to_ms(value: datetime) -> datetime:
    """An aware datetime in UTC, cut to the millisecond (what an input instant is kept as).

    Raise ValueError if ``value`` is naive (no UTC offset).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"time needs a UTC offset, got {value.isoformat()!r}")
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def iso(when: float | datetime, timespec: str = "milliseconds") -> str:
    """``when`` (epoch seconds, or an aware datetime) as ISO 8601 UTC with ``Z``:
    ``2026-12-01T09:00:20.000Z``. ``timespec`` as :meth:`datetime.isoformat` (``seconds``,
    ``minutes`` for prose); the JSON convention is ``milliseconds``.

    Raise ValueError for a naive datetime.
    """
    moment = to_ms(when) if isinstance(when, datetime) else utc(when)
    return moment.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def with_iso(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with every instant ``<name>_at_s`` (a number, or None) rounded and preceded by
    its ``<name>_at`` (:func:`iso`, or None), unless ``fields`` has one already."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key.endswith("_at_s") and (value is None or _is_number(value)):
            twin = key[: -len("_s")]
            if twin not in fields:
                out[twin] = None if value is None else iso(value)
            value = None if value is None else epoch_s(value)
        out[key] = value
    return out


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
