"""RFC 9457 problem+json for every error, and the only place errors become HTTP statuses.

=============================  ======  ==========================================
error                          status  when
=============================  ======  ==========================================
RequestValidationError         422     body/header/query/path invalid (each field named)
IdempotencyKeyMissing          400     POST /v1/escalations without Idempotency-Key
BodyTooLarge (body_limit)      413     request body over limits.max_body_bytes (before parsing)
IdempotencyKeyReused           422     same key, different body
InvalidInput                   422     the core rejected the input
Unauthenticated                401     no or unknown API key
Forbidden                      403     the key lacks the scope
NotThisAgent                   403     an agent's key, about another agent's offer or work
RateLimited (rate_limits)      429     the key's bucket for the scope is empty (Retry-After)
PreconditionFailed             412     If-Match names another version (a lost update)
PreconditionRequired           428     If-Match missing where a setting requires it
UnknownEntity                  404     no such id for this tenant
RequestInFlight                409     same key still being processed (Retry-After)
Conflict                       409     state forbids it (duplicate id, offer no longer active, ...)
DataError (database)           422     a value storage cannot hold (safety net)
OperationalError (database)    503     storage unavailable (Retry-After)
anything else                  500     a bug; logged without request data
=============================  ======  ==========================================

No problem quotes what the caller sent (it may hold personal data or secrets): not pydantic's
``input`` or ``ctx``, and not a value our own validators quote in their messages
(:func:`_unquoted`, for messages written for files, where quoting the value helps).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from routing.errors import Conflict, InvalidInput, RoutingError, UnknownEntity
from routing.service.errors import IdempotencyKeyMissing, IdempotencyKeyReused, RequestInFlight
from routing.service.rate_limits import RateLimited, RateLimiter
from routing.service.schemas import Problem

log = logging.getLogger("handoff.service")
PROBLEM_JSON = "application/problem+json"


class Unauthenticated(Exception):
    """No API key, or one nobody issued."""


class Forbidden(Exception):
    """The API key lacks the scope the operation needs."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(f"this API key lacks the {scope!r} scope")


class NotThisAgent(Forbidden):
    """An agent's key (bound to one agent) about what belongs to another agent, or to none."""

    def __init__(self, what: str) -> None:
        self.scope = "agent"
        Exception.__init__(self, f"this API key acts for one agent only, and this {what} is not that agent's")


class PreconditionFailed(Exception):
    """``If-Match`` names a version that is no longer the current one."""


class PreconditionRequired(Exception):
    """``If-Match`` is required here and was not sent."""


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    request: Request | None = None,
    errors: Sequence[tuple[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    type_: str = "about:blank",
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = [{"field": f, "problem": p} for f, p in errors]
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers) if headers else None
    )


def _field(loc: Sequence[int | str]) -> str:
    out = ""
    for i, part in enumerate(loc):
        if i + 1 < len(loc) and loc[i + 1] == "[key]":
            continue  # the key itself is what is wrong: it is the caller's value, not a field name
        if part == "[key]":
            out += " (key)"
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validation_errors(exc: RequestValidationError) -> list[tuple[str, str]]:
    errors = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid"))
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        if err.get("type") == "extra_forbidden":
            msg = "unknown field (check the spelling)"
        msg = _unquoted(msg, err.get("input"))
        errors.append((_field(err.get("loc", ())), msg))  # never echo the input: it may hold PII
    return errors


#: Values of an error's input looked for in its message, at most (an input may be a whole body).
_MAX_QUOTED = 1000


def _unquoted(msg: str, value: Any) -> str:
    """``msg`` without the values of ``value`` it quotes: the routing models' messages say
    ``got 7`` or ``unknown time zone 'xyz'`` (useful in a file, not in an HTTP answer). Strings
    are taken out where quoted (``'xyz'``), or anywhere once 8 characters long; numbers where
    they follow ``got``. Iterative and bounded: ``value`` may be a whole request body."""
    stack, seen = [value], 0
    while stack and seen < _MAX_QUOTED:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
        elif isinstance(node, str) and node:
            msg = msg.replace(f", got {node!r}", "").replace(repr(node), "'...'")
            if len(node) >= 8:
                msg = msg.replace(node, "...")
        elif isinstance(node, int | float) and not isinstance(node, bool):
            msg = msg.replace(f", got {node!r}", "").replace(f"got {node!r}", "got a value out of range")
    return msg


#: a quoted value in a message (``'e1'`` or ``"it's"``, as ``repr`` writes them), with the space before
_QUOTED = re.compile(r"""\s?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _no_quoted(msg: str) -> str:
    """``msg`` without the values it quotes: the core's conflicts name ids (``escalation 'e1' is
    closed``), which are the caller's input."""
    return _QUOTED.sub("", msg)


