"""A minimal Server-Sent Events client for the tests: reads a stream in a thread into a queue."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Message:
    """One SSE message, or a comment (``comment`` set, the rest empty)."""

    id: str | None = None
    event: str | None = None
    data: str = ""
    comment: str | None = None
    received_at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(self.data)
        return out


class SseClient:
    """``GET url`` streamed in a daemon thread; :meth:`next` takes what arrived, in order."""

    def __init__(self, url: str, headers: dict[str, str], params: dict[str, str] | None = None) -> None:
        self.messages: queue.Queue[Message | None] = queue.Queue()
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.body = b""
        self._opened = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=30.0))
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, args=(url, headers, params or {}), daemon=True)
        self._thread.start()
        if not self._opened.wait(10):
            raise AssertionError("the stream did not answer within 10 s")

    def _read(self, url: str, headers: dict[str, str], params: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, headers=headers, params=params) as r:
                self._response, self.status, self.headers = r, r.status_code, r.headers
                if r.status_code != 200:
                    self.body = r.read()
                    self._opened.set()
                    return
                self._opened.set()
                current = Message()
                for line in r.iter_lines():
                    if line.startswith(":"):
                        self.messages.put(Message(comment=line[1:].strip()))
                    elif line == "":
                        if current.id is not None or current.data:
                            self.messages.put(current)
                        current = Message()
                    else:
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        if name in ("id", "event"):
                            setattr(current, name, value)
                        elif name == "data":
                            current.data += value
        except (httpx.HTTPError, RuntimeError, AttributeError):  # closed by close(): the end
            pass
        finally:
            self._opened.set()
            self.messages.put(None)  # the stream ended

    def next(self, timeout_s: float = 2.0, *, comments: bool = False) -> Message | None:
        """The next message (skipping comments unless ``comments``); None if the stream ended.
        Raise AssertionError if nothing comes within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                m = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"nothing on the stream within {timeout_s} s") from None
            if m is None or comments or m.comment is None:
                return m

    def events(self, n: int, timeout_s: float = 3.0) -> list[Message]:
        """The next ``n`` events (comments skipped), within ``timeout_s`` in all."""
        deadline = time.monotonic() + timeout_s
        out = []
        for _ in range(n):
            m = self.next(max(0.01, deadline - time.monotonic()))
            assert m is not None, f"the stream ended after {len(out)} of {n} events"
            out.append(m)
        return out

    def quiet(self, for_s: float) -> list[Message]:
        """Every event (comments skipped) that arrives within ``for_s``."""
        deadline, out = time.monotonic() + for_s, []
        while (left := deadline - time.monotonic()) > 0:
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty:
                break
            if m is not None and m.comment is None:
                out.append(m)
        return out

    def ended(self, timeout_s: float) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def close(self) -> None:
        self._client.close()
        self._thread.join(5)

    def __enter__(self) -> SseClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
