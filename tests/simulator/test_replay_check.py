"""Replay vs measured: the log's own outcomes beside the replayed day's simulation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.cli import app
from routing.domain import Channel
from routing.history import HistoryRecord, Outcome
from simulator.replay_check import compare_replay, measured_outcomes
from simulator.replications import run_replications
from simulator.scenario import load_scenario

HISTORY_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "history"
T0 = 1_790_000_000.0


def _served(i: int, handoff_s: float, offers: int = 1) -> HistoryRecord:
    created = T0 + 60 * i
    return HistoryRecord(
        escalation_id=f"s{i}",
        created_at_s=created,
        channel=Channel.CHAT,
        outcome=Outcome.COMPLETED,
        offers=offers,
        first_offered_at_s=created + handoff_s - 5.0,
        accepted_at_s=created + handoff_s,
        handoff_s=handoff_s,
        completed_at_s=created + handoff_s + 300,
        handle_time_s=300.0,
    )


def test_measured_outcomes_by_hand() -> None:
    records = [
        _served(0, 10.0),
        _served(1, 20.0),
        _served(2, 50.0, offers=2),  # accepted after 30 s: against the service level
        HistoryRecord(
            escalation_id="a",
            created_at_s=T0 + 200,
            channel=Channel.CHAT,
            outcome=Outcome.ABANDONED,
            patience_s=40.0,
        ),
        HistoryRecord(
            escalation_id="d", created_at_s=T0 + 250, channel=Channel.CHAT, outcome=Outcome.DEFERRED
        ),
        _served(99, 5.0),  # created after the window: not counted
    ]
    m = measured_outcomes(records, T0, T0 + 3600, threshold_s=30.0)
    assert m.metrics["offered"] == 5
    assert m.metrics["service_level"] == pytest.approx(2 / 5)
    assert m.metrics["abandon_rate"] == pytest.approx(1 / 5)
    assert m.metrics["deferral_rate"] == pytest.approx(1 / 5)
    assert m.metrics["asa_s"] == pytest.approx((10 + 20 + 50) / 3)
    assert m.accept_delay_s == pytest.approx(5.0)  # first-offer acceptances only
    assert m.accept_delays_seen == 2
    assert (m.with_patience, m.without_patience, m.without_handle_time) == (1, 4, 2)
    empty = measured_outcomes(records, T0 - 10, T0 - 5, threshold_s=30.0)
    assert empty.metrics["offered"] == 0
    assert math.isnan(empty.metrics["service_level"])


def test_the_replay_scenario_keeps_the_desks_roster() -> None:
    replay = load_scenario(HISTORY_DIR / "replay.yaml")
    desk = load_scenario(HISTORY_DIR / "desk.yaml")
    assert replay.roster == desk.roster
    assert replay.offers == desk.offers


def test_replaying_a_day_on_its_own_roster_lands_near_what_was_measured() -> None:
    scenario = load_scenario(HISTORY_DIR / "replay.yaml")
    result = run_replications(scenario, 4, 1, workers=1)
    comparison = compare_replay(result)
    assert comparison is not None
    assert comparison.simulated["offered"].mean == comparison.measured.metrics["offered"] > 300
    assert abs(comparison.difference("service_level")) <= 0.04
    assert abs(comparison.difference("abandon_rate")) <= 0.04
    assert any(note.startswith("accept delay: the log's agents") for note in comparison.notes)
    assert any("never showed how long they would wait" in note for note in comparison.notes)


def test_a_scenario_without_a_history_log_has_no_comparison() -> None:
    scenario = load_scenario(HISTORY_DIR.parent / "replay_example.yaml")
    result = run_replications(scenario, 1, 1, workers=1)
    assert compare_replay(result) is None


def test_simulate_prints_and_writes_the_comparison(tmp_path: Path) -> None:
    out = tmp_path / "replay"
    result = CliRunner().invoke(
        app, ["simulate", str(HISTORY_DIR / "replay.yaml"), "-r", "2", "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "replay vs measured" in result.output
    document = json.loads((out / "replay_vs_measured.json").read_text())
    assert set(document["metrics"]) == {
        "offered",
        "service_level",
        "abandon_rate",
        "deferral_rate",
        "asa_s",
        "p90_handoff_s",
    }
    assert document["metrics"]["offered"]["measured"] == document["metrics"]["offered"]["simulated"]["mean"]
    assert (
        document["patience_observed"] + document["patience_drawn"]
        == document["metrics"]["offered"]["measured"]
    )
