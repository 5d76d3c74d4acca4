"""``handoff tenants create|list`` and ``handoff keys create|list|revoke``: administration of the
routing service, straight against its database.

The database is the one ``handoff serve`` uses (``HANDOFF_DATABASE_URL``, or ``--database-url``;
a SQLite file ``handoff.db`` by default), migrated first if need be; running instances see the
changes at their next request. Whoever can reach the database is trusted: this is how the first
``admin`` key is issued (``handoff keys create default --scope admin``); from then on the admin
API (``/v1/admin``) does the same over HTTP. The audit trail names the caller as
``cli:<user name>``.

Like every command module, only Typer and the standard library load at import time.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from pydantic import BaseModel

    from routing.service.admin_schemas import KeyView
    from routing.service.tenants import Administration

__all__ = ["keys_app", "tenants_app"]

T = TypeVar("T")

tenants_app = typer.Typer(help="Create and list the routing service's tenants.", no_args_is_help=True)
keys_app = typer.Typer(help="Issue, list and revoke the routing service's API keys.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(help="SQLAlchemy URL (default: HANDOFF_DATABASE_URL or sqlite:///handoff.db)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _actor() -> str:
    """How the audit trail names whoever runs the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name (a container without passwd entry)
        return "cli"


@contextmanager
def _administration(database_url: str | None) -> Iterator[Administration]:
    """The administration over the configured database (migrated); exit 2 naming the problem if
    the service extra is missing, a setting is invalid or the database cannot be reached."""
    from routing.cli import usage

    try:
        from pydantic import ValidationError
        from sqlalchemy.exc import ArgumentError, OperationalError

        from routing.service.clock import SystemClock
        from routing.service.settings import ServiceSettings
        from routing.service.storage.database import Database
        from routing.service.tenants import Administration
    except ImportError as exc:
        usage(
            f"administration needs the 'service' extra ({exc.name} is not installed): "
            "pip install 'handoff[service]'"
        )
    try:
        settings = ServiceSettings(database_url=database_url) if database_url else ServiceSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        usage(f"invalid setting HANDOFF_{where.upper().replace('.', '__')}: {first['msg']}")
    try:
        db = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    except ArgumentError as exc:
        usage(f"--database-url / HANDOFF_DATABASE_URL is not a database URL: {exc}")
    try:
        try:
            db.migrate()
        except OperationalError as exc:
            reason = type(exc.orig).__name__ if exc.orig is not None else "unknown"
            usage(f"cannot open the database ({reason}); check --database-url / HANDOFF_DATABASE_URL")
        yield Administration(db, SystemClock())
    finally:
        db.dispose()


def _run(action: Callable[[], T]) -> T:
    """``action()``, with the routing errors it raises (unknown tenant, duplicate, bad input)
    printed as usage errors (exit 2)."""
    from routing.cli import fail, usage
    from routing.errors import InvalidInput, RoutingError

    try:
        return action()
    except InvalidInput as exc:
        fail(exc)
    except RoutingError as exc:
        usage(str(exc))


def _print_json(value: BaseModel | list[Any]) -> None:
    if isinstance(value, list):
        typer.echo(json.dumps([v.model_dump(mode="json") for v in value], indent=2))
    else:
        typer.echo(value.model_dump_json(indent=2))


def _when(value: datetime | None) -> str:
    """An instant for a table cell: ``2026-12-01 09:00`` (UTC)."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------------------------ tenants
@tenants_app.command("create")
def tenants_create(
    tenant_id: Annotated[str, typer.Argument(metavar="TENANT", help="Id: letters, digits, ._:- (up to 64).")],
    name: Annotated[str, typer.Option(help="Display name (default: the id).")] = "",
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Add a tenant (no keys yet: issue some with 'handoff keys create TENANT')."""
    from routing.schemas import parse
    from routing.service.admin_schemas import TenantIn

    body = _run(lambda: parse(TenantIn, {"id": tenant_id, "name": name}, source="tenant"))
    with _administration(database_url) as admin:
        view = _run(lambda: admin.create_tenant(body, by=_actor()))
    if as_json:
        _print_json(view)
        return
    from rich.console import Console

    Console().print(f"[green]created[/] tenant {view.id!r} ({view.name})", highlight=False, soft_wrap=True)


