"""``/v1/conversation-volume``: the AI platform's conversation counts per interval and segment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from routing.schemas import Instant
from routing.service.api.auth import Read, WriteEscalations
from routing.service.api.deps import Volumes
from routing.service.api.problems import responses
from routing.service.schemas import Segment
from routing.service.volume_schemas import VolumeIn, VolumePage, VolumeStored

router = APIRouter(prefix="/v1/conversation-volume", tags=["analytics"])


@router.post("", response_model=VolumeStored, responses=responses(400, 401, 403, 409, 422, 503))
def report_volume(body: VolumeIn, tenant: WriteEscalations, volumes: Volumes) -> VolumeStored:
    """Report how many conversations the AI assistant had per interval (escalated or not), per
    segment if you know it: the denominator of the escalation rate. Idempotent per interval start
    and segment: a count reported again replaces the stored one. Intervals of one segment must
    not overlap (409 naming the stored one otherwise; nothing is stored)."""
    return volumes.report(tenant, body)


@router.get("", response_model=VolumePage, responses=responses(401, 403, 422, 503))
def read_volume(
    tenant: Read,
    volumes: Volumes,
    from_: Annotated[Instant, Query(alias="from", description="Intervals starting at or after this.")],
    to: Annotated[Instant, Query(description="... and before this (at most 31 days after from).")],
    segment: Annotated[Segment | None, Query(description="One segment only.")] = None,
) -> VolumePage:
    """The counts reported for intervals starting in [from, to), by start, then segment."""
    return volumes.read(tenant, from_.timestamp(), to.timestamp(), segment)
