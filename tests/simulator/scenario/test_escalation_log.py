"""Escalation logs for replay: every row read or every problem named with its line and column."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from routing.domain import CHANNEL_INDEX, Channel, CustomerTier, Escalation
from routing.errors import FieldProblem, InvalidInput
from simulator.scenario.escalation_log import MAX_PROBLEMS, load_escalation_log

EXAMPLE = Path(__file__).resolve().parents[3] / "scenarios" / "replay_example.csv"

HEADER = "created_at,channel,skills,customer_tier,language,handle_time_s,patience_s"
GOOD_ROW = "2026-12-01T09:00:00+00:00,chat,billing:3,standard,en,,"


def write(tmp_path: Path, *lines: str, name: str = "escalations.csv") -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[FieldProblem]:
    with pytest.raises(InvalidInput) as info:
        load_escalation_log(path)
    assert info.value.source == str(path)
    return info.value.problems


def test_good_log_round_trips_to_escalations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        "2026-12-01T10:00:00+01:00,voice,billing:3|refunds:2,vip,es,420.5,90",
        " 2026-12-01T09:05:00Z , chat ,, standard , en ,,",
        "2026-12-01T09:10:00+00:00,email,technical:5,priority,en-GB,,0",
    )
    log = load_escalation_log(path)
    assert len(log) == 3
    t0 = datetime.fromisoformat("2026-12-01T09:00:00+00:00").timestamp()
    np.testing.assert_array_equal(log.created_s, [t0, t0 + 300, t0 + 600])
    np.testing.assert_array_equal(log.line, [2, 3, 4])
    assert [int(c) for c in log.channel] == [
        CHANNEL_INDEX[c] for c in (Channel.VOICE, Channel.CHAT, Channel.EMAIL)
    ]
    np.testing.assert_array_equal(log.handle_time_s, [420.5, np.nan, np.nan])
    np.testing.assert_array_equal(log.patience_s, [90.0, np.nan, 0.0])
    assert log.skills == ({"billing": 3, "refunds": 2}, {}, {"technical": 5})
    assert log.customer_tier == (CustomerTier.VIP, CustomerTier.STANDARD, CustomerTier.PRIORITY)
    assert log.language == ("es", "en", "en-GB")
    with pytest.raises(ValueError, match="read-only"):
        log.created_s[0] = 0.0

    escalations = list(log.to_escalations("log-"))
    assert escalations[0] == Escalation(
        id="log-2",
        created_s=t0,
        channel=Channel.VOICE,
        required_skills={"billing": 3, "refunds": 2},
        customer_tier=CustomerTier.VIP,
        language="es",
    )
    assert [e.id for e in escalations] == ["log-2", "log-3", "log-4"]
    assert escalations[1].required_skills == {}
    assert escalations[2].channel is Channel.EMAIL


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "language,customer_tier,skills,channel,created_at",
        "en,standard,,chat,2026-12-01T09:00:00+00:00",
    )
    log = load_escalation_log(path)
    assert np.isnan(log.handle_time_s).all()
    assert np.isnan(log.patience_s).all()


def test_unsorted_rows_are_sorted_stably_with_their_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        "2026-12-01T09:02:00+00:00,chat,,standard,en,,",
        "2026-12-01T09:00:00+00:00,chat,,standard,en,1,",
        "2026-12-01T09:01:00+00:00,voice,,standard,en,,",
        "2026-12-01T09:00:00+00:00,chat,,standard,en,2,",
    )
    log = load_escalation_log(path)
    np.testing.assert_array_equal(log.line, [3, 5, 4, 2])
    assert np.all(np.diff(log.created_s) >= 0)
    np.testing.assert_array_equal(log.handle_time_s[:2], [1.0, 2.0])  # ties keep file order
    assert log.channel[2] == CHANNEL_INDEX[Channel.VOICE]


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        (
            "created_at",
            "2026-12-01T09:00:00",
            "time needs a UTC offset (e.g. '2026-12-01T09:00:00+00:00'), got '2026-12-01T09:00:00'",
        ),
        ("created_at", "yesterday", "not an ISO 8601 time, got 'yesterday'"),
        ("created_at", "", "required, got an empty value"),
        ("channel", "fax", "must be one of chat, voice, email, messaging, got 'fax'"),
        (
            "skills",
            "billing=3",
            "expected name:proficiency items separated by '|' (e.g. 'billing:3|refunds:2'), got 'billing=3'",
        ),
        ("skills", "billing:9", "proficiency must be 1-5, got 9"),
        ("skills", "billing:3|billing:2", "skill 'billing' given twice"),
        ("customer_tier", "gold", "must be one of standard, priority, vip, got 'gold'"),
        ("language", "", "must be a language tag such as 'en' or 'es-MX', got ''"),
        ("handle_time_s", "-5", "must be > 0, got -5"),
        ("handle_time_s", "0", "must be > 0, got 0"),
        ("handle_time_s", "soon", "must be a number of seconds, got 'soon'"),
        ("patience_s", "nan", "must be >= 0, got nan"),
    ],
)
def test_each_bad_cell_names_line_and_column(tmp_path: Path, column: str, value: str, problem: str) -> None:
    cells = dict(zip(HEADER.split(","), GOOD_ROW.split(","), strict=True))
    cells[column] = value
    path = write(tmp_path, HEADER, GOOD_ROW, ",".join(cells.values()))
    problems = problems_of(path)
    assert problems == [FieldProblem(f"line 3, {column}", problem)]
    with pytest.raises(InvalidInput, match=f"escalations.csv: line 3, {column}: "):
        load_escalation_log(path)


def test_every_bad_row_and_cell_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        GOOD_ROW,
        "2026-12-01T09:00:00,chat,billing:3,standard,en,,",
        GOOD_ROW,
        "2026-12-01T09:00:00+00:00,fax,billing:9|refunds=2,gold,en,-1,",
        "2026-12-01T09:00:00+00:00,chat,billing:3",
    )
    assert [str(p) for p in problems_of(path)] == [
        "line 3, created_at: time needs a UTC offset (e.g. '2026-12-01T09:00:00+00:00'), "
        "got '2026-12-01T09:00:00'",
        "line 5, channel: must be one of chat, voice, email, messaging, got 'fax'",
        "line 5, skills: proficiency must be 1-5, got 9",
        "line 5, skills: expected name:proficiency items separated by '|' (e.g. 'billing:3|refunds:2'), "
        "got 'refunds=2'",
        "line 5, customer_tier: must be one of standard, priority, vip, got 'gold'",
        "line 5, handle_time_s: must be > 0, got -1",
        "line 6: expected 7 fields, got 3",
    ]


def test_problems_stop_at_the_limit(tmp_path: Path) -> None:
    bad = "2026-12-01T09:00:00+00:00,fax,,standard,en,,"
    problems = problems_of(write(tmp_path, HEADER, *[bad] * (MAX_PROBLEMS + 20)))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == FieldProblem("", f"stopped after {MAX_PROBLEMS} problems")


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    missing = write(tmp_path, "created_at,skills,language", "2026-12-01T09:00:00+00:00,,en", name="a.csv")
    assert problems_of(missing) == [
        FieldProblem("line 1", "missing required column(s): channel, customer_tier")
    ]
    extra = write(tmp_path, HEADER + ",queue,Channel", GOOD_ROW + ",q1,chat", name="b.csv")
    assert problems_of(extra) == [
        FieldProblem(
            "line 1",
            "unknown column(s): 'queue', 'Channel' (allowed: created_at, channel, skills, customer_tier, "
            "language, handle_time_s, patience_s)",
        )
    ]
    twice = write(tmp_path, HEADER + ",skills", GOOD_ROW + ",", name="c.csv")
    assert problems_of(twice) == [FieldProblem("line 1", "column(s) given twice: skills")]


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    [problem] = problems_of(empty)
    assert problem.problem.startswith("the file is empty")
    assert problems_of(write(tmp_path, HEADER, name="header.csv")) == [
        FieldProblem("", "no escalation rows after the header")
    ]
    assert problems_of(tmp_path / "absent.csv") == [FieldProblem("", "file not found")]


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, GOOD_ROW, "", GOOD_ROW.replace("chat", "fax"))
    assert problems_of(path) == [
        FieldProblem("line 4, channel", "must be one of chat, voice, email, messaging, got 'fax'")
    ]


def test_example_log_loads_every_row() -> None:
    rows_in = len(EXAMPLE.read_text(encoding="utf-8").splitlines()) - 1
    log = load_escalation_log(EXAMPLE)
    assert len(log) == rows_in == 40
    assert sorted(log.line.tolist()) == list(range(2, rows_in + 2))
    assert np.all(np.diff(log.created_s) >= 0)
    assert {int(c) for c in log.channel} == {CHANNEL_INDEX[Channel.CHAT], CHANNEL_INDEX[Channel.VOICE]}
    assert CustomerTier.VIP in log.customer_tier
    assert set(log.language) == {"en", "es"}
    assert {s for row in log.skills for s in row} == {"billing", "refunds", "technical", "account_security"}
    assert np.isnan(log.handle_time_s).any()
    assert not np.isnan(log.handle_time_s).all()
    assert np.isnan(log.patience_s).any()
    assert not np.isnan(log.patience_s).all()
    escalations = list(log.to_escalations())
    assert len(escalations) == rows_in
    assert len({e.id for e in escalations}) == rows_in
