"""``handoff serve``: run the routing service with uvicorn.

The command carries its Typer annotations, so the top-level CLI only registers it. Only Typer and
the standard library load at import time; uvicorn and the service load when the command runs.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default: HANDOFF_DATABASE_URL or sqlite:///handoff.db)."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the routing service (HTTP API; settings from HANDOFF_* variables) until interrupted.

    ``database_url`` overrides ``HANDOFF_DATABASE_URL``; with neither, a SQLite file
    ``handoff.db`` in the working directory.
    """
    try:
        import fastapi  # noqa: F401 -- only to tell a missing extra from a broken install
        import uvicorn
    except ImportError as exc:
        from routing.cli import usage

        usage(
            f"the routing service needs the 'service' extra ({exc.name} is not installed): "
            "pip install 'handoff[service]'"
        )
    if database_url:
        os.environ["HANDOFF_DATABASE_URL"] = database_url
    uvicorn.run("routing.service.app:app_from_env", factory=True, host=host, port=port, log_level=log_level)
