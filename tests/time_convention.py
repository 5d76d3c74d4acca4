"""The time convention of every JSON output (:mod:`routing.timestamps`), checked by walking a document.

:func:`time_problems` knows nothing of the document's schema; it reads names and values only:

* a key ending in ``_at`` holds null or ISO 8601 UTC to the millisecond with ``Z``
  (``2026-12-01T09:00:20.000Z``) that :meth:`datetime.fromisoformat` reads;
* a key ending in ``_at_s`` holds null or a number, beside its ``_at`` twin, the same instant;
* no other key holds an ISO-like string (a date and a time) or an epoch-like number (>= 1e9:
  after 2001-09-09 as epoch seconds), in a list or not.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
ISO_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")  # at the start of a value
EPOCH_LIKE = 1e9


def time_problems(doc: Any, where: str = "$") -> list[str]:
    """Every place in ``doc`` (parsed JSON) that breaks the time convention, with what is wrong."""
    problems: list[str] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = f"{where}.{key}"
            if key.endswith("_at"):
                problems += _instant(path, value)
            elif key.endswith("_at_s"):
                problems += _epoch(path, value, doc, key[: -len("_s")])
            else:
                problems += _other(path, value)
    elif isinstance(doc, list):
        for i, item in enumerate(doc):
            problems += _other(f"{where}[{i}]", item)
    return problems


def _instant(path: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str) or not ISO_Z.fullmatch(value):
        return [f"{path}: {value!r} is not ISO 8601 UTC to the millisecond with Z"]
    parsed = datetime.fromisoformat(value)
    if parsed.utcoffset() != timedelta(0):
        return [f"{path}: {value!r} is not in UTC"]
    return []


def _epoch(path: str, value: Any, parent: dict[str, Any], twin: str) -> list[str]:
    if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
        return [f"{path}: {value!r} is not a number of epoch seconds"]
    if twin not in parent:
        return [f"{path}: epoch seconds without their ISO 8601 twin {twin!r}"]
    iso = parent[twin]
    if (value is None) != (iso is None):
        return [f"{path}: {value!r} but {twin} is {iso!r}"]
    if not isinstance(value, int | float) or not isinstance(iso, str) or not ISO_Z.fullmatch(iso):
        return []
    if abs(datetime.fromisoformat(iso).timestamp() - value) >= 0.001:
        return [f"{path}: {value!r} is not the instant of {twin} {iso!r}"]
    return []


def _other(path: str, value: Any) -> list[str]:
    if isinstance(value, dict | list):
        return time_problems(value, path)
    if isinstance(value, str) and ISO_LIKE.match(value):
        return [f"{path}: ISO-like {value!r} outside an *_at key"]
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= EPOCH_LIKE:
        return [f"{path}: epoch-like {value!r} outside an *_at_s key"]
    return []
