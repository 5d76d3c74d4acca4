"""``/v1/events/stream``: the events of the tenant as Server-Sent Events (agent desktops,
supervisors). See :mod:`routing.service.stream` for how it is fed."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from routing.errors import FieldProblem, InvalidInput
from routing.service.api.auth import Read
from routing.service.api.problems import problem, responses
from routing.service.events import EventType
from routing.service.schemas import ID_PATTERN
from routing.service.stream import EventHub, Slot, StreamFilter

router = APIRouter(prefix="/v1/events", tags=["events"])

_KNOWN_TYPES = frozenset(t.value for t in EventType)
_FilterId = Annotated[str | None, Query(pattern=ID_PATTERN, max_length=128)]
_EventId = Annotated[str | None, Query(pattern=r"^evt_[0-9a-f]{32}$", max_length=36)]
RETRY_AFTER_S = 5


class EventStreamResponse(StreamingResponse):
    """An SSE response that gives its stream slot back however it ends (even before the body
    began: a client that left at once)."""

    def __init__(self, slot: Slot, body: object) -> None:
        super().__init__(
            body,  # type: ignore[arg-type]
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


def _types(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    wanted = tuple(t.strip() for t in raw.split(",") if t.strip())
    unknown = sorted(set(wanted) - _KNOWN_TYPES)
    if unknown or not wanted:
        problem_text = f"unknown event type(s) {unknown}" if unknown else "name at least one event type"
        raise InvalidInput([FieldProblem("query.types", f"{problem_text}; known: {sorted(_KNOWN_TYPES)}")])
    return wanted


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The event stream"},
        **responses(401, 403, 422, 503),
    },
)
async def stream(  # async: the stream lives in the event loop, its reads in threads
    request: Request,
    tenant: Read,
    agent_id: _FilterId = None,
    escalation_id: _FilterId = None,
    types: Annotated[
        str | None, Query(max_length=2000, description="Comma-separated event types (default: all).")
    ] = None,
    last_event_id: _EventId = None,
    last_event_id_header: Annotated[
        str | None,
        Header(alias="Last-Event-ID", pattern=r"^evt_[0-9a-f]{32}$", max_length=36),
    ] = None,
) -> Response:
    """The tenant's events as they are committed (by any instance), as Server-Sent Events:
    ``id`` (the event id), ``event`` (its type), ``data`` (the event JSON, as webhooks get it),
    and a ``: heartbeat`` comment every ``heartbeat_s`` without an event. Filters combine (all
    must match). Resume after a disconnection with ``Last-Event-ID`` (header, or
    ``last_event_id``): every later event is sent, in order, none twice; without it the stream
    starts with the next event. 503 (with ``Retry-After``) when the process has ``max_streams``
    open; the stream ends when the service shuts down."""
    hub: EventHub = request.app.state.events
    which = StreamFilter(tenant, agent_id, escalation_id, _types(types))
    resume = last_event_id_header or last_event_id
    where = "header.Last-Event-ID" if last_event_id_header else "query.last_event_id"
    after = await asyncio.to_thread(hub.start_position, tenant, resume)
    if after is None:
        raise InvalidInput([FieldProblem(where, "no event of this tenant has this id")])
    slot = hub.try_open()
    if slot is None:
        detail = f"{hub.settings.max_streams} event streams are open on this instance; retry later"
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        return problem(503, "Too many event streams", detail, request=request, headers=headers)
    return EventStreamResponse(slot, hub.stream(slot, which, after))
