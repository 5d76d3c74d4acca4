"""``handoff serve``: run the routing service with uvicorn."""

from __future__ import annotations

import os

import uvicorn


def serve(host: str, port: int, database_url: str | None, log_level: str) -> None:
    """Run the service in this process until interrupted. ``database_url`` overrides
    ``HANDOFF_DATABASE_URL``; with neither, a SQLite file ``handoff.db`` in the working directory."""
    if database_url:
        os.environ["HANDOFF_DATABASE_URL"] = database_url
    uvicorn.run("routing.service.app:app_from_env", factory=True, host=host, port=port, log_level=log_level)
