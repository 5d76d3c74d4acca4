"""The forecast report of ``handoff forecast``: the trust verdict on hand-made backtests, the page
written by the command on the shipped history, and the page in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from reports.cli import app
from reports.forecast_report import CHARTS, SECTIONS, series_verdict
from routing.domain import Channel
from simulator.forecast.backtest import Backtest, BacktestWindow
from simulator.forecast.run import SeriesForecast
from simulator.forecast.series import VolumeSeries
from tests.browser import headless_chromium
from tests.simulator.forecast.conftest import HISTORY_DIR

DAY = 96


def _series(windows: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> SeriesForecast:
    """A series whose backtest has the given (actual, forecast, baseline) windows of one day."""
    counts = np.ones(DAY * (7 + len(windows)))
    backtest = Backtest(
        tuple(
            BacktestWindow(origin=DAY * (7 + j), actual=a, forecast=f, baseline=b)
            for j, (a, f, b) in enumerate(windows)
        )
    )
    zero = np.zeros(DAY)
    volume = VolumeSeries("billing", Channel.CHAT, np.arange(0), counts, 0.0)
    return SeriesForecast(volume, zero, zero, zero, zero, zero, backtest, {})


def test_a_forecast_no_better_than_last_week_is_not_trusted() -> None:
    rng = np.random.default_rng(3)
    actual = rng.poisson(4.0, DAY).astype(float)
    window = (actual, actual[::-1].copy(), actual.copy())  # naive is exact here
    trusted, why = series_verdict(_series([window]), 0.8)
    assert not trusted
    assert "no better than seasonal naive" in why[0]


def test_a_better_forecast_is_trusted_and_one_window_leaves_coverage_unjudged() -> None:
    actual = np.full(DAY, 4.0)
    window = (actual, actual + 0.1, actual + 2.0)
    assert series_verdict(_series([window]), 0.8) == (True, [])


def test_intervals_that_cover_too_rarely_are_named() -> None:
    rng = np.random.default_rng(5)
    windows = []
    for _ in range(3):
        actual = rng.poisson(20.0, DAY).astype(float)
        # each window's errors are small, except one window far off: calibrated on the others,
        # that window's interval misses most of its actuals
        windows.append((actual, np.full(DAY, 20.0), np.full(DAY, 30.0)))
    windows[1] = (windows[1][0] + 15.0, windows[1][1], windows[1][2])
    trusted, why = series_verdict(_series(windows), 0.8)
    assert not trusted
    assert any("under-confident; staff for a higher --quantile" in w for w in why)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("forecast")
    args = ["forecast", str(HISTORY_DIR / "history.csv.gz"), "--days", "1", "--windows", "2"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output
    return out


def test_the_page_says_whether_to_trust_it_and_names_every_series(written: Path) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    assert 'class="verdict ok">Yes: for every series (account-security, billing, technical)' in html
    for name, _ in CHARTS:
        assert (written / "charts" / f"{name}.png").stat().st_size > 10_000
        assert (written / "charts" / f"{name}.svg").stat().st_size > 10_000
    for key, heading, _ in SECTIONS:
        assert f'<section id="{key}"><h2>{heading}</h2>' in html
    # one row in the next days, the backtest and the intervals, and one per backtest window
    assert html.count("<tr><td>billing</td>") == 3 + 2


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium("1200,900") as driver:
        yield driver


def test_report_renders_in_chromium(browser: Any, written: Path) -> None:
    browser.get((written / "report.html").as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title == "Forecast"
    images = browser.execute_script(
        "return Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, "
        "width: i.naturalWidth, shown: i.getBoundingClientRect().width}))"
    )
    assert len(images) == len(CHARTS)
    for img in images:
        assert img["complete"], img["alt"]
        assert img["width"] > 0, img["alt"]
        assert img["shown"] > 500, img["alt"]
    headings = browser.execute_script(
        "return Array.from(document.querySelectorAll('h2')).map(h => h.innerText)"
    )
    assert headings == [heading for _, heading, _ in SECTIONS]
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
