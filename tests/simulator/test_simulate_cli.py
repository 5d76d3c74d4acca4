"""``handoff simulate``: the result files it writes, and clean errors for bad input (exit 2)."""

from __future__ import annotations

import csv
import itertools
import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from reports.cli import app
from simulator.metrics import METRICS
from simulator.output import RECORD_COLUMNS
from simulator.records import OUTCOMES
from tests.factories import ISSUE_METRICS

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ERLANG = SCENARIOS / "erlang_check.yaml"


def erlang_copy(tmp_path: Path, **over: Any) -> Path:
    """erlang_check.yaml with a short horizon (1 h after 15 min warm-up), written to tmp_path."""
    data: dict[str, Any] = yaml.safe_load(ERLANG.read_text(encoding="utf-8"))
    data.update({"duration_h": 1, "warmup_h": 0.25})
    data.update(over)
    path = tmp_path / "erlang_short.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    # wide terminal: long tmp paths must not be folded by Rich in the checks below
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        assert reader.fieldnames is not None
        return list(reader.fieldnames), rows


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    tmp = tmp_path_factory.mktemp("simulate")
    scenario = erlang_copy(tmp)
    out = tmp / "out"
    result = invoke(
        "simulate", str(scenario), "--replications", "2", "--seed", "3", "--out", str(out), "--workers", "1"
    )
    return result, out


def test_simulate_exits_0_and_writes_three_files(simulated: tuple[Result, Path]) -> None:
    result, out = simulated
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["intervals.csv", "records.csv", "summary.json"]
    assert "erlang-a-check" in result.output
    assert "Traceback" not in result.output


def test_summary_json_has_the_issue_shape(simulated: tuple[Result, Path]) -> None:
    _, out = simulated
    text = (out / "summary.json").read_text(encoding="utf-8")
    assert "NaN" not in text
    assert "Infinity" not in text
    doc = json.loads(text)
    assert (doc["scenario"], doc["replications"], doc["seed"]) == ("erlang-a-check", 2, 3)
    for name in ISSUE_METRICS:
        entry = doc["metrics"][name]
        assert set(entry) >= {"mean", "ci95"}, name
        assert isinstance(entry["mean"], float), name
        assert len(entry["ci95"]) == 2, name
        assert entry["ci95"][0] <= entry["mean"] <= entry["ci95"][1], name
    # 1,000 an hour for an hour after warm-up
    assert 800 < doc["metrics"]["offered"]["mean"] < 1200
    assert doc["roster"] == {"generalists": 50}


def test_intervals_csv_has_one_row_per_post_warm_up_interval(simulated: tuple[Result, Path]) -> None:
    _, out = simulated
    header, rows = read_csv(out / "intervals.csv")
    assert header[0] == "interval_start"
    for column in (
        *METRICS,
        "occupancy",
        "staffed_generalists",
        "service_level_ci_low",
        "service_level_ci_high",
    ):
        assert column in header, column
    assert len(rows) == 4  # 00:15, 00:30, 00:45, 01:00
    starts = [datetime.fromisoformat(row["interval_start"]) for row in rows]
    assert starts[0] == datetime.fromisoformat("2026-12-01T00:15:00+00:00")
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(starts))
    for row in rows:
        assert float(row["staffed_generalists"]) == 50.0
        assert float(row["offered"]) > 0
        sl = float(row["service_level"])
        assert 0 <= float(row["service_level_ci_low"]) <= sl <= float(row["service_level_ci_high"]) <= 1
    # the interval means add up to the overall mean of offered escalations
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    total = sum(float(row["offered"]) for row in rows)
    assert total == pytest.approx(doc["metrics"]["offered"]["mean"], abs=0.05)


