"""``/healthz`` (the process answers) and ``/readyz`` (storage answers, schema in place), without
authentication; ``/metrics`` (Prometheus text), with a key of scope ``metrics`` or ``admin``
unless ``HANDOFF_METRICS__PUBLIC`` is set (for a port only the monitoring system reaches)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select

from routing.service.api.auth import authenticate, bearer
from routing.service.api.deps import Service
from routing.service.api.problems import responses
from routing.service.schemas import Health
from routing.service.settings import ADMIN_SCOPE, METRICS_SCOPE, MetricsSettings
from routing.service.storage.models import Tenant

_metrics_key = authenticate(METRICS_SCOPE, ADMIN_SCOPE)


async def _metrics_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    settings: MetricsSettings = request.app.state.settings.metrics
    if not settings.public:
        await _metrics_key(request, credentials)


router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=responses(503))
def readyz(service: Service) -> Health:
    with service.db.read() as session:
        session.execute(select(Tenant.id).limit(1)).all()
    return Health(status="ready")


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    dependencies=[Depends(_metrics_caller)],
    responses=responses(401, 403, 503),
)
def metrics(service: Service, request: Request) -> PlainTextResponse:
    """Counters of this process, and the queue depth from storage: one total, or per tenant id
    with ``HANDOFF_METRICS__TENANT_LABELS``."""
    settings: MetricsSettings = request.app.state.settings.metrics
    text = service.metrics.render(service.queue_depths(), tenant_labels=settings.tenant_labels)
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4")
