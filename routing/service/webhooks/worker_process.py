"""The webhook delivery worker as a process of its own (``handoff deliver``).

Inside ``handoff serve`` the worker shares the server's one Python process (and its GIL) with the
API: every delivery's signing, HTTP request and bookkeeping is CPU the creates do not get. Run on
its own, the worker takes another core; several workers (and instances) share the deliveries
through the leases of :mod:`routing.service.webhooks.delivery` (``SKIP LOCKED`` on PostgreSQL; on
SQLite the database's one writer). The server is then run with ``HANDOFF_WEBHOOKS__INTERVAL_S=0``.

Without the in-process wake-up of a commit, this worker finds new deliveries by polling every
``interval_s``; a poll with nothing due is one indexed read, no write transaction.

On SQLite its commits do not wait for an fsync (``synchronous=NORMAL`` on its own connections):
they write only leases and outcomes, and a write lost to a power cut (never to a crash of a
process) sends a delivery again, which at-least-once allows; the server's next commit, with its
fsync, makes them durable anyway. It matters because SQLite has one writer: at 200 creates/s the
worker's rounds held the write lock ~15 % of the time, the fsync a quarter of that, and the
creates waited for it.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from routing.service.clock import SystemClock
from routing.service.settings import ServiceSettings
from routing.service.storage.database import Database
from routing.service.webhooks.delivery import DeliveryWorker
from routing.service.webhooks.posting import webhook_poster

__all__ = ["run_worker"]

log = logging.getLogger("handoff.service")


def run_worker(settings: ServiceSettings, interval_s: float) -> None:
    """Deliver the due webhooks of every tenant, polling every ``interval_s``, until SIGINT or
    SIGTERM (an attempt in flight is finished and recorded first). The schema must exist: the
    server migrates it. Raise ValueError if ``interval_s`` <= 0."""
    if interval_s <= 0:
        raise ValueError(f"interval_s(={interval_s}) must be > 0")
    asyncio.run(_deliver_until_stopped(settings, interval_s))


async def _deliver_until_stopped(settings: ServiceSettings, interval_s: float) -> None:
    db = Database(settings.database_url, sqlite_synchronous="NORMAL")
    webhooks = settings.webhooks.model_copy(update={"interval_s": interval_s})
    worker = DeliveryWorker(db, webhooks, SystemClock())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("webhook delivery worker started (polling every %.3f s)", interval_s)
    poster = webhook_poster()
    try:
        await worker.run(poster, stop)
    finally:
        await poster.aclose()
        db.dispose()
