"""``/v1/stats``: real-time statistics of the tenant and of each queue."""

from __future__ import annotations

from fastapi import APIRouter

from routing.service.api.auth import Read
from routing.service.api.deps import Service
from routing.service.api.problems import responses
from routing.service.stats_schemas import StatsView

router = APIRouter(prefix="/v1", tags=["queues"])


@router.get("/stats", response_model=StatsView, responses=responses(401, 403, 503))
def stats(tenant: Read, service: Service) -> StatsView:
    """Real-time statistics, for the tenant and per queue (a queue is a segment of `GET /v1/queues`:
    channel + required skills). **Now**: agents by status (per queue: the agents eligible for it,
    i.e. who work its channel and hold its required skills), escalations waiting, longest wait,
    ETA. **Today** (since midnight of the tenant's time zone, `HANDOFF_STATS__TIME_ZONE`, UTC by
    default, or `HANDOFF_STATS__TENANT_TIME_ZONES`): escalations arrived, abandoned, deferred;
    the service level (share accepted within `HANDOFF_STATS__SERVICE_LEVEL_S`, 30 s, of those whose
    outcome against it is known); offers made, accepted, declined, expired, revoked; mean accept
    time (offer -> accept) and handoff time (created -> accept) of today's accepts."""
    return service.stats(tenant)
