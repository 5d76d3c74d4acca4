"""``/v1/queues`` and ``/v1/audit``: what waits, and what was decided and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from routing.service.api.auth import Read
from routing.service.api.deps import Service
from routing.service.api.problems import responses
from routing.service.schemas import ID_PATTERN, AuditPage, QueuesView

router = APIRouter(prefix="/v1", tags=["queues"])


@router.get("/queues", response_model=QueuesView, responses=responses(401, 403, 503))
def queues(tenant: Read, service: Service) -> QueuesView:
    """Depth, oldest wait and ETA per segment (channel and required skills)."""
    return service.queues(tenant)


@router.get("/audit", response_model=AuditPage, responses=responses(401, 403, 422, 503))
def audit(
    tenant: Read,
    service: Service,
    escalation_id: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=128)] = None,
    after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    """The append-only audit trail, oldest first; page with ``after_seq``."""
    return service.audit(tenant, escalation_id, after_seq, limit)
