"""``/v1/escalations``: the AI platform hands a conversation to a human."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from routing.service.api.auth import Read, WriteAgents, WriteEscalations
from routing.service.api.deps import PathId, Service
from routing.service.api.problems import responses
from routing.service.errors import IdempotencyKeyMissing
from routing.service.schemas import (
    Completed,
    CompletionIn,
    EscalationCreate,
    EscalationCreated,
    EscalationPosition,
    EscalationView,
)

router = APIRouter(prefix="/v1/escalations", tags=["escalations"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Required. A retry with the same key and body gets the same response; the same key "
        "with another body gets 422; while the first is still running, 409. Keys are per tenant.",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=EscalationCreated,
    responses=responses(400, 401, 403, 409, 422, 503),
    summary="Route a new escalation",
)
def create_escalation(
    body: EscalationCreate, tenant: WriteEscalations, service: Service, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Offer the escalation to the best eligible agent now, or queue it (position, ETA), or defer
    it (callback or ticket, next opening). Answered 201 only once the escalation is stored."""
    if idempotency_key is None:
        raise IdempotencyKeyMissing()
    status, payload, replayed = service.create_escalation(tenant, body, idempotency_key)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(payload, status_code=status, headers=headers)


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
    escalation_id: PathId, body: CompletionIn, tenant: WriteAgents, service: Service
) -> Completed:
    """The agent finished: record the outcome feedback and free the agent's slot."""
    return service.complete(tenant, escalation_id, body)
