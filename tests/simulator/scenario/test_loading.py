"""Scenario files: the documented minimal form loads as written; every problem names its place."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from reports.cli import app
from routing.domain import CHANNEL_INDEX
from routing.errors import InvalidInput
from simulator.demand import segment_rates_per_s
from simulator.model import simulate
from simulator.scenario import Scenario, load_scenario, scenario_json_schema
from simulator.scenario.interval_forecast import load_interval_forecast
from simulator.streams import replication_seeds

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
ERLANG = SCENARIOS / "erlang_check.yaml"


def base() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ERLANG.read_text(encoding="utf-8"))
    return data


def problems_of(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_scenario(path)
    assert info.value.source == str(path)
    return [str(p) for p in info.value.problems]


def test_erlang_check_loads_as_written() -> None:
    s = load_scenario(ERLANG)
    assert s.name == "erlang-a-check"
    assert (s.duration_h, s.warmup_h, s.interval_min) == (8, 1, 15)
    assert s.intervals == 36
    [seg] = s.demand
    assert seg.arrivals_per_hour == 1000
    assert seg.handle_time.mean == 150
    assert seg.patience is not None
    assert seg.patience.mean == 60
    [group] = s.roster
    assert group.count == 50
    assert group.shifts is None  # always
    assert s.offers.timeout_s == 20
    assert s.service_level.threshold_s == 30


def mutate(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (["roster", 0, "skills", "general"], 7, "roster[0].skills.general: proficiency must be 1-5, got 7"),
        (["roster", 0, "time_zone"], "Mars/Base", "roster[0].time_zone: unknown IANA time zone 'Mars/Base'"),
        (["demand", 0, "channel"], "fax", "demand[0].channel: Input should be"),
        (["demand", 0, "handle_time"], {"distribution": "lognormal", "mean_s": 150}, "needs cv"),
        (["demand", 0, "handle_time"], {"distribution": "exponential"}, "needs mean_s"),
        (["demand", 0, "handle_time"], {"distribution": "empirical", "values_s": []}, "needs values_s"),
        (
            ["demand", 0, "handle_time"],
            {"distribution": "exponential", "mean_s": 0},
            "needs mean_s > 0, got 0",
        ),
        (["demand", 0, "volume_per_interval"], [10, 20], "give exactly one of arrivals_per_hour"),
        (["demand", 0, "customer_tiers"], {"standard": 0.5, "vip": 0.4}, "shares must sum to 1, got 0.9"),
        (
            ["demand", 0, "peaks"],
            [{"start": "13:00", "end": "12:00", "multiplier": 3}],
            "must end after it starts",
        ),
        (["roster", 0, "channels"], {"chat": 0}, "a cap above 0 on at least one channel"),
        (["roster", 0, "shrinkage"], 1.0, "roster[0].shrinkage: Input should be less than 1"),
        (["duration_h"], 0, "duration_h: Input should be greater than 0, got 0"),
        (["interval_min"], 20, "interval_min: Input should be 5, 10, 15, 30 or 60"),
        (["offers", "decline_probability"], 1.5, "offers.decline_probability: Input should be less than"),
        (["colour"], "blue", "colour: unknown field"),
    ],
)
def test_problem_names_place_and_value(tmp_path: Path, path: list[Any], value: Any, expected: str) -> None:
    problems = problems_of(tmp_path, mutate(path, value))
    assert any(p.startswith(expected) or expected in p for p in problems), problems


def test_duplicate_group_names_point_at_the_second(tmp_path: Path) -> None:
    data = base()
    data["roster"].append(copy.deepcopy(data["roster"][0]))
    assert problems_of(tmp_path, data) == ["roster[1].group: 'generalists' already used by roster[0]"]


def test_missing_forecast_csv_is_named(tmp_path: Path) -> None:
    data = base()
    del data["demand"][0]["arrivals_per_hour"]
    data["demand"][0]["forecast_csv"] = "nope.csv"
    [problem] = problems_of(tmp_path, data)
    assert problem.startswith("demand[0].forecast_csv: file not found")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = mutate(["roster", 0, "count"], -1)
    data["demand"][0]["skills"]["general"] = 0
    problems = problems_of(tmp_path, data)
    assert len(problems) == 2


def test_schema_is_json_with_every_section() -> None:
    schema = json.loads(scenario_json_schema())
    assert set(Scenario.model_fields) <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_cli_check_and_schema(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["scenario", "check", str(ERLANG)])
    assert ok.exit_code == 0, ok.output
    assert "erlang-a-check" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(mutate(["roster", 0, "skills", "general"], 7)), encoding="utf-8")
    result = runner.invoke(app, ["scenario", "check", str(bad)])
    assert result.exit_code == 2
    assert "roster[0].skills.general: proficiency must be 1-5, got 7" in result.output
    assert "Traceback" not in result.output
    schema = runner.invoke(app, ["scenario", "schema"])
    assert schema.exit_code == 0
    assert json.loads(schema.stdout)["title"] == "Scenario"


# route_example.yaml is a `handoff route` input, tested in tests/routing/test_cli.py
SHIPPED = sorted(p for p in SCENARIOS.glob("*.yaml") if p.name != "route_example.yaml")


def test_the_shipped_scenarios_are_found() -> None:
    assert {p.name for p in SHIPPED} >= {"erlang_check.yaml", "ai_support_peak.yaml"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_file_is_valid(path: Path) -> None:
    load_scenario(path)


def test_ai_support_peak_is_realistic() -> None:
    s = load_scenario(SCENARIOS / "ai_support_peak.yaml")
    assert s.duration_h == 24
    assert {g.time_zone for g in s.roster} == {"Asia/Manila", "Europe/Dublin", "America/New_York"}
    assert {d.channel.value for d in s.demand} == {"chat", "voice"}
    skills = {k for d in s.demand for k in d.skills}
    assert {"billing", "technical", "account_security", "legal"} <= skills
    # night base and the 3x lunch peak, per segment
    for seg in s.demand:
        assert max(p.multiplier for p in seg.peaks) == 3.0
    # ~1,200 escalations a day: base rates x (hours at each multiplier)
    base = sum(seg.arrivals_per_hour or 0 for seg in s.demand)
    hours = {1.0: 24 - 15, 2.0: 4, 3.0: 3, 2.2: 4, 1.5: 4}
    daily = base * sum(m * h for m, h in hours.items())
    assert 1_000 <= daily <= 1_400


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_simulates(path: Path) -> None:
    """Two hours of each shipped scenario run end to end, and every escalation has an outcome."""
    scenario = load_scenario(path)
    short = scenario.model_copy(update={"duration_h": min(scenario.duration_h, 2.0), "warmup_h": 0.0})
    records = simulate(short, replication_seeds(1, 1)[0])
    assert len(records.arrivals) > 0
    assert records.outcome.size == len(records.arrivals)


def test_forecast_segments_take_their_queue_and_media_from_the_csv() -> None:
    """forecast_example.yaml: each segment's volume over the horizon is its rows' Offered total."""
    scenario = load_scenario(SCENARIOS / "forecast_example.yaml")
    forecast = load_interval_forecast(SCENARIOS / "genesys_forecast_example.csv")
    for seg in scenario.demand:
        assert seg.forecast_filter is not None
        rows = (forecast.queue == seg.forecast_filter.queue) & (
            forecast.channel == CHANNEL_INDEX[seg.channel]
        )
        volume = segment_rates_per_s(seg, scenario) * scenario.interval_s
        assert volume.sum() == pytest.approx(float(forecast.offered[rows].sum()))
        assert volume.max() > 2 * volume[: 4 * 2].mean()  # the lunch peak against the early morning
