"""The files of a forecast: the interval forecast, a scenario using it, the backtest tables.

* ``forecast.csv`` -- the forecast at the chosen quantile in the Genesys Cloud historical-import
  layout that scenarios read (:mod:`simulator.scenario.interval_forecast`): ``Queue`` is the
  series name, ``Media Type`` its channel, ``Skill Set`` its skills; ``Offered`` the quantile
  of the interval's arrival rate (fractional; the simulator draws Poisson arrivals around it, so
  the count's own noise is not in it: :meth:`~simulator.forecast.intervals.Calibration.rate_bound`),
  ``Interactions Handled`` the same and ``Total Handle Time (Seconds)`` that volume times the
  series' mean handle time.
* ``forecast_intervals.csv`` -- per series and interval: the mean, the central interval and the
  quantile bound of the count, and the quantile of the rate (what ``forecast.csv`` holds).
* ``scenario.yaml`` -- a scenario over the forecast's days whose demand segments read
  ``forecast.csv`` (one per series, its profile from history) and whose roster, offers, routing,
  targets and shift plans come from ``--roster`` (or, without it, from the log:
  :func:`~simulator.forecast.profile.observed_roster`). It is validated before it is written.
* ``backtest.csv`` / ``backtest.json`` -- per series and window the WAPE of the method and of
  weekly seasonal naive, and the out-of-sample interval coverage.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from routing.domain import Channel
from routing.history.record import HistoryRecord
from routing.timestamps import iso
from simulator.forecast.method import INTERVAL_S
from simulator.forecast.profile import observed_offers, observed_roster
from simulator.forecast.run import ForecastResult
from simulator.scenario import Scenario

__all__ = ["FILES", "backtest_summary", "forecast_scenario", "write_forecast"]

FILES = ("forecast.csv", "forecast_intervals.csv", "scenario.yaml", "backtest.csv", "backtest.json")

#: The project's channel -> the Genesys media type written.
_MEDIA = {Channel.CHAT: "chat", Channel.VOICE: "voice", Channel.EMAIL: "email", Channel.MESSAGING: "message"}
_HEADER = (
    "Interval Start UTC Date",
    "Queue",
    "Media Type",
    "Skill Set",
    "Language",
    "Offered",
    "Interactions Handled",
    "Total Handle Time (Seconds)",
)


def _number(value: float) -> str:
    return f"{round(float(value), 3):g}"


def _nan_none(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _write_forecast_csv(result: ForecastResult, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(_HEADER)
        for s in result.series:
            mean_handle_s = float(s.profile["handle_time"]["mean_s"])
            skill_set = "|||".join(sorted(s.profile.get("skills", {})))
            for k, offered in enumerate(s.rate_bound.tolist()):
                out.writerow(
                    [
                        iso(result.start_s + k * INTERVAL_S),
                        s.series.name,
                        _MEDIA[s.series.channel],
                        skill_set,
                        "",
                        _number(offered),
                        _number(offered),
                        _number(round(offered, 3) * mean_handle_s),
                    ]
                )


def _write_intervals_csv(result: ForecastResult, path: Path) -> None:
    level = round(result.options.level * 100)
    q = result.options.quantile
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        bounds = [f"lo_{level}", f"hi_{level}", f"q{q:g}", f"rate_q{q:g}"]
        out.writerow(["series", "channel", "interval_start", "mean", *bounds])
        for s in result.series:
            for k in range(result.intervals):
                out.writerow(
                    [
                        s.series.name,
                        s.series.channel.value,
                        iso(result.start_s + k * INTERVAL_S),
                        _number(s.mean[k]),
                        _number(s.lower[k]),
                        _number(s.upper[k]),
                        _number(s.bound[k]),
                        _number(s.rate_bound[k]),
                    ]
                )


def backtest_summary(result: ForecastResult) -> dict[str, Any]:
    """``backtest.json``'s content: the method, the options and per series the WAPEs and coverage."""
    options = result.options
    series = []
    for s in result.series:
        bt = s.backtest
        series.append(
            {
                "series": s.series.name,
                "channel": s.series.channel.value,
                "history_escalations": int(s.series.counts.sum()),
                "wape": _nan_none(bt.wape),
                "seasonal_naive_wape": _nan_none(bt.baseline_wape),
                "beats_seasonal_naive": bool(bt.wape < bt.baseline_wape),
                "hourly_wape": _nan_none(bt.wape_of_totals(4)),
                "hourly_seasonal_naive_wape": _nan_none(bt.wape_of_totals(4, baseline=True)),
                "daily_wape": _nan_none(bt.wape_of_totals(96)),
                "daily_seasonal_naive_wape": _nan_none(bt.wape_of_totals(96, baseline=True)),
                "interval_coverage": _nan_none(bt.coverage(options.level)),
                "quantile_coverage": _nan_none(bt.upper_coverage(options.quantile)),
                "windows": [
                    {
                        "origin_at": iso(s.series.start_s + w.origin * INTERVAL_S),
                        "actual": round(float(w.actual.sum()), 3),
                        "wape": _nan_none(w.wape),
                        "seasonal_naive_wape": _nan_none(w.baseline_wape),
                    }
                    for w in bt.windows
                ],
            }
        )
    return {
        "method": options.method.name,
        "baseline": "seasonal naive (weekly: the same interval a week before)",
        "horizon_days": options.days,
        "interval_level": options.level,
        "quantile": options.quantile,
        "forecast_start_at": iso(result.start_s),
        "group_by": options.group_by,
        "series": series,
    }


