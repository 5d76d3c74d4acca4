"""``handoff serve``: run the routing service with uvicorn; ``handoff deliver``: its webhook
delivery worker as a process of its own.

The command carries its Typer annotations, so the top-level CLI only registers it. Only Typer and
the standard library load at import time; uvicorn and the service load when the command runs.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

__all__ = ["deliver", "serve"]


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
    _need_service_extra()
    import uvicorn

    if database_url:
        os.environ["HANDOFF_DATABASE_URL"] = database_url
    uvicorn.run("routing.service.app:app_from_env", factory=True, host=host, port=port, log_level=log_level)


def deliver(
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default: HANDOFF_DATABASE_URL or sqlite:///handoff.db)."),
    ] = None,
    interval_s: Annotated[
        float, typer.Option(min=0.001, help="Seconds between two looks for due deliveries.")
    ] = 0.05,
) -> None:
    """Send the service's webhooks from this process (settings from HANDOFF_* variables) until
    interrupted; run the server with HANDOFF_WEBHOOKS__INTERVAL_S=0 so that it sends none itself.

    Several of these (and servers) may run at once on one database: a delivery is leased to one
    sender at a time. The server must have created the schema first.
    """
    _need_service_extra()
    import logging

    from routing.service.settings import ServiceSettings
    from routing.service.webhooks.worker_process import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if database_url:
        os.environ["HANDOFF_DATABASE_URL"] = database_url
    run_worker(ServiceSettings(), interval_s)


def _need_service_extra() -> None:
    try:
        import fastapi  # noqa: F401 -- only to tell a missing extra from a broken install
        import uvicorn  # noqa: F401
    except ImportError as exc:
        from routing.cli import usage

        usage(
            f"the routing service needs the 'service' extra ({exc.name} is not installed): "
            "pip install 'handoff[service]'"
        )
