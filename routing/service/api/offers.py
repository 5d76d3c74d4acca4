"""``/v1/offers``: the agent accepts or declines. Unanswered offers expire on their own."""

from __future__ import annotations

from fastapi import APIRouter

from routing.service.api.auth import ActsForAgent
from routing.service.api.deps import PathOfferId, Service
from routing.service.api.ownership import check_offer
from routing.service.api.problems import responses
from routing.service.schemas import OfferAccepted, OfferDeclined

router = APIRouter(prefix="/v1/offers", tags=["offers"])


@router.post(
    "/{offer_id}/accept", response_model=OfferAccepted, responses=responses(401, 403, 404, 409, 422, 503)
)
def accept(offer_id: PathOfferId, caller: ActsForAgent, service: Service) -> OfferAccepted:
    """Take the escalation; the answer carries the full context packet, so the customer never
    repeats themselves. 409 if the offer expired, was declined or withdrawn; 403 for an agent's
    key if the offer was made to another agent."""
    check_offer(caller, service, offer_id)
    return service.accept_offer(caller.tenant_id, offer_id)


@router.post(
    "/{offer_id}/decline", response_model=OfferDeclined, responses=responses(401, 403, 404, 409, 422, 503)
)
def decline(offer_id: PathOfferId, caller: ActsForAgent, service: Service) -> OfferDeclined:
    """Say no; the escalation goes to someone else, never back to this agent. 403 for an agent's
    key if the offer was made to another agent."""
    check_offer(caller, service, offer_id)
    return service.decline_offer(caller.tenant_id, offer_id)