def test_records_csv_has_one_row_per_escalation_per_replication(simulated: tuple[Result, Path]) -> None:
    _, out = simulated
    header, rows = read_csv(out / "records.csv")
    assert tuple(header) == RECORD_COLUMNS
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(rows) == round(2 * doc["run"]["escalations_per_replication"])
    by_rep: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_rep.setdefault(row["replication"], []).append(row)
    assert sorted(by_rep) == ["0", "1"]
    for rep_rows in by_rep.values():
        assert [int(r["escalation"]) for r in rep_rows] == list(range(len(rep_rows)))
        created = [float(r["created_s"]) for r in rep_rows]
        assert created == sorted(created)
        assert created[0] >= 0
        assert created[-1] < 1.25 * 3600
    assert {row["outcome"] for row in rows} <= set(OUTCOMES)
    assert {"completed", "abandoned"} <= {row["outcome"] for row in rows}
    for row in rows:
        assert (row["segment"], row["channel"]) == ("general", "chat")
        accepted = row["accepted_s"] != ""
        assert accepted == (row["outcome"] in ("assigned", "completed")), row
        assert (row["agent_group"] == "generalists") == accepted, row
        if accepted:
            name, _, k = row["agent"].partition("#")
            assert name == "generalists"
            assert 0 <= int(k) < 50
        else:
            assert row["agent"] == "", row
        if accepted:
            handoff = float(row["accepted_s"]) - float(row["created_s"])
            assert float(row["handoff_s"]) == pytest.approx(handoff, abs=2e-3)
            assert float(row["handoff_s"]) >= 0
        else:
            assert row["handoff_s"] == ""
        for column in ("created_s", "handle_s", "patience_s", "handoff_s", "finished_s"):
            assert row[column] == "" or math.isfinite(float(row[column])), (column, row)


def test_a_bad_scenario_exits_2_naming_the_file_and_field(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(ERLANG.read_text(encoding="utf-8"))
    data["roster"][0]["skills"]["general"] = 7
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = invoke("simulate", str(bad), "--replications", "1", "--workers", "1")
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output
    assert "roster[0].skills.general: proficiency must be 1-5, got 7" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_missing_scenario_file_exits_2_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = invoke("simulate", str(missing), "--replications", "1", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert str(missing) in result.output
    assert "file not found" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_missing_replay_log_exits_2_naming_the_field(tmp_path: Path) -> None:
    path = erlang_copy(
        tmp_path,
        replay={"log": "no_such_log.csv", "handle_time": {"distribution": "fixed", "mean_s": 60}},
    )
    result = invoke("simulate", str(path), "--replications", "1", "--workers", "1")
    assert result.exit_code == 2, result.output
    assert "replay.log" in result.output
    assert "no_such_log.csv" in result.output
    assert "Traceback" not in result.output


def test_a_broken_replay_log_exits_2_with_its_line(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "created_at,channel,skills,customer_tier,language\n"
        "2026-12-01T00:20:00+00:00,chat,general:1,standard,en\n"
        "2026-12-01T00:21:00+00:00,fax,general:1,standard,en\n",
        encoding="utf-8",
    )
    path = erlang_copy(
        tmp_path, replay={"log": "log.csv", "handle_time": {"distribution": "fixed", "mean_s": 60}}
    )
    result = invoke("simulate", str(path), "--replications", "1", "--workers", "1")
    assert result.exit_code == 2, result.output
    assert "line 3, channel" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("option", [["--replications", "0"], ["--seed", "-1"], ["--workers", "0"]])
def test_bad_options_are_usage_errors(tmp_path: Path, option: list[str]) -> None:
    result = invoke("simulate", str(erlang_copy(tmp_path)), *option)
    assert result.exit_code == 2, result.output
    assert option[0] in result.output
    assert "Traceback" not in result.output


def test_without_out_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = erlang_copy(tmp_path, duration_h=0.25, warmup_h=0)
    result = invoke("simulate", str(scenario), "--replications", "1", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["erlang_short.yaml"]


def test_the_file_name_survives_a_narrow_terminal(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(ERLANG.read_text(encoding="utf-8"))
    data["roster"][0]["skills"]["general"] = 7
    bad = tmp_path / ("a-scenario-with-a-name-long-enough-to-reach-the-edge-of-the-terminal-" * 2 + ".yaml")
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(bad)], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 2
    assert str(bad) in result.output


def test_interval_starts_are_in_the_scenarios_time_zone(tmp_path: Path) -> None:
    scenario = erlang_copy(tmp_path, time_zone="Europe/Berlin", duration_h=0.5)
    out = tmp_path / "out"
    result = invoke("simulate", str(scenario), "-r", "1", "--workers", "1", "--out", str(out), "--no-records")
    assert result.exit_code == 0, result.output
    _, rows = read_csv(out / "intervals.csv")
    # the naive start is local: 00:00 in Berlin, warm-up to 00:15
    assert [row["interval_start"] for row in rows] == [
        "2026-12-01T00:15:00+01:00",
        "2026-12-01T00:30:00+01:00",
    ]
    assert not (out / "records.csv").exists()


def test_a_simulating_process_returns_large_arrays_to_the_os_on_linux() -> None:
    import sys

    from simulator.process_memory import return_large_arrays_to_the_os

    assert return_large_arrays_to_the_os() is sys.platform.startswith("linux")
