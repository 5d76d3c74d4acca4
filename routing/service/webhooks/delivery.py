"""The delivery worker: sends due webhook deliveries, at least once, in order per escalation.

One round (:meth:`DeliveryWorker.deliver_due`):

1. **claim** up to ``batch_size`` due deliveries with a lease (``claimed_until_s``) in one write
   transaction (:func:`routing.service.storage.outbox.claim_due`: ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so several instances share the work without sending one delivery twice at once);
2. **send** them concurrently, at most ``connections_per_receiver`` at a time to one receiver
   (scheme, host and port): POST the stored body with the Standard Webhooks headers
   (:mod:`.signing`); a 2xx answer within ``timeout_s`` is a success, anything else a failure;
3. **record** every outcome in one write transaction: delivered; or retried after a full-jitter
   back-off, ``U(0, min(cap, base * 2**(n-1)))`` after the n-th failure; or ``failed`` after
   ``max_attempts``. A subscription whose attempts failed ``disable_after_failures`` times in a
   row, over at least ``disable_after_s``, is disabled and a ``subscription.disabled`` event is
   written to the outbox in the same transaction. The loop (:meth:`DeliveryWorker.run`) claims
   the next round in the transaction that records this one.

A worker that dies between 1 and 3 leaves leases that run out after ``lease_s``; the deliveries
are then claimed again (at-least-once: receivers deduplicate on ``webhook-id``). Time comes from
the injected clock and randomness from the injected generator; what sends the requests is passed
in: a :class:`~.posting.Poster` (made by :func:`~.posting.webhook_poster`; through an
``httpx.MockTransport`` in tests).

Why a bound per receiver: a round of 50 deliveries to one receiver sent all at once opened 50
connections, most of them closed again when the round ended (an HTTP client keeps only so many
alive), and httpx's pool looked at every connection it held (a socket poll each) for every request.
With a few per receiver they are the same few, round after round, and a receiver is not flooded.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from routing.service import outbox
from routing.service.clock import Clock
from routing.service.events import subscription_disabled
from routing.service.settings import WebhookSettings
from routing.service.storage import outbox as store
from routing.service.storage.database import Database
from routing.service.wakeup import Wakeup
from routing.service.webhooks.posting import NoAnswer, Poster
from routing.service.webhooks.signing import headers

__all__ = ["Attempt", "DeliveryWorker", "receiver_of", "retry_delay_s"]

log = logging.getLogger("handoff.service")
USER_AGENT = "handoff-webhooks/1"


def receiver_of(url: str) -> tuple[str, str]:
    """The receiver a delivery goes to: its URL's scheme and network location (host and port)."""
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def retry_delay_s(failures: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Full-jitter exponential back-off after the ``failures``-th failed attempt (>= 1):
    uniform in ``[0, min(cap_s, base_s * 2**(failures-1))]``. Raise ValueError if failures < 1."""
    if failures < 1:
        raise ValueError(f"failures(={failures}) must be >= 1")
    ceiling = min(cap_s, base_s * 2.0 ** min(failures - 1, 62))
    return rng.uniform(0.0, ceiling)


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one attempt: the HTTP status (None if no answer) or the error."""

    claim: store.Claimed
    at_s: float
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class DeliveryWorker:
    """Claims, sends and records webhook deliveries; :meth:`run` loops until stopped.

    ``rng`` drives the back-off jitter (seed it in tests). Thread-safe to :meth:`notify` from
    any thread; one :meth:`run` at a time per worker.
    """

    def __init__(
        self, db: Database, settings: WebhookSettings, clock: Clock, rng: random.Random | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self._wakeup = Wakeup()

    # ------------------------------------------------------------------------------------ a round
    async def deliver_due(self, poster: Poster) -> int:
        """One round: claim what is due now, send it, record the outcomes; returns the attempts made."""
        claims = await asyncio.to_thread(self.claim)
        if not claims:
            return 0
        attempts = await self._send_all(poster, claims)
        await asyncio.to_thread(self.record, attempts)
        return len(attempts)

    async def deliver_while_due(self, poster: Poster) -> int:
        """Rounds until nothing is due; returns the attempts made. Each round's record and the
        next round's claim share one write transaction (on SQLite every write transaction waits
        for the one write lock the creates take too)."""
        claims = await asyncio.to_thread(self.claim)
        made = 0
        while claims:
            attempts = await self._send_all(poster, claims)
            made += len(attempts)
            claims = await asyncio.to_thread(self.record, attempts, claim_next=True)
        return made

    async def _send_all(self, poster: Poster, claims: list[store.Claimed]) -> list[Attempt]:
        """Step 2 for ``claims``: at most ``connections_per_receiver`` at once to one receiver."""
        gates: dict[tuple[str, str], asyncio.Semaphore] = {}

        async def send_in_turn(claim: store.Claimed) -> Attempt:
            gate = gates.get(key := receiver_of(claim.url))
            if gate is None:
                gate = gates[key] = asyncio.Semaphore(self.settings.connections_per_receiver)
            async with gate:
                return await self.send(poster, claim)

        return list(await asyncio.gather(*(send_in_turn(c) for c in claims)))

    def claim(self) -> list[store.Claimed]:
        """Lease the deliveries due now (step 1); a read first, so that a round with nothing due
        takes no write transaction."""
        with self.db.read() as s:
            if not store.any_due(s, self.clock.now_s()):
                return []
        with self.db.write() as s:
            return self._claim_in(s)

    def _claim_in(self, s: Session) -> list[store.Claimed]:
        """Step 1 in the write transaction ``s``: lease up to ``batch_size`` deliveries due now."""
        now_s, cfg = self.clock.now_s(), self.settings
        return store.claim_due(
            s, now_s, now_s + cfg.lease_s, cfg.batch_size, skip_locked=not self.db.is_sqlite
        )

    async def send(self, poster: Poster, claim: store.Claimed) -> Attempt:
        """POST one delivery (step 2). Never raises: a failure is an :class:`Attempt` with an error."""
        at_s = self.clock.now_s()
        body = claim.body.encode()
        signed = headers(claim.secret, claim.event_id, int(at_s), body)
        request_headers = {**signed, "content-type": "application/json", "user-agent": USER_AGENT}
        try:
            code = await poster.post(claim.url, body, request_headers, self.settings.timeout_s)
        except NoAnswer as no:
            return Attempt(claim, at_s, None, no.kind)
        return Attempt(claim, at_s, code, None if 200 <= code < 300 else f"HTTP {code}")

    def record(self, attempts: list[Attempt], *, claim_next: bool = False) -> list[store.Claimed]:
        """Store the outcomes (step 3), disabling subscriptions that keep failing; with
        ``claim_next``, also lease what is due next (step 1 of the next round) in the same write
        transaction, and return it (``[]`` without)."""
        with self.db.write() as s:
            self._record(s, attempts)
            return self._claim_in(s) if claim_next else []

    def _record(self, s: Session, attempts: list[Attempt]) -> None:
        cfg = self.settings
        # the successes' rows in one statement; then each outcome in turn for its subscription's
        # failure streak (a success ends it, even one whose lease ran out meanwhile: the
        # receiver answered)
        store.finish_delivered(s, [(a.claim, a.at_s, cast(int, a.status_code)) for a in attempts if a.ok])
        reset: set[str] = set()  # subscriptions whose streak is 0 since their last attempt here
        for a in attempts:
            if a.ok:
                if a.claim.subscription_id not in reset:
                    reset.add(a.claim.subscription_id)
                    store.subscription_succeeded(s, a.claim.subscription_id)
                continue
            made = a.claim.attempts + 1
            values: dict[str, object] = {
                "attempts": made,
                "last_attempt_s": a.at_s,
                "last_status_code": a.status_code,
                "last_error": a.error,
            }
            if made >= cfg.max_attempts:
                values.update(status=store.FAILED)
            else:
                delay = retry_delay_s(made, cfg.backoff_base_s, cfg.backoff_cap_s, self.rng)
                values.update(next_attempt_s=a.at_s + delay)
            if not store.finish_attempt(s, a.claim, values):
                continue  # the lease was lost: whoever holds it now records its own attempt
            reset.discard(a.claim.subscription_id)
            streak = store.subscription_failed(s, a.claim.subscription_id, a.at_s)
            if streak is not None:
                failures, since_s = streak
                if failures >= cfg.disable_after_failures and a.at_s - since_s >= cfg.disable_after_s:
                    self._disable(s, a, failures)

    def _disable(self, s: Session, a: Attempt, failures: int) -> None:
        reason = f"{failures} consecutive failed attempts (last: {a.error})"
        store.disable_subscription(s, a.claim.subscription_id, a.at_s, reason)
        sub = store.subscription(s, a.claim.tenant_id, a.claim.subscription_id)
        url = sub.url if sub is not None else ""
        event = subscription_disabled(
            a.claim.tenant_id, a.at_s, a.claim.subscription_id, url, reason, failures
        )
        outbox.append(s, a.claim.tenant_id, a.at_s, [event])
        log.warning("webhook subscription %s disabled after %d failures", a.claim.subscription_id, failures)

    # ------------------------------------------------------------------------------------ the loop
    def notify(self) -> None:
        """Something may be due now (an event was committed): wake the loop early. Any thread."""
        self._wakeup.set()

    async def run(self, poster: Poster, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set: round after round while there is work, otherwise wait
        ``interval_s`` or until :meth:`notify`. A failed round is logged and retried."""
        wake = self._wakeup.bind()
        try:
            while not stop.is_set():
                wake.clear()
                try:
                    made = await self.deliver_while_due(poster)
                except Exception as exc:  # storage down, ...: the next round retries from the rows
                    log.error("webhook delivery round failed: %s", type(exc).__name__)
                    made = 0
                if made == 0:
                    waits = [asyncio.ensure_future(e.wait()) for e in (stop, wake)]
                    await asyncio.wait(waits, timeout=self.settings.interval_s, return_when="FIRST_COMPLETED")
                    for w in waits:
                        w.cancel()
        finally:
            self._wakeup.unbind()
