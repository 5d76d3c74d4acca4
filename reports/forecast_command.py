"""``handoff forecast``: interval volume for the next days from a history log, and a scenario on it.

The command function carries its Typer annotations; :mod:`reports.cli` registers it. Only Typer
and the standard library load at import time; the history reader, statsforecast (the
``forecast`` extra) and matplotlib load inside the command. It writes the forecast's files and
the forecast report (``report.html``, :mod:`reports.forecast_report`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from routing.cli import fail, usage

__all__ = ["forecast"]


def forecast(
    history: Annotated[
        Path, typer.Argument(help="History log (CSV or .csv.gz), as `handoff history export` writes.")
    ],
    days: Annotated[
        int, typer.Option(min=1, max=31, help="Days to forecast, from 00:00 UTC after the log's last day.")
    ] = 7,
    out: Annotated[
        Path, typer.Option(help="Directory for forecast.csv, scenario.yaml, the backtest and report.html.")
    ] = Path("forecast"),
    quantile: Annotated[
        float,
        typer.Option(min=0.5, max=0.99, help="Quantile of each interval's volume the scenario staffs for."),
    ] = 0.9,
    segment_by: Annotated[
        str,
        typer.Option(
            help="History column that splits the forecast: segment, queue, trigger, customer_tier, "
            "language, channel."
        ),
    ] = "segment",
    roster: Annotated[
        Path | None,
        typer.Option(
            help="Scenario whose roster, offers, routing, targets and shift plans the new scenario takes "
            "(default: a roster observed in the log)."
        ),
    ] = None,
    windows: Annotated[
        int, typer.Option(min=1, max=12, help="Backtest origins (at most; as many as the history allows).")
    ] = 3,
    level: Annotated[
        float, typer.Option(min=0.5, max=0.99, help="Central prediction interval drawn and reported.")
    ] = 0.8,
    name: Annotated[str, typer.Option(help="Name of the written scenario.")] = "forecast",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the scenario path.")] = False,
) -> None:
    """Forecast 15-minute escalation volume per segment (MSTL daily + weekly seasons, AutoETS
    trend), backtest it against weekly seasonal naive, and write a scenario `handoff plan` runs on."""
    began = time.perf_counter()
    from rich.console import Console
    from rich.table import Table

    from reports.forecast_report import write_forecast_report
    from routing.errors import InvalidInput
    from routing.history import read_history
    from simulator.forecast import ForecastOptions, ForecastUnavailable, forecast_history, write_forecast
    from simulator.forecast.series import GROUP_COLUMNS
    from simulator.scenario import load_scenario

    if segment_by not in GROUP_COLUMNS:
        usage(f"--segment-by must be one of {', '.join(GROUP_COLUMNS)}, got {segment_by!r}")
    try:
        records = read_history(history)
        base = load_scenario(roster) if roster is not None else None
    except InvalidInput as exc:
        fail(exc)
    read_s = time.perf_counter() - began
    options = ForecastOptions(days=days, quantile=quantile, level=level, windows=windows, group_by=segment_by)
    try:
        result = forecast_history(records, options)
        paths = write_forecast(result, records, out, base, name)
    except ForecastUnavailable as exc:
        usage(str(exc))
    except ValueError as exc:
        usage(str(exc))
    report = write_forecast_report(result, out, str(history))
    wall_s = time.perf_counter() - began
    if quiet:
        typer.echo(paths["scenario.yaml"])
        return
    console = Console()
    table = Table(title=f"Backtest: {len(result.series[0].backtest.windows)} window(s) of {days} day(s)")
    for column in (
        "series",
        "escalations",
        "WAPE 15 min",
        "naive",
        "WAPE hourly",
        "naive",
        f"{level:.0%} covered",
        f"≤ q{quantile:g}",
    ):
        table.add_column(column, justify="left" if column == "series" else "right")
    for s in result.series:
        bt = s.backtest
        table.add_row(
            s.series.name,
            f"{int(s.series.counts.sum()):,}",
            f"{bt.wape:.1%}",
            f"{bt.baseline_wape:.1%}",
            f"{bt.wape_of_totals(4):.1%}",
            f"{bt.wape_of_totals(4, baseline=True):.1%}",
            f"{bt.coverage(level):.1%}",
            f"{bt.upper_coverage(quantile):.1%}",
        )
    console.print(table)
    written = [*paths.values(), report["report.html"]]
    console.print(f"wrote {', '.join(str(p) for p in written)}", highlight=False)
    console.print(
        f"{len(records):,} escalations read in {read_s:.1f} s; whole command {wall_s:.1f} s "
        f"(statsforecast import and every fit included)",
        highlight=False,
    )
    console.print(f"next: handoff plan {paths['scenario.yaml']}", highlight=False)
