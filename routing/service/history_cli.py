"""``handoff history export`` and ``handoff roster export``: the routing service's own history
and agents, written for analytics, the forecast and the simulator.

* ``history export`` writes the history log (:mod:`routing.history`; which column comes from
  where: :mod:`routing.service.history_export`) of the escalations created in a period, and
  beside it the AI platform's conversation volume of that period;
* ``roster export`` writes the tenant's agents as a scenario roster
  (:mod:`routing.service.roster_export`).

Both read the service's database (``--database``: a SQLite file's path, or a SQLAlchemy URL of
SQLite or PostgreSQL; default ``HANDOFF_DATABASE_URL``) and write nothing to it: a database whose
schema is not this version's (``handoff serve`` migrates it when it starts) is refused, saying
so. Like every command module, only Typer and the standard library load at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from routing.service.storage.database import Database

__all__ = ["history_app", "parse_period", "roster_app"]

history_app = typer.Typer(help="Export the routing service's history.", no_args_is_help=True)
roster_app = typer.Typer(
    help="Export the routing service's agents as a scenario roster.", no_args_is_help=True
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="The service's database: a SQLite file, or a SQLAlchemy URL (sqlite:///..., "
        "postgresql+psycopg://...). Default: HANDOFF_DATABASE_URL.",
    ),
]
TenantOption = Annotated[str, typer.Option("--tenant", help="Whose history: the tenant's id.")]


def _url(database: str | None) -> str:
    """The SQLAlchemy URL of ``--database`` (a bare path is a SQLite file, which must exist)."""
    import os

    from routing.cli import usage

    value = database or os.environ.get("HANDOFF_DATABASE_URL")
    if not value:
        usage("give --database (a SQLite file or a database URL), or set HANDOFF_DATABASE_URL")
    if "://" in value:
        return value
    path = Path(value)
    if not path.is_file():
        usage(f"--database: no SQLite file at {path}")
    return f"sqlite:///{path.resolve()}"


@contextmanager
def _database(database: str | None, tenant_id: str) -> Iterator[Database]:
    """The service's database, its schema checked to be this version's and ``tenant_id`` to
    exist; exit 2 naming the problem if the service extra is missing, the database cannot be
    opened, holds another schema, or has no such tenant."""
    from routing.cli import usage

    url = _url(database)
    try:
        from sqlalchemy.exc import ArgumentError, OperationalError

        from routing.service.storage.database import Database
        from routing.service.storage.models import Tenant
    except ImportError as exc:
        usage(
            f"the export needs the 'service' extra ({exc.name} is not installed): "
            "pip install 'handoff[service]'"
        )
    try:
        db = Database(url)
    except ArgumentError as exc:
        usage(f"--database is not a database URL: {exc}")
    try:
        try:
            current, newest = db.schema_revision()
            if current is None:
                usage("--database holds no routing service schema: give the database 'handoff serve' uses")
            if current != newest:
                usage(
                    f"the database's schema is at revision {current}, this handoff reads {newest}: start "
                    "'handoff serve' on it once to migrate it (the export itself writes nothing)"
                )
            with db.read() as s:
                known = [t for (t,) in s.query(Tenant.id).order_by(Tenant.id)]
        except OperationalError as exc:
            reason = type(exc.orig).__name__ if exc.orig is not None else "unknown"
            usage(f"cannot open the database ({reason}); check --database")
        if tenant_id not in known:
            usage(
                f"--tenant: no tenant {tenant_id!r} in the database (tenants: {', '.join(known) or 'none'})"
            )
        yield db
    finally:
        db.dispose()


def parse_period(start: str, end: str, time_zone: str) -> tuple[float, float]:
    """[from, to) in epoch seconds of ``--from`` and ``--to``: each a date (``2026-01-05``, a
    whole day in ``time_zone``; ``--to``'s day included) or an instant with a UTC offset
    (``2026-01-05T09:00:00Z``; ``--to`` excluded). Raise ValueError naming the option."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"--time-zone: unknown IANA time zone {time_zone!r}") from None

    def instant(option: str, value: str, day_after: bool) -> float:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if day_after:
                day += timedelta(days=1)
            return datetime.combine(day, time(0), zone).timestamp()
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{option}: expected a date (2026-01-05) or an instant (2026-01-05T09:00Z), got {value!r}"
            ) from None
        if when.tzinfo is None:
            raise ValueError(f"{option}: an instant needs a UTC offset (2026-01-05T09:00Z), got {value!r}")
        return when.astimezone(UTC).timestamp()

    from_s, to_s = instant("--from", start, False), instant("--to", end, True)
    if to_s <= from_s:
        raise ValueError(f"--to ({end}) must be after --from ({start})")
    return from_s, to_s


