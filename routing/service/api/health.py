"""``/healthz`` (the process answers), ``/readyz`` (storage answers, schema in place),
``/metrics`` (Prometheus text). No authentication."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy import select

from routing.service.api.deps import Service
from routing.service.api.problems import responses
from routing.service.schemas import Health
from routing.service.storage.models import Tenant

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=responses(503))
def readyz(service: Service) -> Health:
    with service.db.read() as session:
        session.execute(select(Tenant.id).limit(1)).all()
    return Health(status="ready")


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(service: Service) -> PlainTextResponse:
    text = service.metrics.render(service.queue_depths())
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4")
