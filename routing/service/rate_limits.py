"""Requests per API key: a token bucket per (key, scope), in the memory of one process.

Each operation needs one scope (:mod:`routing.service.api.auth`); a request takes one token from
the bucket of its key and that scope. A bucket holds at most ``burst`` tokens and refills at
``rate_per_s`` (:class:`~routing.service.settings.RateLimit`, per scope). An empty bucket refuses
the request and says when the next token comes (the API answers 429 with ``Retry-After``).

The buckets are per process: with ``n`` instances behind a load balancer a key gets through at up
to ``n`` times its rate. That keeps one client from starving the others on an instance -- the
purpose -- without a shared store on the hot path.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from routing.service.settings import RateLimit, Scope

__all__ = ["RateLimited", "RateLimiter"]


class RateLimited(Exception):
    """The key spent its tokens for this scope; ``retry_after_s`` until the next one."""

    def __init__(self, scope: str, retry_after_s: float) -> None:
        self.scope = scope
        self.retry_after_s = retry_after_s
        super().__init__(f"too many requests with this API key for the {scope!r} scope")


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at_s: float


class RateLimiter:
    """Token buckets keyed by (key id, scope). Thread-safe. A scope without a limit in
    ``limits`` is never refused."""

    def __init__(self, limits: Mapping[Scope, RateLimit]) -> None:
        self._limits: dict[str, RateLimit] = {str(scope): limit for scope, limit in limits.items()}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, scope: str, now_s: float) -> None:
        """Spend one token of ``key_id``'s ``scope`` bucket at ``now_s`` (seconds, any monotonic
        origin). Raise :class:`RateLimited` when the bucket is empty."""
        limit = self._limits.get(scope)
        if limit is None:
            return
        with self._lock:
            bucket = self._buckets.get((key_id, scope))
            if bucket is None:
                bucket = self._buckets[(key_id, scope)] = _Bucket(float(limit.burst), now_s)
            elapsed_s = max(0.0, now_s - bucket.at_s)  # a clock set back refills nothing
            bucket.tokens = min(float(limit.burst), bucket.tokens + elapsed_s * limit.rate_per_s)
            bucket.at_s = max(bucket.at_s, now_s)
            if bucket.tokens < 1.0:
                raise RateLimited(scope, (1.0 - bucket.tokens) / limit.rate_per_s)
            bucket.tokens -= 1.0

    @staticmethod
    def retry_after_header(retry_after_s: float) -> str:
        """``Retry-After`` in whole seconds, rounded up (at least 1)."""
        return str(max(1, math.ceil(retry_after_s)))
