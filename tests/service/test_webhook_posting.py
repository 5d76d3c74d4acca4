"""The posters a delivery worker sends with, over a real loopback socket: the answer's status
(redirects not followed), the body and headers as given, and NoAnswer (by the error's type name
only) when nothing answers in time or nobody listens."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from routing.service.webhooks.posting import NoAnswer, Poster
from tests.service.receivers import POSTERS

#: every request the receiver got: (path, body, headers by lower-case name)
SEEN: list[tuple[str, bytes, dict[str, str]]] = []


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        SEEN.append((self.path, body, {k.lower(): v for k, v in self.headers.items()}))
        if self.path == "/slow":
            time.sleep(1.0)
        code = {"/gone": 410, "/moved": 302}.get(self.path, 204)
        self.send_response(code)
        if code == 302:
            self.send_header("location", "/elsewhere")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _post(make: Callable[[], Poster], url: str, timeout_s: float = 5.0) -> int:
    async def once() -> int:
        poster = make()
        try:
            return await poster.post(
                url, b'{"a": 1}', {"webhook-id": "msg_1", "content-type": "application/json"}, timeout_s
            )
        finally:
            await poster.aclose()

    return asyncio.run(once())


@pytest.mark.parametrize("poster", sorted(POSTERS))
def test_the_answer_is_the_status_and_redirects_are_not_followed(receiver: str, poster: str) -> None:
    SEEN.clear()
    assert _post(POSTERS[poster], f"{receiver}/hook") == 204
    assert _post(POSTERS[poster], f"{receiver}/gone") == 410
    assert _post(POSTERS[poster], f"{receiver}/moved") == 302
    assert [path for path, _, _ in SEEN] == ["/hook", "/gone", "/moved"]  # never /elsewhere
    _, body, headers = SEEN[0]
    assert body == b'{"a": 1}'
    assert headers["webhook-id"] == "msg_1"
    assert headers["content-type"] == "application/json"


@pytest.mark.parametrize("poster", sorted(POSTERS))
def test_no_answer_in_time_is_no_answer(receiver: str, poster: str) -> None:
    with pytest.raises(NoAnswer) as no:
        _post(POSTERS[poster], f"{receiver}/slow", timeout_s=0.2)
    assert "127.0.0.1" not in str(no.value)
    assert no.value.kind  # a type name, never the URL or the message


@pytest.mark.parametrize("poster", sorted(POSTERS))
def test_nobody_listening_is_no_answer(poster: str) -> None:
    with socket.socket() as s:  # a port that was free a moment ago, now closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NoAnswer) as no:
        _post(POSTERS[poster], f"http://127.0.0.1:{port}/hook", timeout_s=2.0)
    assert str(port) not in str(no.value)
