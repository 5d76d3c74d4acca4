"""``handoff analytics``: the weekly escalation review of a history log, as a report.

Reads a history log (CSV or ``.csv.gz``, :mod:`routing.history`) and optionally the AI
platform's conversation volume -- or the service's own database (``--database URL --tenant T``,
through the history export :mod:`routing.service.history_export`, with the volume the AI platform
posted to the service) -- computes the review (:func:`routing.analytics.weekly_review`) for
a period and groupings, and writes the report (:mod:`reports.escalation_review`). The service
level's threshold and target default to the targets catalogue's
(:class:`simulator.scenario.ServiceLevelTarget`: 80 % within 30 s). Only Typer and the standard
library load at import time; numpy, matplotlib and the readers load inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routing.cli import fail, usage

if TYPE_CHECKING:
    from routing.history import HistoryRecord, VolumeRecord

__all__ = ["GROUPINGS", "analytics", "period_bounds"]

#: The dimensions ``--group-by`` accepts (:data:`routing.analytics.DIMENSIONS`, kept here as text
#: so ``--help`` need not import numpy; a test checks they agree).
#: The end of "no --to" when reading the service's database (year 2286).
_FAR_FUTURE_S = 1e10
#: Bounds standing in for an option not given (only the zone and the other bound are checked).
_FIRST_DAY, _LAST_DAY = "1970-01-02", "9999-12-30"

GROUPINGS = ("trigger", "segment", "channel", "customer_tier", "language", "agent_group")


def period_bounds(start: str | None, end: str | None, time_zone: str) -> tuple[float | None, float | None]:
    """``--from`` / ``--to`` as epoch seconds ``[start_s, end_s)``, read as ``handoff history
    export`` reads them (:func:`routing.service.history_cli.parse_period`: a date is a whole day
    in ``time_zone``, ``--to``'s day included; or an instant with a UTC offset); None for a bound
    not given. Exit with a usage error for a bad date, an unknown zone or an empty period."""
    from routing.history.cells import parse_time_zone
    from routing.service.history_cli import parse_period

    try:
        parse_time_zone(time_zone)
    except ValueError as exc:
        usage(f"--time-zone: {exc}")
    try:
        lo, hi = parse_period(start or _FIRST_DAY, end or _LAST_DAY, time_zone)
    except ValueError as exc:
        usage(str(exc))
    return (lo if start is not None else None, hi if end is not None else None)


def _from_service(
    database: str, tenant: str, lo: float | None, hi: float | None, return_days: float
) -> tuple[list[HistoryRecord], list[VolumeRecord] | None]:
    """The tenant's escalations created from ``lo`` to ``hi`` plus the return window (returns
    after the period count), and its conversation volume of the period (None when it reported
    none), read through the service's history export. Exit 2 naming the problem for a missing
    service extra, a database that cannot be opened or an unknown tenant."""
    from routing.service.history_cli import _database  # the export's own opening and checks
    from routing.service.history_export import history_records, one_kind, volume_records
    from routing.service.roster_export import group_of, roster_groups
    from routing.service.storage import repository as repo

    from_s = 0.0 if lo is None else lo
    to_s = _FAR_FUTURE_S if hi is None else hi
    with _database(database, tenant) as db, db.read() as s:
        groups = group_of(roster_groups(repo.agents(s, tenant)))
        records = list(
            history_records(s, tenant, from_s, min(to_s + return_days * 86_400, _FAR_FUTURE_S), groups)
        )
        volume, _ = one_kind(volume_records(s, tenant, from_s, to_s))
    return records, volume or None


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
        str | None,
        typer.Option(
            "--from", help="First day reviewed (2026-11-02, local to --time-zone) or instant (...T09:00Z)."
        ),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day reviewed, included, or instant, excluded.")
    ] = None,
    group_by: Annotated[
        list[str] | None,
        typer.Option(
            "--group-by",
            help=f"Break every metric down by this; repeat for several ({', '.join(GROUPINGS)}), "
            "or 'all'. Default: trigger.",
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
    database: Annotated[
        str | None,
        typer.Option(
            help="Review the service's own history instead of a log: a SQLite file or a SQLAlchemy URL "
            "(sqlite:///..., postgresql+psycopg://...); with --tenant."
        ),
    ] = None,
    tenant: Annotated[
        str | None, typer.Option(help="With --database: whose history (the tenant's id).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the report's path.")] = False,
) -> None:
    """Review the escalations of a history log week by week: handoff time against the target, and
    every metric per week and group, as an HTML report with CSV and JSON."""
    if log is None and database is None:
        usage("give the history log to review (LOG.csv or LOG.csv.gz), or --database and --tenant")
    if log is not None and database is not None:
        usage("give either a history log or --database, not both")
    if database is not None and tenant is None:
        usage("--database needs --tenant (whose history to review)")
    groups = list(
        dict.fromkeys(
            g for name in (group_by or ["trigger"]) for g in (GROUPINGS if name == "all" else [name])
        )
    )
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
        counts = read_volume(volume) if volume is not None else None
        if log is not None:
            records = read_history(log)
            source = log.name
        else:
            assert database is not None
            assert tenant is not None
            records, stored = _from_service(database, tenant, lo, hi, return_days)
            counts = counts if volume is not None else stored
            source = f"tenant {tenant} of the service's database"
    except InvalidInput as exc:
        fail(exc)
    if not records:
        usage(f"{source}: no escalation to review")
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
        usage(f"{source}: {exc}")
    try:
        paths = write_review_report(review, out, source)
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
