"""Assembly of the service: settings -> storage (migrated) -> core -> FastAPI app + tick loop +
webhook delivery worker + event stream hub.

:func:`create_app` is the one place the parts meet. Tests pass a :class:`~routing.service.clock.ManualClock`,
``tick_interval_s=0`` and ``webhooks.interval_s=0``, and tick and deliver by hand
(``app.state.delivery``); ``handoff serve`` uses :func:`app_from_env`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from types import FrameType
from typing import Any

import httpx
from fastapi import Depends, FastAPI

from routing.collector import tune_collector
from routing.service import tenants
from routing.service.analytics import Analytics
from routing.service.api import (
    admin,
    agents,
    analytics,
    escalations,
    events,
    health,
    offers,
    problems,
    query,
    queues,
    stats,
    volume,
    wallboard,
    webhooks,
    wrap_up,
)
from routing.service.body_limit import BodyLimit
from routing.service.clock import Clock, SystemClock
from routing.service.core import RoutingService
from routing.service.metrics import Metrics
from routing.service.rate_limits import RateLimiter
from routing.service.retention import Retention
from routing.service.settings import ServiceSettings
from routing.service.storage.database import Database
from routing.service.stream import EventHub
from routing.service.volume import ConversationVolumes
from routing.service.webhooks.delivery import DeliveryWorker
from routing.service.webhooks.posting import webhook_poster
from routing.service.webhooks.subscriptions import Subscriptions

log = logging.getLogger("handoff.service")


class TickLoop:
    """A daemon thread that ticks every tenant with something due: at the earliest stored
    dispatcher wake-up (``next_wakeup_s``: an offer expiry, an arrival window's end, ...), and at
    least every ``interval_s``, which also picks up what other instances stored. A commit in this
    process that brings the earliest wake-up forward wakes it at once (:meth:`notify`)."""

    #: Shortest sleep between rounds, so a wake-up that stays due cannot spin the thread.
    MIN_SLEEP_S = 0.005

    def __init__(self, service: RoutingService, interval_s: float) -> None:
        self.service = service
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._sleeps_until_s = math.inf  # service-clock time the loop sleeps until (inf: awake)
        self._thread = threading.Thread(target=self._run, name="handoff-tick", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def notify(self, due_s: float) -> None:
        """A tenant's next wake-up is now ``due_s`` (from any thread): wake up if asleep past it."""
        if due_s < self._sleeps_until_s:
            self._wake.set()

    def _run(self) -> None:
        clock = self.service.clock
        while not self._stop.is_set():
            self._sleeps_until_s = math.inf  # a commit from now on wakes the next sleep at once
            self._wake.clear()
            delay = self.interval_s
            try:
                self.service.tick_due()
                due = self.service.next_wakeup_s()
                if due is not None:
                    delay = min(delay, max(due - clock.now_s(), self.MIN_SLEEP_S))
            except Exception as exc:  # keep ticking: the next round retries from storage
                log.error("tick failed: %s", type(exc).__name__)
            self._sleeps_until_s = clock.now_s() + delay
            self._wake.wait(delay)


def _end_streams_on_exit_signal(hub: EventHub) -> Callable[[], None]:
    """Make SIGINT/SIGTERM end the open event streams first, then do what they did before.

    uvicorn waits for open responses to finish before it runs the lifespan's shutdown, and an
    event stream never finishes by itself: without this, a signal would hang on open streams.
    Only possible in the main thread (not under TestClient); returns what undoes it.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {}

    def handler(sig: int, frame: FrameType | None) -> None:
        hub.close_threadsafe()
        before = previous.get(sig)
        if callable(before):
            before(sig, frame)
        elif sig == signal.SIGINT:
            raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handler)

    def undo() -> None:
        for sig, before in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, before)

    return undo


def create_app(
    settings: ServiceSettings | None = None,
    *,
    clock: Clock | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The ASGI app. Storage is opened and migrated when the app starts (lifespan).

    ``webhook_transport``: what the delivery worker sends through (the network by default, with
    aiohttp; an ``httpx.MockTransport`` in tests).
    """
    settings = settings or ServiceSettings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
        db.migrate()
        if settings.bootstrap_tenant and settings.bootstrap_api_key:
            tenants.provision(
                db,
                settings.bootstrap_tenant,
                api_key=settings.bootstrap_api_key.get_secret_value(),
                now_s=clock.now_s(),
            )
        elif not tenants.any_tenant(db):
            key = tenants.provision(db, "default", now_s=clock.now_s())
            print(f"handoff: created tenant 'default'; its API key (shown once): {key}", file=sys.stderr)
        worker = DeliveryWorker(db, settings.webhooks, clock)
        hub = EventHub(db, settings.stream)
        service = RoutingService(
            db,
            settings.routing,
            clock,
            Metrics(),
            on_deliveries=worker.notify,
            on_events=hub.notify,
            idempotency=settings.idempotency,
            stats=settings.stats,
            positions=settings.positions,
            limits=settings.limits,
            catch_up=settings.catch_up,
            group_commit=settings.group_commit,
        )
        app.state.events = hub
        app.state.service = service
        app.state.settings = settings
        service.housekeeping.append(Retention(db, settings.retention).redact_due)
        app.state.rate_limiter = (
            RateLimiter(settings.rate_limits.per_scope) if settings.rate_limits.enabled else None
        )
        app.state.subscriptions = Subscriptions(db, settings.webhooks, clock, on_due=worker.notify)
        app.state.administration = tenants.Administration(db, clock)
        app.state.delivery = worker
        app.state.volumes = ConversationVolumes(db, clock)
        app.state.analytics = Analytics(db, settings.stats)
        loop = TickLoop(service, settings.tick_interval_s) if settings.tick_interval_s > 0 else None
        if loop:
            service.work.on_wakeup = loop.notify
            loop.start()
        stop = asyncio.Event()
        poster = webhook_poster(webhook_transport)
        delivering = (
            asyncio.create_task(worker.run(poster, stop), name="handoff-webhooks")
            if settings.webhooks.interval_s > 0
            else None
        )
        polling = asyncio.create_task(hub.run(), name="handoff-events")
        restore_signals = _end_streams_on_exit_signal(hub)
        try:
            yield
        finally:
            restore_signals()
            await hub.close()
            with suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(polling, timeout=5)
            stop.set()
            if delivering is not None:
                with suppress(asyncio.TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(delivering, timeout=settings.webhooks.timeout_s + 1)
            await poster.aclose()
            if loop:
                loop.stop()
            db.dispose()

    app = FastAPI(
        title="handoff routing service",
        version="1",
        summary="Routes AI-to-human support escalations to the right agent, now, with the full context.",
        description=(
            "Times: an instant is `<name>_at`, ISO 8601 UTC to the millisecond with `Z` "
            "(`2026-12-01T09:00:20.000Z`); decisions, events and audit entries add `<name>_at_s`, "
            "the same instant in seconds since the Unix epoch (3 decimals). Durations are seconds, "
            "`<name>_s`. Requests may give an instant as ISO 8601 with a UTC offset or as epoch seconds."
        ),
        lifespan=lifespan,
    )
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.limits.max_body_bytes)
    for module in (
        escalations,
        agents,
        wrap_up,
        offers,
        queues,
        stats,
        volume,
        analytics,
        webhooks,
        events,
        admin,
        health,
    ):
        # BodyLimit and the rate limits, on every route; unknown query parameters are a 422
        app.include_router(
            module.router, responses=problems.responses(413, 429), dependencies=[Depends(query.known_only)]
        )
    app.include_router(wallboard.router)  # the supervisors' page: /wallboard
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn (``--factory``): settings from ``HANDOFF_*`` variables. The process is
    the service's own, so the collector is tuned for it once what it imports is loaded
    (:func:`routing.collector.tune_collector`)."""
    app = create_app(ServiceSettings())
    tune_collector()
    return app
