"""Errors raised by the routing core.

The hierarchy::

    RoutingError                  base of everything the core raises on purpose
    ├── InvalidInput              input failed validation; carries every (location, problem)
    ├── UnknownEntity             an id the dispatcher does not hold
    │   ├── UnknownEscalation
    │   ├── UnknownAgent
    │   └── UnknownOffer
    ├── Conflict                  a valid request that the current state forbids
    │   ├── DuplicateEscalation   an escalation id already accepted
    │   ├── OfferNotActive        the offer was already accepted, declined, expired or revoked
    │   └── InvalidTransition     e.g. completing an escalation that was never assigned
    └── (nothing else)

"No agent fits" is never an error: it is a ``Queued`` or ``Deferred`` decision. Only the API layer
maps these to HTTP statuses.
"""

from __future__ import annotations

from dataclasses import dataclass


class RoutingError(Exception):
    """Base class of the errors the routing core raises on purpose."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One validation failure: where (``agents[3].skills.billing``), what, and the bad value."""

    location: str
    problem: str

    def __str__(self) -> str:
        return f"{self.location}: {self.problem}" if self.location else self.problem


class InvalidInput(RoutingError):
    """Input failed validation. ``problems`` lists every failure, each naming its field."""

    def __init__(self, problems: list[FieldProblem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + str(p) for p in problems))


class UnknownEntity(RoutingError):
    """An id the dispatcher (or the service) does not hold; ``entity_id`` is the id asked for."""

    kind = "entity"

    def __init__(self, entity_id: str) -> None:
        self.entity_id = entity_id
        super().__init__(f"unknown {self.kind} {entity_id!r}")


class UnknownEscalation(UnknownEntity):
    """No escalation with this id arrived (or it finished and is no longer kept)."""

    kind = "escalation"


class UnknownAgent(UnknownEntity):
    """No agent with this id is on the roster."""

    kind = "agent"


class UnknownOffer(UnknownEntity):
    """No offer with this id was ever made."""

    kind = "offer"


class Conflict(RoutingError):
    """A well-formed request the current state does not allow."""


class DuplicateEscalation(Conflict):
    """An escalation with this id already arrived."""


class OfferNotActive(Conflict):
    """The offer was made, but is no longer pending: accepted, declined, expired or revoked."""


class InvalidTransition(Conflict):
    """The escalation or agent is not in a state the event applies to (e.g. completing work
    that was never assigned)."""
