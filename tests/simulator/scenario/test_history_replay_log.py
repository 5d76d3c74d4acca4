"""The history log read as a replay log: its columns known, its rows checked by routing.history."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from routing.domain import Channel, CustomerTier
from routing.errors import InvalidInput
from routing.history import HistoryRecord, Outcome, write_history
from simulator.scenario.escalation_log import load_escalation_log


def _records() -> list[HistoryRecord]:
    return [
        HistoryRecord(
            escalation_id="b",
            created_at_s=1_790_000_100.0,
            channel=Channel.VOICE,
            skills={"technical": 3},
            outcome=Outcome.ABANDONED,
            patience_s=42.5,
            segment="technical",
        ),
        HistoryRecord(
            escalation_id="a",
            created_at_s=1_790_000_000.0,
            channel=Channel.CHAT,
            skills={"billing": 2, "refunds": 1},
            customer_tier=CustomerTier.VIP,
            language="es",
            outcome=Outcome.COMPLETED,
            first_offered_at_s=1_790_000_000.0,
            accepted_at_s=1_790_000_004.0,
            completed_at_s=1_790_000_404.0,
            handle_time_s=400.0,
            csat=5,
        ),
    ]


@pytest.mark.parametrize("name", ["day.csv", "day.csv.gz"])
def test_a_history_log_replays_row_by_row(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_history(path, _records())
    log = load_escalation_log(path)
    assert len(log) == 2
    assert log.created_s.tolist() == [1_790_000_000.0, 1_790_000_100.0]  # sorted by time
    assert [h.escalation_id for h in log.history] == ["a", "b"]
    assert log.skills == ({"billing": 2, "refunds": 1}, {"technical": 3})
    assert log.customer_tier == (CustomerTier.VIP, CustomerTier.STANDARD)  # empty: the default tier
    assert log.language == ("es", "en")
    assert log.handle_time_s[0] == 400.0
    assert math.isnan(log.handle_time_s[1])
    assert math.isnan(log.patience_s[0])
    assert log.patience_s[1] == 42.5
    assert [e.channel for e in log.to_escalations()] == [Channel.CHAT, Channel.VOICE]


def test_a_bad_history_row_is_named_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "day.csv"
    write_history(path, _records())
    text = path.read_text().replace(",5,", ",9,")
    path.write_text(text)
    with pytest.raises(InvalidInput) as info:
        load_escalation_log(path)
    assert [str(p) for p in info.value.problems] == ["line 3, csat: must be 1-5, got 9"]
