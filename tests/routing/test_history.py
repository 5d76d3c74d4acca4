"""The history log: the writer's output reads back the same records; the reader names every bad
cell by line and column and checks that a row agrees with itself."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from routing.domain import CancelReason, Channel, CustomerTier, Trigger
from routing.errors import InvalidInput
from routing.history import (
    HISTORY_COLUMNS,
    HistoryRecord,
    Outcome,
    VolumeRecord,
    read_history,
    read_volume,
    write_history,
    write_volume,
)

T0 = 1_796_115_600.0  # 2026-12-01T09:00:00Z

FULL = HistoryRecord(
    escalation_id="esc-1",
    created_at_s=T0,
    conversation_started_at_s=T0 - 95.25,
    channel=Channel.CHAT,
    skills={"billing": 3, "refunds": 2},
    preferred_skills={"de": 1},
    tier=2,
    customer_tier=CustomerTier.VIP,
    language="es-MX",
    customer_timezone="Europe/Paris",
    trigger=Trigger.NEGATIVE_SENTIMENT,
    segment="billing-es",
    queue="q1",
    customer_ref="c9f1",
    outcome=Outcome.COMPLETED,
    offers=2,
    declines=1,
    expiries=0,
    first_offered_at_s=T0 + 1.5,
    accepted_at_s=T0 + 21.125,
    handoff_s=21.125,
    agent_id="ana",
    agent_group="tier2",
    context_viewed_at_s=T0 + 23.0,
    completed_at_s=T0 + 400.0,
    handle_time_s=378.875,
    wrap_up_s=30.0,
    transfers=0,
    csat=4,
    first_contact_resolved=True,
    ai_could_have_handled=False,
)
BARE = HistoryRecord(
    escalation_id="esc-2",
    created_at_s=T0 - 60,
    channel=Channel.VOICE,
    outcome=Outcome.ABANDONED,
    patience_s=12.5,
)


def _write(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path, reader=read_history) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        reader(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("name", ["log.csv", "log.csv.gz"])
def test_written_records_read_back_equal_and_sorted(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    assert write_history(path, iter([FULL, BARE])) == 2
    assert read_history(path) == [BARE, FULL]  # sorted by created_at
    if name.endswith(".gz"):
        assert gzip.decompress(path.read_bytes()).startswith(b"escalation_id,created_at,")


def test_the_file_has_the_documented_columns_and_forms(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    write_history(path, [FULL])
    header, row = path.read_text().splitlines()
    assert tuple(header.split(",")) == HISTORY_COLUMNS
    cells = dict(zip(HISTORY_COLUMNS, row.split(","), strict=True))
    assert cells["created_at"] == "2026-12-01T09:00:00.000Z"
    assert cells["skills"] == "billing:3|refunds:2"
    assert cells["handoff_s"] == "21.125"
    assert cells["offers"] == "2"
    assert cells["first_contact_resolved"] == "true"
    assert cells["cancel_reason"] == ""
    assert cells["patience_s"] == ""


def test_gzip_output_is_reproducible(tmp_path: Path) -> None:
    write_history(tmp_path / "a.csv.gz", [FULL])
    write_history(tmp_path / "b.csv.gz", [FULL])
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()


def test_optional_columns_may_be_absent_and_handoff_comes_from_accepted_at(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "escalation_id,created_at,channel,outcome,accepted_at\n"
        "e1,2026-12-01T09:00:00Z,chat,completed,2026-12-01T09:00:12.5+00:00\n",
    )
    (record,) = read_history(path)
    assert record.handoff_s == 12.5
    assert record.csat is None
    assert record.skills == {}
    assert record.trigger is None


def test_bad_cells_are_named_by_line_and_column(tmp_path: Path) -> None:
    header = "escalation_id,created_at,channel,outcome,csat,skills,first_contact_resolved,tier,offers\n"
    path = _write(
        tmp_path,
        header
        + "e1,2026-12-01T09:00:00Z,chat,completed,4,billing:3,true,1,0\n"
        + "e2,2026-12-01T09:00:00Z,fax,completed,9,billing:7,yes,4,-1\n"
        + "e3,2026-12-01T09:00:00,chat,done,,,,,\n"
        + "e1,2026-12-01T09:01:00Z,chat,completed,,,,,\n",
    )
    assert _problems(path) == [
        "line 3, channel: must be one of chat, voice, email, messaging, got 'fax'",
        "line 3, skills: proficiency must be 1-5, got 7",
        "line 3, tier: must be 1-3, got 4",
        "line 3, offers: must be >= 0, got -1",
        "line 3, csat: must be 1-5, got 9",
        "line 3, first_contact_resolved: must be true or false, got 'yes'",
        "line 4, created_at: time needs a UTC offset (e.g. '2026-12-01T09:00:00.000Z'), "
        "got '2026-12-01T09:00:00'",
        "line 4, outcome: must be one of completed, abandoned, cancelled, handed_back, deferred, "
        "transferred, waiting, offered, assigned, got 'done'",
        "line 5, escalation_id: 'e1' given twice (first on line 2)",
    ]


def test_a_row_must_agree_with_itself(tmp_path: Path) -> None:
    header = (
        "escalation_id,created_at,channel,outcome,accepted_at,handoff_s,patience_s,cancel_reason,"
        "conversation_started_at\n"
    )
    path = _write(
        tmp_path,
        header
        + "e1,2026-12-01T09:00:00Z,chat,completed,2026-12-01T09:00:10Z,12,,,\n"
        + "e2,2026-12-01T09:00:00Z,chat,abandoned,2026-12-01T09:00:10Z,,5,duplicate,2026-12-01T09:01:00Z\n"
        + "e3,2026-12-01T09:00:00Z,chat,completed,2026-12-01T08:59:00Z,,3,customer_left,\n",
    )
    assert _problems(path) == [
        "line 2, handoff_s: must equal accepted_at - created_at (10.000), got 12.0",
        "line 3, conversation_started_at: must not be after created_at",
        "line 3, accepted_at: given, but the outcome 'abandoned' means nobody accepted",
        "line 3, cancel_reason: abandoned means customer_left, got 'duplicate'",
        "line 4, accepted_at: must not be before created_at",
        "line 4, patience_s: only for abandoned escalations, but the outcome is 'completed'",
        "line 4, cancel_reason: only for cancelled or abandoned, got outcome 'completed'",
    ]


def test_header_problems_and_empty_files(tmp_path: Path) -> None:
    assert _problems(_write(tmp_path, "escalation_id,created_at,chanel,outcome\n")) == [
        "line 1: missing required column(s): channel",
        "line 1: unknown column(s): 'chanel' (allowed: " + ", ".join(HISTORY_COLUMNS) + ")",
    ]
    assert _problems(_write(tmp_path, "escalation_id,created_at,channel,outcome\n")) == [
        "no escalation rows after the header"
    ]
    assert _problems(tmp_path / "missing.csv") == ["file not found"]
    assert _problems(_write(tmp_path, "not gzip", "log.csv.gz"))[0].startswith("not a readable gzip file")


def test_cancelled_cannot_carry_customer_left(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "escalation_id,created_at,channel,outcome,cancel_reason\ne1,2026-12-01T09:00:00Z,chat,cancelled,customer_left\n",
    )
    assert _problems(path) == [
        "line 2, cancel_reason: customer_left means the outcome is abandoned, not cancelled"
    ]
    ok = _write(
        tmp_path,
        "escalation_id,created_at,channel,outcome,cancel_reason\ne1,2026-12-01T09:00:00Z,chat,cancelled,resolved_by_ai\n",
        "ok.csv",
    )
    assert read_history(ok)[0].cancel_reason is CancelReason.RESOLVED_BY_AI


def test_volume_round_trip_and_checks(tmp_path: Path) -> None:
    records = [
        VolumeRecord(interval_start_s=T0 + 900, interval_s=900, segment="a", conversations=40),
        VolumeRecord(interval_start_s=T0, interval_s=900, segment="a", conversations=0),
        VolumeRecord(interval_start_s=T0, interval_s=900, segment="b", conversations=7),
    ]
    path = tmp_path / "volume.csv.gz"
    assert write_volume(path, records) == 3
    assert read_volume(path) == [records[1], records[0], records[2]]

    header = "interval_start,interval_s,segment,conversations\n"
    bad = _write(
        tmp_path,
        header
        + "2026-12-01T09:00:00Z,900,a,10\n"
        + "2026-12-01T09:10:00Z,900,a,10\n"
        + "2026-12-01T09:00:00Z,0,,-3\n",
        "volume.csv",
    )
    assert _problems(bad, read_volume) == [
        "line 4, interval_s: must be > 0, got 0",
        "line 4, conversations: must be >= 0, got -3",
        "line 3, interval_start: overlaps the interval on line 2",
    ]
    mixed = _write(
        tmp_path, header + "2026-12-01T09:00:00Z,900,a,10\n2026-12-01T09:00:00Z,900,,10\n", "mixed.csv"
    )
    assert _problems(mixed, read_volume) == [
        "line 3, segment: empty (all segments), but line 2 gives a segment: give every row a segment, or none"
    ]