@tenants_app.command("list")
def tenants_list(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Every tenant, oldest first, with its keys that authenticate now."""
    with _administration(database_url) as admin:
        views = admin.tenants()
    if as_json:
        _print_json(views)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Tenants", caption="times in UTC")
    for column in ("id", "name", "created", "active keys"):
        table.add_column(column, justify="right" if column == "active keys" else "left")
    for v in views:
        table.add_row(v.id, v.name, _when(v.created_at), str(v.active_keys))
    Console().print(table)


# ------------------------------------------------------------------------------------ keys
@keys_app.command("create")
def keys_create(
    tenant_id: Annotated[str, typer.Argument(metavar="TENANT", help="The tenant the key acts for.")],
    scopes: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            "-s",
            help="A scope (repeat the option): escalations:write, agents:write, webhooks:write, "
            "read, admin, metrics. Default: every scope but admin and metrics ('agent' with --agent).",
        ),
    ] = None,
    agent: Annotated[
        str | None,
        typer.Option(help="An agent desktop's key: it acts for this agent of the tenant only."),
    ] = None,
    name: Annotated[str, typer.Option(help="What the key is for (e.g. 'ai-platform 2026-01').")] = "",
    expires_in_days: Annotated[
        float | None, typer.Option(help="The key stops working after this many days (> 0).")
    ] = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Issue an API key. The key is printed this once: only its SHA-256 is stored."""
    import math
    import time

    from routing.cli import usage
    from routing.schemas import parse

    if expires_in_days is not None and not (math.isfinite(expires_in_days) and expires_in_days > 0):
        usage(f"--expires-in-days must be a number > 0, got {expires_in_days}")
    from routing.service.admin_schemas import KeyIn

    fields: dict[str, Any] = {"name": name}
    if scopes:
        fields["scopes"] = scopes
    if agent is not None:
        fields["agent_id"] = agent
    if expires_in_days is not None:
        fields["expires_at"] = time.time() + expires_in_days * 86_400
    body = _run(lambda: parse(KeyIn, fields, source="key"))
    with _administration(database_url) as admin:
        created = _run(lambda: admin.create_key(tenant_id, body, by=_actor()))
    if as_json:
        _print_json(created)
        return
    from rich.console import Console

    console = Console()
    expires = f"{_when(created.expires_at)} UTC" if created.expires_at else "never"
    console.print(
        f"[green]created[/] key {created.id} of tenant {created.tenant_id!r}: "
        f"{' '.join(created.scopes)}"
        + (f" for agent {created.agent_id!r}" if created.agent_id else "")
        + f"; expires {expires}",
        highlight=False,
        soft_wrap=True,
    )
    console.print("API key (shown once; store it now):", highlight=False)
    console.print(created.api_key, markup=False, highlight=False, soft_wrap=True)


@keys_app.command("list")
def keys_list(
    tenant_id: Annotated[
        str | None, typer.Argument(metavar="TENANT", help="Only this tenant's keys (default: all).")
    ] = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """API keys (never the secrets), revoked and expired ones included, with their status."""
    with _administration(database_url) as admin:
        views = _run(lambda: admin.keys(tenant_id))
    if as_json:
        _print_json(views)
        return
    _print_keys(views, "API keys" if tenant_id is None else f"API keys of {tenant_id}")


def _print_keys(views: list[KeyView], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, caption="times in UTC")
    table.add_column("id", no_wrap=True, min_width=20)  # what revoke takes: never cut
    table.add_column("tenant", no_wrap=True)
    for column in ("status", "created", "name", "scopes"):
        table.add_column(column, overflow="fold")
    for v in views:
        table.add_row(v.id, v.tenant_id, _key_status(v), _when(v.created_at), v.name, " ".join(v.scopes))
    Console().print(table)


def _key_status(v: KeyView) -> str:
    """The status cell: coloured, with the time it changed (or will)."""
    if v.status == "revoked":
        return f"[red]revoked[/] {_when(v.revoked_at)}"
    if v.status == "expired":
        return f"[yellow]expired[/] {_when(v.expires_at)}"
    return "[green]active[/]" + (f" until {_when(v.expires_at)}" if v.expires_at else "")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="The key's id (key_...), as listed.")],
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Revoke a key: every instance refuses it from its next request on. Revoking a revoked key
    changes nothing."""
    with _administration(database_url) as admin:
        view = _run(lambda: admin.revoke_key(key_id, by=_actor()))
    if as_json:
        _print_json(view)
        return
    from rich.console import Console

    Console().print(
        f"[green]revoked[/] key {view.id} of tenant {view.tenant_id!r} (at {_when(view.revoked_at)} UTC)",
        highlight=False,
        soft_wrap=True,
    )
