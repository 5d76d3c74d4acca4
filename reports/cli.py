"""The ``handoff`` command line. It sits in ``reports`` because that is the top of the dependency
chain (routing <- simulator <- reports), so it may call every part of the product."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from routing.cli import run_route
from routing.errors import InvalidInput

app = typer.Typer(
    name="handoff",
    help="Skills-based routing and capacity planning for AI-to-human support handoffs.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def _fail(exc: InvalidInput) -> None:
    err_console.print(f"[bold red]error:[/] {exc.source or 'input'} is not valid:")
    for problem in exc.problems:
        err_console.print(f"  {problem}", markup=False, highlight=False)
    raise typer.Exit(code=2)


@app.command()
def route(
    file: Annotated[
        Path, typer.Argument(help="JSON or YAML with agents, escalations and optional settings.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the decisions as JSON.")] = False,
) -> None:
    """Replay a roster and escalations through the router and show every decision and why."""
    try:
        run_route(file, as_json, console)
    except InvalidInput as exc:
        _fail(exc)


@app.callback()
def _root() -> None:
    """Skills-based routing and capacity planning for AI-to-human support handoffs."""


def main() -> None:
    app(prog_name="handoff", args=sys.argv[1:])
