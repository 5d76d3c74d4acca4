"""``handoff analytics``: the weekly escalation review of a history log, as a report.

Reads a history log (CSV or ``.csv.gz``, :mod:`routing.history`) and optionally the AI
platform's conversation volume, computes the review (:func:`routing.analytics.weekly_review`) for
a period and groupings, and writes the report (:mod:`reports.escalation_review`). The service
level's threshold and target default to the targets catalogue's
(:class:`simulator.scenario.ServiceLevelTarget`: 80 % within 30 s). Only Typer and the standard
library load at import time; numpy, matplotlib and the readers load inside the command.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from routing.cli import fail, usage

__all__ = ["GROUPINGS", "analytics", "period_bounds"]

#: The dimensions ``--group-by`` accepts (:data:`routing.analytics.DIMENSIONS`, kept here as text
#: so ``--help`` need not import numpy; a test checks they agree).
GROUPINGS = ("trigger", "segment", "channel", "customer_tier", "language", "agent_group")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        usage(f"{option} must be a date such as 2026-11-02, got {value!r}")


def period_bounds(start: str | None, end: str | None, time_zone: str) -> tuple[float | None, float | None]:
    """``--from`` / ``--to`` (local dates in ``time_zone``, both days included) as epoch seconds
    ``[start_s, end_s)``; None for a bound not given. Exit with a usage error for a bad date, an
    unknown zone or an end before the start."""
    from zoneinfo import ZoneInfoNotFoundError

    from routing.shifts import zone

    try:
        tz = zone(time_zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        usage(f"--time-zone: unknown IANA time zone {time_zone!r} (e.g. 'Europe/Paris')")
    lo = hi = None
    if start is not None:
        day = _day(start, "--from")
        lo = datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
    if end is not None:
        day = _day(end, "--to") + timedelta(days=1)
        hi = datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
    if lo is not None and hi is not None and hi <= lo:
        usage(f"--to ({end}) must not be before --from ({start})")
    return lo, hi


def analytics(
    log: Annotated[
        Path | None,
        typer.Argument(help="History log, CSV or .csv.gz (the format of 'handoff history export')."),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Directory for report.html, review.json, charts and tables.")
    ] = Path("review"),
    volume: Annotated[
        Path | None,
        typer.Option(help="The AI platform's conversation volume (CSV): the escalation rate's denominator."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First day reviewed (YYYY-MM-DD, local to --time-zone).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day reviewed, included (YYYY-MM-DD).")] = None,
    group_by: Annotated[
        list[str] | None,
        typer.Option(
            "--group-by",
            help=f"Break every metric down by this; repeat for several ({', '.join(GROUPINGS)}). "
            "Default: trigger.",
        ),
    ] = None,
    time_zone: Annotated[
        str, typer.Option(help="IANA zone of the weeks (Monday 00:00), the days and the heatmap's hours.")
    ] = "UTC",
    return_days: Annotated[
        float,
        typer.Option(
            min=0.001, help="Return rate: the same customer escalating again within this many days."
        ),
    ] = 7.0,
    threshold_s: Annotated[
        float | None, typer.Option(help="Service-level threshold in seconds (default: the targets' 30 s).")
    ] = None,
    target: Annotated[
        float | None, typer.Option(help="Service-level target, a share 0-1 (default: the targets' 0.8).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the report's path.")] = False,
) -> None:
    """Review the escalations of a history log week by week: handoff time against the target, and
    every metric per week and group, as an HTML report with CSV and JSON."""
    if log is None:
        usage("give the history log to review (LOG.csv or LOG.csv.gz)")
    groups = list(dict.fromkeys(group_by or ["trigger"]))
    unknown = [g for g in groups if g not in GROUPINGS]
    if unknown:
        usage(f"--group-by: unknown grouping {', '.join(map(repr, unknown))}; known: {', '.join(GROUPINGS)}")
    lo, hi = period_bounds(start, end, time_zone)

    from pydantic import ValidationError

    from reports.escalation_review import write_review_report
    from routing.analytics import latest_week, weekly_review
    from routing.errors import InvalidInput
    from routing.history import read_history, read_volume
    from simulator.scenario import ServiceLevelTarget

    defaults = ServiceLevelTarget()
    try:
        goal = ServiceLevelTarget(
            threshold_s=defaults.threshold_s if threshold_s is None else threshold_s,
            target=defaults.target if target is None else target,
        )
    except ValidationError as exc:
        usage(
            "; ".join(f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in exc.errors())
        )
    try:
        records = read_history(log)
        counts = read_volume(volume) if volume is not None else None
    except InvalidInput as exc:
        fail(exc)
    try:
        review = weekly_review(
            records,
            threshold_s=goal.threshold_s,
            target=goal.target,
            volume=counts,
            start_s=lo,
            end_s=hi,
            group_by=groups,
            time_zone=time_zone,
            return_window_days=return_days,
        )
    except ValueError as exc:
        usage(f"{log}: {exc}")
    try:
        paths = write_review_report(review, out, log.name)
    except OSError as exc:
        usage(f"--out {out}: cannot write the report: {exc}")
    if quiet:
        typer.echo(out / "report.html")
        return
    i = latest_week(review)
    if i is not None:
        sl = review.weekly[i]["service_level"]
        assert sl.value is not None
        verdict = "meets" if sl.value >= goal.target else "misses"
        typer.echo(
            f"week of {review.weeks[i].label}: {100 * sl.value:.1f} % of {sl.n:,} decided escalations "
            f"accepted within {goal.threshold_s:g} s, {verdict} the {100 * goal.target:.1f} % target"
        )
    typer.echo(f"report: {out / 'report.html'} ({len(paths)} files in {out})")
