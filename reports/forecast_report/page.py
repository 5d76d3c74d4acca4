"""The forecast as one HTML page, in a planner's order: 1 can the plan trust it (does the method
beat "same as last week", and do its intervals cover as often as they say), 2 the next days,
3 the backtest, 4 the prediction intervals, 5 the method and the files. Built on the capacity
report's page (:func:`reports.html_parts.html_page`); every string from the history is escaped
there."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from html import escape
from typing import Final

from reports.forecast_report.charts import CHARTS
from reports.html_parts import chart, html_page, html_table
from simulator.forecast.backtest import Backtest
from simulator.forecast.method import DAY_INTERVALS, INTERVAL_S
from simulator.forecast.run import ForecastResult, SeriesForecast

__all__ = ["COVERAGE_TOLERANCE", "SECTIONS", "render_page", "series_verdict"]

Render = Callable[[ForecastResult, Mapping[str, bytes]], str]
_CAPTIONS: Final = dict(CHARTS)
#: An interval whose out-of-sample coverage is within this of its level is called calibrated.
COVERAGE_TOLERANCE: Final = 0.10
_HOUR: Final = 4
_MISSING: Final = "–"


def _pct(value: float) -> str:
    return _MISSING if math.isnan(value) else f"{100 * value:.1f} %"


def _when(s: float) -> str:
    return f"{datetime.fromtimestamp(s, UTC):%a %d %b %Y %H:%M} UTC"


def series_verdict(s: SeriesForecast, level: float) -> tuple[bool, list[str]]:
    """Whether the plan can trust this series' forecast, and why not: the method must beat weekly
    seasonal naive on hourly volume over the backtest, and its central ``level`` interval must
    cover within :data:`COVERAGE_TOLERANCE` of ``level`` out of sample (not judged with one
    window, which leaves nothing to calibrate on)."""
    bt: Backtest = s.backtest
    problems = []
    ours, naive = bt.wape_of_totals(_HOUR), bt.wape_of_totals(_HOUR, baseline=True)
    if math.isnan(ours):
        problems.append("its backtest windows had no volume, so nothing measures the forecast")
    elif not ours < naive:
        problems.append(
            f"hourly WAPE {_pct(ours)} is no better than seasonal naive's {_pct(naive)}: plan from last "
            "week's volume, or give it more history"
        )
    covered = bt.coverage(level)
    if not math.isnan(covered) and abs(covered - level) > COVERAGE_TOLERANCE:
        side = "under" if covered < level else "over"
        problems.append(
            f"the {level:.0%} interval covered {_pct(covered)} of the backtest: it is {side}-confident"
            + ("; staff for a higher --quantile" if side == "under" else "")
        )
    return not problems, problems


def _trust(result: ForecastResult, pngs: Mapping[str, bytes]) -> str:
    level = result.options.level
    verdicts = [(s, *series_verdict(s, level)) for s in result.series]
    bad = [(s, why) for s, ok, why in verdicts if not ok]
    names = ", ".join(s.series.name for s in result.series)
    if not bad:
        waps = [s.backtest.wape_of_totals(_HOUR) for s in result.series]
        naive = [s.backtest.wape_of_totals(_HOUR, baseline=True) for s in result.series]
        text = (
            f"Yes: for every series ({names}) the forecast beats “same as last week” on hourly volume "
            f"(WAPE {_pct(min(waps))}–{_pct(max(waps))} against {_pct(min(naive))}–{_pct(max(naive))})"
        )
        windows = len(result.series[0].backtest.windows)
        text += (
            f", and its {level:.0%} intervals cover as often as they say."
            if windows > 1
            else "; with one backtest window the intervals' coverage is not measured."
        )
        body = f'<p class="verdict ok">{escape(text)}</p>'
    else:
        text = f"No: {len(bad)} of {len(result.series)} series need a look before the plan relies on them."
        items = "".join(
            f"<li><strong>{escape(s.series.name)}</strong>: {escape('; '.join(why))}</li>" for s, why in bad
        )
        body = f'<p class="verdict miss">{escape(text)}</p><ul>{items}</ul>'
    return body + (
        "<p class=note>WAPE: the share of the volume the forecast misplaces, over the backtest windows "
        "(each forecast from its own past only). Hourly, because a planner staffs by the hour; the "
        "15-minute and daily figures are in section 3.</p>"
    )


def _next_days(result: ForecastResult, pngs: Mapping[str, bytes]) -> str:
    q = result.options.quantile
    header = [
        "series",
        "channel",
        "escalations (mean)",
        "busiest hour (mean)",
        f"busiest 15 min, rate at q{q:g}",
        f"escalations staffed for (q{q:g})",
    ]
    rows = []
    for s in result.series:
        hourly = s.mean.reshape(-1, _HOUR).sum(axis=1)
        busiest = int(hourly.argmax())
        rows.append(
            [
                s.series.name,
                s.series.channel.value,
                f"{s.mean.sum():,.0f}",
                f"{hourly[busiest]:.1f} ({_when(result.start_s + busiest * _HOUR * INTERVAL_S)})",
                f"{s.rate_bound.max():.2f}",
                f"{s.rate_bound.sum():,.0f}",
            ]
        )
    start = _when(result.start_s)
    return (
        chart("forecast", pngs, _CAPTIONS["forecast"])
        + html_table(header, rows, numeric_from=2, cls="small")
        + f"<p class=note>{result.options.days} day(s) of 15-minute intervals from {escape(start)}. "
        f"<code>scenario.yaml</code> staffs for the quantile {q:g} of each interval's arrival rate "
        "(<code>forecast.csv</code>); the simulator draws Poisson arrivals around it.</p>"
    )


def _backtest(result: ForecastResult, pngs: Mapping[str, bytes]) -> str:
    header = ["series", "WAPE 15 min", "naive", "WAPE hourly", "naive", "WAPE daily", "naive"]
    rows = []
    for s in result.series:
        bt = s.backtest
        rows.append(
            [
                s.series.name,
                _pct(bt.wape),
                _pct(bt.baseline_wape),
                _pct(bt.wape_of_totals(_HOUR)),
                _pct(bt.wape_of_totals(_HOUR, baseline=True)),
                _pct(bt.wape_of_totals(DAY_INTERVALS)),
                _pct(bt.wape_of_totals(DAY_INTERVALS, baseline=True)),
            ]
        )
    window_rows = [
        [
            s.series.name,
            str(j),
            _when(s.series.start_s + w.origin * INTERVAL_S),
            f"{w.actual.sum():,.0f}",
            _pct(w.wape),
            _pct(w.baseline_wape),
        ]
        for s in result.series
        for j, w in enumerate(s.backtest.windows, start=1)
    ]
    return (
        chart("backtest", pngs, _CAPTIONS["backtest"])
        + html_table(header, rows, cls="small")
        + "<h3>Per window (oldest first)</h3>"
        + html_table(
            ["series", "window", "from", "escalations", "WAPE 15 min", "naive"], window_rows, numeric_from=3
        )
        + "<p class=note>Naive: weekly seasonal naive, the same interval a week before. At 15 minutes "
        "a small desk's counts are mostly noise, so both figures are high there.</p>"
    )


def _intervals(result: ForecastResult, pngs: Mapping[str, bytes]) -> str:
    level, q = result.options.level, result.options.quantile
    rows = [
        [
            s.series.name,
            _pct(s.backtest.coverage(level)),
            _pct(s.backtest.upper_coverage(q)),
        ]
        for s in result.series
    ]
    header = ["series", f"inside the {level:.0%} interval", f"at or below q{q:g} (nominal {q:.0%})"]
    return html_table(
        header,
        rows,
        cls="small",
    ) + (
        "<p class=note>Measured out of sample: each backtest window's interval is calibrated on the other "
        "windows' errors only, then checked against what happened (“–” with a single window). Intervals "
        "are split conformal on the backtest's errors scaled by the square root of the forecast.</p>"
    )


def _method(result: ForecastResult, pngs: Mapping[str, bytes]) -> str:
    o = result.options
    return (
        f"<p>Method: <strong>{escape(o.method.name)}</strong> (statsforecast), one series per "
        f"<code>{escape(o.group_by)}</code>: a daily and a weekly season, and an exponential-smoothing "
        "trend that follows a level shift within days without extrapolating a short rise. Baseline: "
        "weekly seasonal naive.</p>"
        "<p class=note>Files: <code>forecast.csv</code> (the rate the scenario staffs for), "
        "<code>forecast_intervals.csv</code> (mean, interval, count and rate bounds per interval), "
        "<code>backtest.csv</code> and <code>backtest.json</code>, <code>scenario.yaml</code> "
        "(plan it with <code>handoff plan</code>).</p>"
    )


SECTIONS: Final[tuple[tuple[str, str, Render], ...]] = (
    ("trust", "1. Can the plan trust it?", _trust),
    ("next", "2. The next days", _next_days),
    ("backtest", "3. Backtest", _backtest),
    ("intervals", "4. Prediction intervals", _intervals),
    ("method", "5. Method and files", _method),
)


def render_page(result: ForecastResult, pngs: Mapping[str, bytes], source: str) -> str:
    """The whole forecast as one HTML document; ``pngs`` maps a chart name to the PNG to embed;
    ``source`` names the history it was read from."""
    o = result.options
    sub = (
        f"{o.days} day(s) from {_when(result.start_s)} · per {o.group_by} · "
        f"staffed at quantile {o.quantile:g} · {len(result.series[0].backtest.windows)} backtest window(s) · "
        f"from {source}"
    )
    files = "<code>backtest.json</code> (for machines), <code>charts/</code> (PNG and SVG), CSV files"
    return html_page(
        "Forecast", sub, files, [(key, heading, render(result, pngs)) for key, heading, render in SECTIONS]
    )
