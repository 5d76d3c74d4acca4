"""The roster files: per-person CSV, patterns and hires tables, one RFC 5545 calendar per person."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reports.ical import fold, person_calendar
from reports.roster_files import calendar_file_name, write_roster_files
from simulator.planning.rostering import roster_week
from tests.simulator.planning.week_world import day_requirement, person, plan, profiles, rules

STAMP = datetime(2026, 1, 1, 12, tzinfo=UTC)
TZ = "Europe/Berlin"


@pytest.fixture(scope="module")
def week():
    people = [person(i, "full-time", TZ, name=f"Anne, {i}; née Ö") for i in range(6)]
    people += [person(20 + i, "part-time", TZ) for i in range(3)]
    return roster_week(
        day_requirement(5), [plan(time_zone=TZ)], rules(), people, profiles(TZ), time_limit_s=1
    )


def _rfc_lines(raw: bytes) -> list[str]:
    """Unfold an .ics file, checking RFC 5545's line rules on the way."""
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    physical = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    logical: list[str] = []
    for line in physical:
        text = line.decode("utf-8")
        if text.startswith(" "):
            logical[-1] += text[1:]
        else:
            logical.append(text)
    return logical


def test_files_are_written_for_every_rostered_person(tmp_path: Path, week) -> None:
    written = write_roster_files(week.patterns, week.roster, tmp_path, stamp=STAMP)
    calendars = sorted(k for k in written if k.startswith("calendars/"))
    assert len(calendars) == len(week.roster.assignments) > 0
    with (tmp_path / "roster.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    shifts = week.roster.shifts()
    assert len(rows) == len(shifts)
    first = rows[0]
    assert first["time_zone"] == TZ
    assert first["start"] == shifts[0].start.isoformat(timespec="minutes")
    assert (
        datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"])
        == shifts[0].end - shifts[0].start
    )
    assert first["break_start"]
    assert first["weekday"] == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[shifts[0].day.weekday()]
    with (tmp_path / "patterns.csv").open(encoding="utf-8") as f:
        patterns = list(csv.DictReader(f))
    assert sum(int(p["count"]) for p in patterns) == sum(week.patterns.headcount.values())
    assert list(patterns[0])[-7:] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    with (tmp_path / "hires.csv").open(encoding="utf-8") as f:
        hires = list(csv.DictReader(f))
    assert sum(int(h["count"]) for h in hires) == sum(h.count for h in week.roster.hires)


def test_each_calendar_keeps_the_rfc_lines_and_the_shift_times(tmp_path: Path, week) -> None:
    write_roster_files(week.patterns, week.roster, tmp_path, stamp=STAMP)
    a = next(a for a in week.roster.assignments if "Anne" in a.name)
    mine = [s for s in week.roster.shifts() if s.person_id == a.person_id]
    lines = _rfc_lines((tmp_path / "calendars" / f"{calendar_file_name(a.person_id)}.ics").read_bytes())
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == len(mine)
    starts = [line.split(":", 1)[1] for line in lines if line.startswith("DTSTART:")]
    assert starts == [s.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") for s in mine]
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == len(uids)
    assert any("Anne\\, " in line and "\\; née Ö" in line for line in lines)  # TEXT escaping


def test_a_calendar_app_parser_reads_the_events(week) -> None:
    icalendar = pytest.importorskip("icalendar")  # in the test extra; the RFC checks above run regardless
    a = week.roster.assignments[0]
    mine = [s for s in week.roster.shifts() if s.person_id == a.person_id]
    cal = icalendar.Calendar.from_ical(person_calendar(a.name, mine, STAMP))
    events = list(cal.walk("VEVENT"))
    assert [e.decoded("DTSTART") for e in events] == [s.start for s in mine]
    assert [e.decoded("DTEND") for e in events] == [s.end for s in mine]
    assert str(events[0]["SUMMARY"]) == f"Shift: {mine[0].group}"


def test_folding_keeps_multibyte_characters_whole() -> None:
    folded = fold("DESCRIPTION:" + "é" * 80)
    pieces = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert "".join([pieces[0], *(p[1:] for p in pieces[1:])]) == "DESCRIPTION:" + "é" * 80


def test_a_naive_stamp_is_refused(week) -> None:
    with pytest.raises(ValueError, match="stamp"):
        person_calendar("x", [], datetime(2026, 1, 1))
