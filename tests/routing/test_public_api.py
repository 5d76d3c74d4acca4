"""The public API is exactly ``routing.__all__``: a change to it is a deliberate act."""

from __future__ import annotations

import routing

EXPECTED = {
    "Agent", "AgentStatus", "AgentStatusChanged", "Assigned", "Channel", "Conflict", "CustomerTier",
    "Decision", "DeferralMode", "Deferred", "Dispatcher", "DuplicateEscalation", "Escalation",
    "EscalationState", "Explanation", "FieldProblem", "Finished", "InvalidInput", "InvalidTransition",
    "Offer", "OfferNotActive", "OfferRevoked", "Queued", "Relaxed", "RoutingError", "RoutingSettings",
    "Trigger", "UnknownAgent", "UnknownEntity", "UnknownEscalation", "UnknownOffer", "WeeklyShift",
}  # fmt: skip


def test_all_is_the_documented_surface() -> None:
    assert set(routing.__all__) == EXPECTED
    assert len(routing.__all__) == len(EXPECTED)


def test_every_exported_name_resolves() -> None:
    for name in routing.__all__:
        assert getattr(routing, name) is not None, name


def test_errors_form_one_hierarchy() -> None:
    for name in ("InvalidInput", "UnknownAgent", "UnknownOffer", "OfferNotActive", "DuplicateEscalation"):
        assert issubclass(getattr(routing, name), routing.RoutingError)
