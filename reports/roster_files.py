"""The weekly roster's files: the per-person roster, the patterns, the hires, one iCalendar each.

:func:`write_roster_files` writes, under ``out_dir``::

    roster.csv              person_id, name, group, contract, date, weekday, start, end,
                            break_start, break_end, time_zone, paid_h (one row per shift; local
                            ISO 8601 times with their UTC offset)
    patterns.csv            group, contract, template, count, days_worked, paid_h, mon..sun
                            (HH:MM start or ``off``)
    hires.csv               group, contract, part_time, count, pattern
    calendars/<id>.ics      one RFC 5545 calendar per rostered person (:mod:`reports.ical`)

The tables are :class:`reports.report_tables.Table` values, built by :func:`roster_table`,
:func:`patterns_table` and :func:`hires_table`.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from reports.ical import person_calendar
from reports.report_files import write_csv
from reports.report_tables import Table
from simulator.planning.rostering import PatternResult, PersonShift, Roster

__all__ = ["calendar_file_name", "hires_table", "patterns_table", "roster_table", "write_roster_files"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="minutes")


def roster_table(roster: Roster) -> Table:
    """One row per shift of every rostered person, by person then start."""
    rows = tuple(
        (
            s.person_id,
            s.name,
            s.group,
            s.contract,
            s.day.isoformat(),
            _DAYS[s.day.weekday()],
            _iso(s.start),
            _iso(s.end),
            _iso(s.break_start),
            _iso(s.break_end),
            s.time_zone,
            f"{s.paid_h:g}",
        )
        for s in roster.shifts()
    )
    header = (
        "person_id", "name", "group", "contract", "date", "weekday", "start", "end",
        "break_start", "break_end", "time_zone", "paid_h",
    )  # fmt: skip
    return Table(header, rows)


def patterns_table(patterns: PatternResult) -> Table:
    """One row per weekly pattern: how many people work it and their start each day (the
    columns are days 0-6 of the week, named by the weekday of ``patterns.day0 + d``)."""
    days = [_DAYS[(patterns.day0.weekday() + d) % 7] for d in range(7)]
    rows = tuple(
        (
            p.group,
            p.contract,
            p.template,
            str(p.count),
            str(p.days_worked),
            f"{p.paid_h:g}",
            *("off" if s is None else f"{s // 60:02d}:{s % 60:02d}" for s in p.starts_min),
        )
        for p in patterns.patterns
    )
    return Table(("group", "contract", "template", "count", "days_worked", "paid_h", *days), rows)


def hires_table(roster: Roster) -> Table:
    """What the named people cannot fill: people to hire per group, contract and pattern."""
    rows = tuple(
        (h.group, h.contract, "1" if h.part_time else "0", str(h.count), h.pattern.label)
        for h in roster.hires
    )
    return Table(("group", "contract", "part_time", "count", "pattern"), rows)


def calendar_file_name(person_id: str) -> str:
    """A safe file name for a person's calendar: characters outside ``[A-Za-z0-9._-]`` become
    ``_`` (ids differing only there get a ``-N`` suffix in :func:`write_roster_files`)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", person_id).lstrip(".") or "person"


def write_roster_files(
    patterns: PatternResult, roster: Roster, out_dir: Path, *, stamp: datetime
) -> dict[str, Path]:
    """Write the files listed in the module docstring; return relative name -> path.
    ``stamp`` (aware) is the calendars' ``DTSTAMP``. Raise an OSError if ``out_dir`` cannot be
    written, a ValueError if ``stamp`` is naive."""
    (out_dir / "calendars").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, table in (
        ("roster.csv", roster_table(roster)),
        ("patterns.csv", patterns_table(patterns)),
        ("hires.csv", hires_table(roster)),
    ):
        written[name] = out_dir / name
        write_csv(table, written[name])
    by_person: dict[str, list[PersonShift]] = {}
    for s in roster.shifts():
        by_person.setdefault(s.person_id, []).append(s)
    used: set[str] = set()
    for a in roster.assignments:
        base = calendar_file_name(a.person_id)
        file, n = base, 2
        while file in used:
            file, n = f"{base}-{n}", n + 1
        used.add(file)
        rel = f"calendars/{file}.ics"
        written[rel] = out_dir / rel
        written[rel].write_bytes(
            person_calendar(a.name, by_person.get(a.person_id, []), stamp).encode("utf-8")
        )
    return written
