"""The forecast's files: the interval CSV a scenario reads, the scenario plan runs on, the tables.

Uses a one-day forecast of the shipped history (fast) with the desk's roster, and one with the
roster observed in the log.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip(
    "statsforecast", reason="the forecast needs statsforecast: pip install 'handoff[forecast]'"
)

from reports.cli import app
from routing.history import HistoryRecord
from simulator.demand import segment_rates_per_s
from simulator.forecast import ForecastOptions, ForecastResult, forecast_history, write_forecast
from simulator.forecast.method import ForecastUnavailable, require_statsforecast
from simulator.scenario import load_scenario
from simulator.scenario.interval_forecast import load_interval_forecast
from tests.simulator.forecast.conftest import HISTORY_DIR


@pytest.fixture(scope="module")
def one_day(shipped_history: list[HistoryRecord]) -> ForecastResult:
    return forecast_history(shipped_history, ForecastOptions(days=1, windows=2, quantile=0.9))


def test_the_forecast_csv_loads_as_the_scenarios_forecast(
    one_day: ForecastResult, shipped_history: list[HistoryRecord], tmp_path: Path
) -> None:
    desk = load_scenario(HISTORY_DIR / "desk.yaml")
    paths = write_forecast(one_day, shipped_history, tmp_path, desk, name="tomorrow")
    scenario = load_scenario(paths["scenario.yaml"])
    assert scenario.name == "tomorrow"
    assert scenario.start_s == one_day.start_s == 1795996800.0  # 2026-11-30T00:00Z, after the last day
    assert scenario.duration_h == 24
    assert [g.model_dump() for g in scenario.roster] == [g.model_dump() for g in desk.roster]
    assert scenario.offers == desk.offers
    for segment, s in zip(scenario.demand, one_day.series, strict=True):
        assert segment.segment == s.series.name
        assert segment.channel is s.series.channel
        volumes = segment_rates_per_s(segment, scenario) * scenario.interval_s
        np.testing.assert_allclose(
            volumes, s.rate_bound, atol=5e-4
        )  # the rate's quantile, to the file's 3 decimals
        assert np.all(s.rate_bound >= s.mean)  # q = 0.9 sits above the mean
        assert np.all(s.rate_bound <= s.bound)  # and below the count's bound: no Poisson noise in it
    forecast = load_interval_forecast(paths["forecast.csv"])
    assert forecast.interval_s == 900
    assert len(forecast) == 96 * len(one_day.series)


def test_the_segment_fields_come_from_the_history(
    one_day: ForecastResult, shipped_history: list[HistoryRecord]
) -> None:
    by_name = {s.series.name: s.profile for s in one_day.series}
    billing = by_name["billing"]
    assert billing["skills"] == {"billing": 2}
    assert billing["channel"] == "chat"
    handle = [
        r.handle_time_s for r in shipped_history if r.segment == "billing" and r.handle_time_s is not None
    ]
    assert billing["handle_time"]["mean_s"] == pytest.approx(np.mean(handle), abs=0.05)
    assert sum(billing["languages"].values()) == pytest.approx(1.0)
    security = by_name["account-security"]
    assert security["complexity_tier"] == 2
    # censored exponential mean: time seen waiting (abandoners' patience + served handoffs) / abandoners
    rows = [r for r in shipped_history if r.segment == "account-security"]
    left = [r.patience_s for r in rows if r.patience_s is not None]
    waited = sum(left) + sum(r.handoff_s for r in rows if r.handoff_s is not None)
    assert security["patience"]["mean_s"] == pytest.approx(waited / len(left), abs=0.05)


def test_without_a_roster_the_scenario_takes_the_one_the_log_shows(
    one_day: ForecastResult, shipped_history: list[HistoryRecord], tmp_path: Path
) -> None:
    paths = write_forecast(one_day, shipped_history, tmp_path)
    scenario = load_scenario(paths["scenario.yaml"])
    groups = {g.group: g for g in scenario.roster}
    assert set(groups) == {
        "billing-early",
        "billing-late",
        "night",
        "security",
        "technical-early",
        "technical-late",
    }
    assert groups["billing-early"].count == 2
    assert groups["night"].skills == {"billing": 2, "technical": 3, "account_security": 3}
    assert groups["security"].channels == {"voice": 1}
    assert all(
        cap <= 2 for g in scenario.roster for cap in g.channels.values()
    )  # the desk's caps, never more
    assert scenario.offers.accept_delay.mean == pytest.approx(6.0, rel=0.1)


def test_backtest_tables_agree_with_the_result(
    one_day: ForecastResult, shipped_history: list[HistoryRecord], tmp_path: Path
) -> None:
    paths = write_forecast(one_day, shipped_history, tmp_path)
    summary = json.loads(paths["backtest.json"].read_text())
    assert summary["method"] == "MSTL(96, 672) + AutoETS(ZZN) trend"
    with paths["backtest.csv"].open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for entry, s in zip(summary["series"], one_day.series, strict=True):
        assert entry["wape"] == pytest.approx(s.backtest.wape, abs=1e-4)
        overall = next(r for r in rows if r["series"] == entry["series"] and r["window"] == "all")
        assert float(overall["seasonal_naive_wape"]) == pytest.approx(s.backtest.baseline_wape, abs=1e-4)


def test_the_command_writes_every_file_and_the_report(tmp_path: Path) -> None:
    out = tmp_path / "fc"
    result = CliRunner().invoke(
        app,
        [
            "forecast",
            str(HISTORY_DIR / "history.csv.gz"),
            "--days",
            "1",
            "--windows",
            "1",
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out / "scenario.yaml")
    for name in ("forecast.csv", "forecast_intervals.csv", "scenario.yaml", "backtest.csv", "backtest.json"):
        assert (out / name).stat().st_size > 0
    for chart in ("forecast", "backtest"):
        assert (out / "charts" / f"{chart}.png").read_bytes()[:4] == b"\x89PNG"
    assert "<title>Forecast</title>" in (out / "report.html").read_text(encoding="utf-8")


def test_bad_options_and_files_get_clear_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    history = str(HISTORY_DIR / "history.csv.gz")
    bad_group = runner.invoke(app, ["forecast", history, "--segment-by", "colour", "--out", str(tmp_path)])
    assert bad_group.exit_code == 2
    assert "--segment-by must be one of segment, queue" in bad_group.output
    bad_file = tmp_path / "log.csv"
    bad_file.write_text("escalation_id,created_at,channel,outcome\ne1,yesterday,chat,completed\n")
    broken = runner.invoke(app, ["forecast", str(bad_file), "--out", str(tmp_path)])
    assert broken.exit_code == 2
    assert "line 2, created_at" in broken.output


def test_a_missing_statsforecast_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "statsforecast.models", None)
    with pytest.raises(ForecastUnavailable, match=r"pip install 'handoff\[forecast\]'"):
        require_statsforecast()
