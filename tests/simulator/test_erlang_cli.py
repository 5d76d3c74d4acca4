"""``handoff erlang``: JSON output, the table, and one-line errors (exit 2) for bad options."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from reports.cli import app

BASE = ["--arrivals-per-hour", "200", "--aht-s", "180", "--threshold-s", "20"]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["erlang", *args])


def test_evaluate_agents_json() -> None:
    result = invoke(*BASE, "--agents", "14", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["p_wait"] == pytest.approx(0.174132, abs=1e-6)
    assert out["service_level"] == pytest.approx(0.888350, abs=1e-6)
    assert out["agents"] == 14
    assert "agents_gross" not in out
    assert set(out) == {
        "p_wait",
        "abandon_rate",
        "service_level",
        "service_level_answered",
        "asa_s",
        "occupancy",
        "agents",
    }


def test_target_with_shrinkage_json() -> None:
    result = invoke(*BASE, "--target-sl", "0.8", "--shrinkage", "0.3", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["agents"], out["agents_gross"]) == (14, 20)


def test_erlang_a_with_abandon_cap() -> None:
    result = invoke(*BASE, "--patience-s", "60", "--target-sl", "0.8", "--max-abandon", "0.01", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["abandon_rate"] <= 0.01
    assert out["service_level"] >= 0.8


def test_unstable_erlang_a_is_fine() -> None:
    """With patience the queue is stable at any staffing level."""
    result = invoke(*BASE, "--patience-s", "60", "--agents", "5", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["abandon_rate"] > 0.4


def test_table_output() -> None:
    result = invoke(*BASE, "--agents", "14")
    assert result.exit_code == 0, result.output
    assert "service_level" in result.stdout
    assert "0.88835" in result.stdout


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--arrivals-per-hour", "-5", "--aht-s", "180", "--agents", "3"], "--arrivals-per-hour"),
        (["--arrivals-per-hour", "100", "--aht-s", "-1", "--agents", "3"], "--aht-s"),
        (
            ["--arrivals-per-hour", "100", "--aht-s", "180", "--patience-s", "0", "--agents", "9"],
            "--patience-s",
        ),
        (
            ["--arrivals-per-hour", "100", "--aht-s", "180", "--threshold-s", "-2", "--agents", "9"],
            "--threshold-s",
        ),
        ([*BASE, "--agents", "14", "--target-sl", "0.8"], "--agents"),
        (BASE, "--target-sl"),
        ([*BASE, "--agents", "0"], "--agents"),
        ([*BASE, "--target-sl", "1.5"], "--target-sl"),
        ([*BASE, "--agents", "14", "--shrinkage", "1"], "--shrinkage"),
        ([*BASE, "--target-sl", "0.8", "--max-abandon", "0"], "--max-abandon"),
        ([*BASE, "--agents", "10"], "--agents"),
        ([*BASE, "--agents", "8"], "--patience-s"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: list[str], option: str) -> None:
    result = invoke(*args, "--json")
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.stderr.strip()
    assert "\n" not in message
    assert message.startswith("error:")
    assert option in message
    assert "Traceback" not in result.output
