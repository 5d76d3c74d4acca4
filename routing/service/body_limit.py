"""A cap on the size of every request body, enforced before the body is parsed.

:class:`BodyLimit` is a pure ASGI middleware. A ``Content-Length`` over the cap is answered 413
at once, before the app runs and without reading a byte of the body. A body without one
(``Transfer-Encoding: chunked``) is counted as it streams in: the chunk that crosses the cap
raises :class:`BodyTooLarge` to whoever reads it, so at most the cap plus one chunk is ever held
in memory. Both answers are RFC 9457 problems (:func:`routing.service.api.problems.problem`).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from routing.service.api.problems import problem

__all__ = ["TITLE", "BodyLimit", "BodyTooLarge", "detail"]

TITLE = "Content too large"


class BodyTooLarge(HTTPException):
    """The request body grew past the cap while it was read (an HTTP 413).

    An HTTPException, so FastAPI's body reading lets it through rather than turning it into a 400,
    and the app's handler answers it as a problem.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, TITLE, headers={"Connection": "close"})
        self.max_bytes = max_bytes
        self.problem_detail = detail(max_bytes)


def detail(max_bytes: int) -> str:
    """The problem's ``detail``."""
    return f"the request body is larger than {max_bytes} bytes (HANDOFF_LIMITS__MAX_BODY_BYTES)"


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # the app did not answer it (a route reading the body itself, say): answer here
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close -- the rest of the body is never read, so the connection cannot be reused
        response = problem(
            413,
            TITLE,
            detail(self.max_bytes),
            request=Request(scope),
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