def _missing_idempotency_key(err: Any) -> bool:
    loc = tuple(err.get("loc", ()))
    return (
        err.get("type") == "missing"
        and len(loc) == 2
        and loc[0] == "header"
        and str(loc[1]).lower() == "idempotency-key"
    )


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        if any(_missing_idempotency_key(err) for err in exc.errors()):
            missing = IdempotencyKeyMissing()
            errors = [(p.location, p.problem) for p in missing.problems]
            return problem(400, "Idempotency-Key required", str(missing), request=request, errors=errors)
        errors = _validation_errors(exc)
        detail = "; ".join(f"{f}: {p}" for f, p in errors[:5])
        return problem(422, "Invalid request", detail, request=request, errors=errors)

    @app.exception_handler(RoutingError)
    async def _routing_error(request: Request, exc: RoutingError) -> JSONResponse:
        if isinstance(exc, IdempotencyKeyMissing):
            errors = [(p.location, p.problem) for p in exc.problems]
            return problem(400, "Idempotency-Key required", str(exc), request=request, errors=errors)
        if isinstance(exc, InvalidInput):
            errors = [(p.location, p.problem) for p in exc.problems]
            return problem(422, "Invalid input", str(exc), request=request, errors=errors)
        if isinstance(exc, IdempotencyKeyReused):
            return problem(
                422,
                "Idempotency-Key reused",
                "this Idempotency-Key was already used with a different request body",
                request=request,
                errors=[("header.Idempotency-Key", "already used with a different request body")],
            )
        if isinstance(exc, UnknownEntity):  # never the id asked for: the caller's input
            return problem(404, "Not found", f"unknown {exc.kind}", request=request)
        if isinstance(exc, RequestInFlight):
            return problem(
                409,
                "Request in progress",
                _no_quoted(str(exc)),
                request=request,
                headers={"Retry-After": "1"},
            )
        if isinstance(exc, Conflict):
            return problem(409, "Conflict", _no_quoted(str(exc)), request=request)
        log.error("unmapped routing error %s", type(exc).__name__)
        return problem(500, "Internal error", request=request)

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
        return problem(
            401, "Unauthenticated", str(exc), request=request, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return problem(403, "Forbidden", str(exc), request=request)

    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        retry_after = RateLimiter.retry_after_header(exc.retry_after_s)
        detail = f"{exc}; retry after {retry_after} s"
        headers = {"Retry-After": retry_after}
        return problem(429, "Too many requests", detail, request=request, headers=headers)

    @app.exception_handler(PreconditionFailed)
    async def _precondition_failed(request: Request, exc: PreconditionFailed) -> JSONResponse:
        return problem(412, "Precondition failed", str(exc), request=request)

    @app.exception_handler(PreconditionRequired)
    async def _precondition_required(request: Request, exc: PreconditionRequired) -> JSONResponse:
        return problem(428, "Precondition required", str(exc), request=request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = getattr(exc, "problem_detail", None)  # body_limit.BodyTooLarge
        headers = dict(exc.headers or {})
        allowed = allowed_methods(request) if exc.status_code == 405 else []
        if allowed:  # Starlette names the methods of one route; a path has several
            headers["Allow"] = ", ".join(allowed)
            detail = f"this path allows {headers['Allow']}"
        return problem(exc.status_code, str(exc.detail), detail, request=request, headers=headers)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # a safety net: the models reject what storage cannot hold before it gets here
        return problem(422, "Invalid request", "a value cannot be stored as given", request=request)

    @app.exception_handler(OperationalError)
    async def _storage(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("storage unavailable: %s", type(exc.orig).__name__ if exc.orig else "unknown")
        return problem(503, "Storage unavailable", request=request, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return problem(500, "Internal error", request=request)


def allowed_methods(request: Request) -> list[str]:
    """Every method the app serves at the request's path, as its OpenAPI document lists them
    (HEAD with GET, as Starlette serves it)."""
    methods: set[str] = set()
    for pattern, verbs in _path_methods(request.app):
        if pattern.fullmatch(request.url.path):
            methods |= verbs
    return sorted(methods)


_PATHS: dict[int, list[tuple[re.Pattern[str], frozenset[str]]]] = {}  # per app: built once


def _path_methods(app: FastAPI) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    paths = _PATHS.get(id(app))
    if paths is None:
        paths = []
        for template, operations in app.openapi().get("paths", {}).items():
            pattern = re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))
            verbs = {m.upper() for m in operations if m in _HTTP_METHODS}
            paths.append((pattern, frozenset(verbs | ({"HEAD"} if "GET" in verbs else set()))))
        _PATHS[id(app)] = paths
    return paths


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "head", "trace"})


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses a route may give."""
    titles = {
        400: "Bad request (body not parseable, or Idempotency-Key missing)",
        401: "No or unknown API key",
        403: "Missing scope, or an agent's key about another agent",
        404: "Not found",
        409: "Conflict",
        412: "If-Match names another version of the resource",
        413: "Request body too large",
        422: "Invalid request",
        428: "If-Match required",
        429: "Too many requests with this API key (Retry-After)",
        503: "Storage unavailable",
    }
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        s: {"model": Problem, "description": titles[s], "content": {PROBLEM_JSON: {"schema": schema}}}
        for s in statuses
    }
