"""Webhook receivers for the tests, and a Standard Webhooks verifier written apart from the
service's own signing code (hmac + hashlib + base64 straight from the specification)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from routing.service.webhooks.posting import HttpxPoster, Poster, httpx_client, webhook_poster

#: the posters a delivery worker sends with over the network: the service's own, and httpx's
#: (what the tests' transports go through), each made afresh
POSTERS: dict[str, Callable[[], Poster]] = {
    "aiohttp": webhook_poster,
    "httpx": lambda: HttpxPoster(httpx_client()),
}


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, now_s: float, tolerance_s: float = 300
) -> Any:
    """The event in ``body`` if the Standard Webhooks headers prove it came from the holder of
    ``secret`` within ``tolerance_s`` of ``now_s``; AssertionError otherwise."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    assert abs(now_s - int(timestamp)) <= tolerance_s, "timestamp out of tolerance"
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    mac = hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256)
    expected = base64.b64encode(mac.digest()).decode()
    offered = [s.partition(",")[2] for s in headers["webhook-signature"].split(" ") if s.startswith("v1,")]
    assert any(hmac.compare_digest(expected, s) for s in offered), "no signature matches"
    event = json.loads(body)
    assert event["id"] == msg_id
    return event


@dataclass
class Hit:
    url: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers every webhook POST with ``status_of(request)`` (200 by default) and records it."""

    status_of: Callable[[httpx.Request], int] = lambda _request: 200
    hits: list[Hit] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        status = self.status_of(request)
        self.hits.append(Hit(str(request.url), dict(request.headers), request.content, status))
        return httpx.Response(status)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def delivered(self, url: str | None = None) -> list[Any]:
        """Events answered with a 2xx, in the order they arrived (to ``url`` only, if given)."""
        return [h.event for h in self.hits if 200 <= h.status < 300 and (url is None or h.url == url)]


def fail_first(n: int, status: int = 503) -> Callable[[httpx.Request], int]:
    """An answer function: ``status`` for the first ``n`` requests, then 200."""
    seen = [0]

    def answer(_request: httpx.Request) -> int:
        seen[0] += 1
        return status if seen[0] <= n else 200

    return answer


class _Server(ThreadingHTTPServer):
    """A threading HTTP server with a web server's listen backlog (Python's default is 5): a
    delivery round POSTs its whole batch at once, and connections beyond the backlog are reset
    on a loaded machine, which a real receiver behind nginx or uvicorn (backlog 511, 2048) would
    not do."""

    request_queue_size = 512


class LocalReceiver:
    """An HTTP server on 127.0.0.1 that answers 503 to the first ``failures`` POSTs, then 204;
    the first ``hold`` POSTs are answered only after ``hold_s``, with 503 (a receiver that is slow,
    so that a sender can be killed while its request is in flight; a held POST never counts as
    delivered)."""

    def __init__(self, failures: int = 0, hold: int = 0, hold_s: float = 0.0) -> None:
        self.hits: list[tuple[int, dict[str, str], bytes]] = []
        self.failures = failures
        self.arrived = 0
        self.arrivals: list[str] = []  # webhook-id of each POST, as it arrives (held ones too)
        outer = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with lock:
                    outer.arrived += 1
                    outer.arrivals.append(self.headers["webhook-id"])
                    held = outer.arrived <= hold
                if held:
                    time.sleep(hold_s)
                with lock:
                    status = 503 if held or len(outer.hits) < outer.failures else 204
                    outer.hits.append((status, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for status, h, b in self.hits if status == 204]