def _volume_path(out: Path) -> Path:
    """``history.csv.gz`` -> ``history-volume.csv.gz`` (beside it, compressed alike)."""
    name = out.name
    for suffix in (".csv.gz", ".csv"):
        if name.lower().endswith(suffix):
            return out.with_name(name[: -len(suffix)] + "-volume" + name[-len(suffix) :])
    return out.with_name(name + "-volume.csv")


def _check_out(out: Path, option: str) -> None:
    from routing.cli import usage

    if not out.name.lower().endswith((".csv", ".csv.gz")):
        usage(f"{option}: the file name must end in .csv or .csv.gz, got {out.name!r}")
    if not out.parent.is_dir():
        usage(f"{option}: no folder {out.parent}")


@history_app.command("export")
def history_export(
    tenant: TenantOption,
    start: Annotated[
        str, typer.Option("--from", help="First day (2026-01-05) or instant (2026-01-05T09:00Z).")
    ],
    end: Annotated[str, typer.Option("--to", help="Last day, included, or instant, excluded.")],
    out: Annotated[Path, typer.Option("--out", help="The history log to write: .csv or .csv.gz.")],
    database: DatabaseOption = None,
    volume_out: Annotated[
        Path | None,
        typer.Option(
            help="The conversation-volume CSV (default: beside --out, named <name>-volume.csv[.gz])."
        ),
    ] = None,
    time_zone: Annotated[str, typer.Option(help="IANA time zone of the days --from and --to name.")] = "UTC",
) -> None:
    """Write the history log of the escalations created in the period (one row each, open ones
    included with their state so far) and the conversation volume the AI platform reported for
    it. A period without any reported volume writes no volume file, and says so."""
    from rich.console import Console

    from routing.cli import usage
    from routing.history import write_history, write_volume
    from routing.service.history_export import history_records, one_kind, volume_records
    from routing.service.roster_export import group_of, roster_groups
    from routing.service.storage import repository as repo

    try:
        from_s, to_s = parse_period(start, end, time_zone)
    except ValueError as exc:
        usage(str(exc))
    _check_out(out, "--out")
    volume_path = volume_out or _volume_path(out)
    _check_out(volume_path, "--volume-out")
    console = Console(stderr=True)
    with _database(database, tenant) as db, db.read() as s:
        groups = group_of(roster_groups(repo.agents(s, tenant)))
        written = write_history(out, history_records(s, tenant, from_s, to_s, groups))
        volume = volume_records(s, tenant, from_s, to_s)
    console.print(f"wrote {written} escalations to {out}", highlight=False, soft_wrap=True)
    volume, left_out = one_kind(volume)
    if left_out:
        console.print(
            f"note: {left_out} volume intervals reported without a segment are left out; the "
            f"{len(volume)} per-segment ones are written (both would count conversations twice)",
            highlight=False,
            soft_wrap=True,
        )
    if volume:
        write_volume(volume_path, volume)
        console.print(
            f"wrote {len(volume)} volume intervals to {volume_path}", highlight=False, soft_wrap=True
        )
    else:
        console.print("no conversation volume reported for the period: no volume file", highlight=False)


@roster_app.command("export")
def roster_export(
    tenant: TenantOption,
    out: Annotated[Path, typer.Option("--out", help="The roster to write (YAML).")],
    database: DatabaseOption = None,
) -> None:
    """Write the tenant's active agents as a scenario roster (YAML ``roster:``): agents of equal
    profiles (skills, tier, languages, time zone, shifts, caps, regions) become one group."""
    from rich.console import Console

    from routing.cli import usage
    from routing.service.roster_export import roster_document, roster_groups
    from routing.service.storage import repository as repo

    if not out.parent.is_dir():
        usage(f"--out: no folder {out.parent}")
    with _database(database, tenant) as db, db.read() as s:
        groups = roster_groups(repo.agents(s, tenant))
    active = sum(sum(g.active) for g in groups)
    if not active:
        usage(f"tenant {tenant!r} has no active agents: a scenario's roster needs at least one group")
    out.write_text(roster_document(groups, tenant), encoding="utf-8")
    kept = sum(1 for g in groups if any(g.active))
    Console(stderr=True).print(
        f"wrote {active} agents in {kept} groups to {out}", highlight=False, soft_wrap=True
    )
