"""Shared dependencies of the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from routing.service.analytics import Analytics
from routing.service.core import RoutingService
from routing.service.schemas import ID_PATTERN, OFFER_ID_PATTERN
from routing.service.tenants import Administration
from routing.service.volume import ConversationVolumes
from routing.service.webhooks.subscriptions import Subscriptions


async def _service(request: Request) -> RoutingService:  # async: no thread-pool hop
    service: RoutingService = request.app.state.service
    return service


Service = Annotated[RoutingService, Depends(_service)]


async def _subscriptions(request: Request) -> Subscriptions:
    subscriptions: Subscriptions = request.app.state.subscriptions
    return subscriptions


Webhooks = Annotated[Subscriptions, Depends(_subscriptions)]


async def _administration(request: Request) -> Administration:
    administration: Administration = request.app.state.administration
    return administration


Admins = Annotated[Administration, Depends(_administration)]


async def _volumes(request: Request) -> ConversationVolumes:
    volumes: ConversationVolumes = request.app.state.volumes
    return volumes


Volumes = Annotated[ConversationVolumes, Depends(_volumes)]

#: ids in URL paths follow the id rule, so a malformed one is a 422 naming the parameter, never a 500
PathId = Annotated[str, Path(pattern=ID_PATTERN, max_length=128)]
PathOfferId = Annotated[str, Path(pattern=OFFER_ID_PATTERN, max_length=140)]


async def _reviews(request: Request) -> Analytics:
    reviews: Analytics = request.app.state.analytics
    return reviews


Reviews = Annotated[Analytics, Depends(_reviews)]