def _write_backtest(result: ForecastResult, csv_path: Path, json_path: Path) -> None:
    summary = backtest_summary(result)
    json_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["series", "window", "origin_at", "actual", "wape", "seasonal_naive_wape"])
        for s in summary["series"]:
            for j, w in enumerate(s["windows"], start=1):
                out.writerow(
                    [s["series"], j, w["origin_at"], w["actual"], w["wape"], w["seasonal_naive_wape"]]
                )
            out.writerow(
                [s["series"], "all", "", s["history_escalations"], s["wape"], s["seasonal_naive_wape"]]
            )


def forecast_scenario(
    result: ForecastResult, records: Sequence[HistoryRecord], roster: Scenario | None, name: str
) -> Scenario:
    """The scenario over the forecast (see the module docstring), validated.

    Raise a ValueError if no roster is given and the log names no agents."""
    base: dict[str, Any]
    if roster is not None:
        base = roster.model_dump(
            mode="json",
            exclude_defaults=True,
            include={"roster", "offers", "routing", "shift_plans", "service_level"},
        )
    else:
        base = {"roster": observed_roster(records)}
        offers = observed_offers(records)
        if offers:
            base["offers"] = offers
    demand = [
        {**s.profile, "forecast_csv": "forecast.csv", "forecast_filter": {"queue": s.series.name}}
        for s in result.series
    ]
    q = result.options.quantile
    document = {
        "name": name,
        "description": f"Forecast of {result.options.days} day(s) from history at quantile {q:g} of the rate "
        f"({result.options.method.name}).",
        "time_zone": "UTC",
        "start": iso(result.start_s, "seconds").removesuffix("Z"),
        "duration_h": 24 * result.options.days,
        "warmup_h": 0,
        "interval_min": INTERVAL_S // 60,
        **base,
        "demand": demand,
    }
    return Scenario.model_validate(document)


def write_forecast(
    result: ForecastResult,
    records: Sequence[HistoryRecord],
    out: Path,
    roster: Scenario | None = None,
    name: str = "forecast",
) -> dict[str, Path]:
    """Write :data:`FILES` into ``out`` (created if needed); return them by name."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {f: out / f for f in FILES}
    scenario = forecast_scenario(result, records, roster, name)
    _write_forecast_csv(result, paths["forecast.csv"])
    _write_intervals_csv(result, paths["forecast_intervals.csv"])
    document = scenario.model_dump(mode="json", exclude_defaults=True)
    header = (
        f"# Written by `handoff forecast`: demand at quantile {result.options.quantile:g} of the forecast\n"
        "# in "
        "forecast.csv (beside this file); plan it with `handoff plan scenario.yaml`.\n"
    )
    paths["scenario.yaml"].write_text(
        header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    _write_backtest(result, paths["backtest.csv"], paths["backtest.json"])
    return paths
