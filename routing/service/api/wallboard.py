"""``/wallboard``: the supervisors' wall screen, one static page (HTML, CSS, JavaScript shipped in
the package, ``routing/service/wallboard/``; no build step, no external resource).

The page asks for a read-scoped API key, keeps it in ``sessionStorage`` and sends it as
``Authorization: Bearer`` to the JSON endpoints and to the event stream (read with ``fetch``, not
``EventSource``, which cannot send headers). Serving it needs no key: it holds no data. Every
answer carries a strict Content-Security-Policy: scripts, styles, images and connections from this
origin only, no inline script or style, no framing, no form submission (the key form is handled by
the script, so a key can never land in a URL).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

__all__ = ["ASSETS", "CONTENT_SECURITY_POLICY", "router"]

router = APIRouter(tags=["wallboard"], include_in_schema=False)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
#: the files of the page, by the name they are served under, with their media types
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "wallboard.js": "text/javascript; charset=utf-8",
    "wallboard.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@cache
def _read(name: str) -> bytes:
    return (resources.files("routing.service") / "wallboard" / name).read_bytes()


def _asset(name: str) -> Response:
    return Response(_read(name), media_type=ASSETS[name], headers=_HEADERS)


@router.get("/wallboard")
def page() -> Response:
    """The wallboard page."""
    return _asset("index.html")


@router.get("/wallboard/{name}")
def asset(name: str) -> Response:
    """One of the page's files (:data:`ASSETS`); 404 for any other name."""
    if name == "index.html" or name not in ASSETS:
        raise HTTPException(404, f"the wallboard has no file {name!r}")
    return _asset(name)
