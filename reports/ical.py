"""iCalendar (RFC 5545) files: one calendar of a person's shifts that calendar apps import.

:func:`person_calendar` writes a ``VCALENDAR`` (``VERSION:2.0``, ``PRODID``, ``METHOD:PUBLISH``)
with one ``VEVENT`` per shift. Times are UTC (``DTSTART:20260105T070000Z``), which RFC 5545
allows without a ``VTIMEZONE``; the site's zone is named in each event's description. Lines
end in CRLF and are folded at 75 octets (a continuation line starts with a space); text values
escape backslash, semicolon, comma and newline (section 3.3.11). ``UID`` is stable per person and
shift, so re-importing an updated roster replaces events instead of duplicating them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from simulator.planning.rostering import PersonShift

__all__ = ["PRODID", "escape_text", "fold", "person_calendar"]

PRODID = "-//handoff//weekly roster//EN"


def escape_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 section 3.3.11 asks."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """``line`` folded into CRLF-joined pieces of at most 75 octets (UTF-8 characters kept whole)."""
    pieces: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            pieces.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    pieces.append(current)
    return "\r\n".join(pieces)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(shift: PersonShift, stamp: datetime) -> Iterable[str]:
    local = f"{shift.start:%a %d %b %H:%M}-{shift.end:%H:%M} {shift.time_zone}"
    brk = (
        f", break {shift.break_start:%H:%M}-{shift.break_end:%H:%M}"
        if shift.break_start is not None and shift.break_end is not None
        else ""
    )
    yield "BEGIN:VEVENT"
    yield f"UID:{escape_text(shift.person_id)}-{shift.start.astimezone(UTC):%Y%m%dT%H%M}@handoff.roster"
    yield f"DTSTAMP:{_utc(stamp)}"
    yield f"DTSTART:{_utc(shift.start)}"
    yield f"DTEND:{_utc(shift.end)}"
    yield f"SUMMARY:{escape_text(f'Shift: {shift.group}')}"
    yield "DESCRIPTION:" + escape_text(
        f"{shift.name}, {shift.contract}: {local}{brk}, {shift.paid_h:g} paid h"
    )
    yield "TRANSP:OPAQUE"
    yield "END:VEVENT"


def person_calendar(name: str, shifts: Sequence[PersonShift], stamp: datetime) -> str:
    """The calendar of one person's ``shifts`` (``name`` as its title), ``stamp`` (aware) as every
    event's ``DTSTAMP``. Raise a ValueError if ``stamp`` is naive."""
    if stamp.tzinfo is None:
        raise ValueError(f"stamp(={stamp.isoformat()}) must be an aware datetime")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'Shifts: {name}')}",
    ]
    for shift in shifts:
        lines.extend(_event(shift, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
