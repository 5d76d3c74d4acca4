"""``/v1/escalations``: the AI platform hands a conversation to a human."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response

from routing.domain import CancelReason
from routing.errors import FieldProblem, InvalidInput
from routing.service.api.auth import ActsForAgent, Read, WriteEscalations
from routing.service.api.deps import PathId, Service
from routing.service.api.ownership import check_work
from routing.service.api.problems import responses
from routing.service.api.threads import in_thread
from routing.service.schemas import (
    CallbackIn,
    CallbackRequestedOut,
    CancelIn,
    Cancelled,
    Completed,
    CompletionIn,
    ContextViewed,
    EscalationCreate,
    EscalationCreated,
    EscalationPosition,
    EscalationView,
    HandBackIn,
    HandedBack,
    TransferIn,
    TransferredOut,
)

router = APIRouter(prefix="/v1/escalations", tags=["escalations"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="A retry with the same key and body gets the same response, byte for byte; the same "
        "key with another body gets 422; while the first is still running, 409. Keys are per tenant. "
        "Without it: 400.",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=EscalationCreated,
    responses=responses(400, 401, 403, 409, 422, 503),
    summary="Route a new escalation",
)
async def create_escalation(
    body: EscalationCreate, tenant: WriteEscalations, service: Service, idempotency_key: IdempotencyKey
) -> Response:
    """Offer the escalation to the best eligible agent now, or queue it (position, ETA), or defer
    it (callback or ticket, next opening). Answered 201 only once the escalation is stored."""
    status, payload, replayed = await in_thread(service.create_escalation, tenant, body, idempotency_key)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(payload, status_code=status, headers=headers, media_type="application/json")


@router.get("/{escalation_id}", response_model=EscalationView, responses=responses(401, 403, 404, 422, 503))
def get_escalation(escalation_id: PathId, tenant: Read, service: Service) -> EscalationView:
    """State, every decision with its explanation, and the context packet."""
    return service.escalation(tenant, escalation_id)


@router.get(
    "/{escalation_id}/position",
    response_model=EscalationPosition,
    responses=responses(401, 403, 404, 422, 503),
)
def get_position(escalation_id: PathId, tenant: Read, service: Service) -> EscalationPosition:
    """Live position, ETA and reason of a queued escalation, recomputed on each call. An
    escalation that is not queued (offered, assigned, deferred, finished) is a 200 with its
    ``state`` and null ``position``, ``eta_s`` and ``reason``."""
    return service.position(tenant, escalation_id)


@router.post(
    "/{escalation_id}/complete",
    response_model=Completed,
    responses=responses(400, 401, 403, 404, 409, 422, 503),
)
def complete_escalation(
    escalation_id: PathId, body: CompletionIn, caller: ActsForAgent, service: Service
) -> Completed:
    """The agent finished: record the outcome feedback and free the agent's slot -- after the
    wrap-up (`wrap_up_s`, up to the channel's setting) if there is one."""
    check_work(caller, service, escalation_id)
    return service.complete(caller.tenant_id, escalation_id, body)


@router.post(
    "/{escalation_id}/context-viewed",
    response_model=ContextViewed,
    responses=responses(401, 403, 404, 409, 422, 503),
    summary="The agent opened the context packet",
)
def context_viewed(escalation_id: PathId, caller: ActsForAgent, service: Service) -> ContextViewed:
    """The agent desktop reports that it showed the agent the context packet (the accept alone is
    not a view: the review's context view rate counts these). The first report records the time
    and publishes `escalation.context_viewed`; repeating it is harmless (`first_view` false, the
    first time kept, nothing published). 409 unless an agent accepted the escalation and holds it
    (assigned, or completed or handed back by that agent). An agent's key may report it only for
    work its agent holds or held."""
    check_work(caller, service, escalation_id)
    return service.context_viewed(caller.tenant_id, escalation_id)


@router.post(
    "/{escalation_id}/cancel",
    response_model=Cancelled,
    responses=responses(400, 401, 403, 404, 409, 422, 503),
)
def cancel_escalation(
    escalation_id: PathId, body: CancelIn, tenant: WriteEscalations, service: Service
) -> Cancelled:
    """Withdraw a waiting escalation: `customer_left` ends it abandoned, `resolved_by_ai`,
    `duplicate` and `other` (with a `note`) end it cancelled. A pending offer is withdrawn at once
    (a later accept of it is a 409 saying it was cancelled) and the agent's slot goes to the next
    waiting escalation. 409 if it is assigned (the agent hands it back or completes it) or finished."""
    if body.reason is CancelReason.OTHER and not body.note.strip():
        raise InvalidInput([FieldProblem("body.note", "required when reason is other")])
    return service.cancel(tenant, escalation_id, body)


@router.post(
    "/{escalation_id}/hand-back",
    response_model=HandedBack,
    responses=responses(400, 401, 403, 404, 409, 422, 503),
)
def hand_back(escalation_id: PathId, body: HandBackIn, caller: ActsForAgent, service: Service) -> HandedBack:
    """The agent returns an accepted conversation to the AI assistant (`escalation.handed_back`:
    the AI platform owns it again); the agent's slot goes to the next waiting escalation."""
    check_work(caller, service, escalation_id)
    return service.hand_back(caller.tenant_id, escalation_id, body)


@router.post(
    "/{escalation_id}/transfer",
    response_model=TransferredOut,
    responses=responses(400, 401, 403, 404, 409, 422, 503),
)
def transfer(
    escalation_id: PathId, body: TransferIn, caller: ActsForAgent, service: Service
) -> TransferredOut:
    """Send an accepted escalation to other skills, tier or language: it is routed again with its
    context, history and original creation time (its aging and handoff clock go on), never back
    to this agent. To requirements nobody on shift has, it is deferred (with the reason)."""
    check_work(caller, service, escalation_id)
    return service.transfer(caller.tenant_id, escalation_id, body)


@router.post(
    "/{escalation_id}/callback",
    response_model=CallbackRequestedOut,
    responses=responses(400, 401, 403, 404, 409, 422, 503),
)
def request_callback(
    escalation_id: PathId, body: CallbackIn, tenant: WriteEscalations, service: Service
) -> CallbackRequestedOut:
    """The waiting customer asks to be called back: the escalation keeps its place and priority and
    is offered when its turn comes, the offer saying `callback: true`. 409 unless it is waiting
    on a channel that allows callbacks (voice by default)."""
    return service.request_callback(tenant, escalation_id, body)
