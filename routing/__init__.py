"""handoff's routing core: who takes each escalation from the AI assistant, now, and why.

Pure and clock-free: the HTTP service and the capacity simulator both drive :class:`Dispatcher`.

The names below load on first use (PEP 562 ``__getattr__``), so importing a light module such as
:mod:`routing.domain` does not load the dispatcher, numpy or pydantic; OR-Tools itself loads only
at the first batch solve (:mod:`routing.solver`).
"""

import importlib
import typing

if typing.TYPE_CHECKING:  # the same names as _HOMES, for type checkers
    from routing.decisions import AgentStatusChanged as AgentStatusChanged
    from routing.decisions import Assigned as Assigned
    from routing.decisions import Decision as Decision
    from routing.decisions import Deferred as Deferred
    from routing.decisions import Finished as Finished
    from routing.decisions import Offer as Offer
    from routing.decisions import OfferRevoked as OfferRevoked
    from routing.decisions import Queued as Queued
    from routing.decisions import Relaxed as Relaxed
    from routing.dispatcher import Dispatcher as Dispatcher
    from routing.domain import Agent as Agent
    from routing.domain import AgentStatus as AgentStatus
    from routing.domain import Channel as Channel
    from routing.domain import CustomerTier as CustomerTier
    from routing.domain import DeferralMode as DeferralMode
    from routing.domain import Escalation as Escalation
    from routing.domain import EscalationState as EscalationState
    from routing.domain import Trigger as Trigger
    from routing.domain import WeeklyShift as WeeklyShift
    from routing.errors import Conflict as Conflict
    from routing.errors import DuplicateEscalation as DuplicateEscalation
    from routing.errors import FieldProblem as FieldProblem
    from routing.errors import InvalidInput as InvalidInput
    from routing.errors import InvalidTransition as InvalidTransition
    from routing.errors import OfferNotActive as OfferNotActive
    from routing.errors import RoutingError as RoutingError
    from routing.errors import UnknownAgent as UnknownAgent
    from routing.errors import UnknownEntity as UnknownEntity
    from routing.errors import UnknownEscalation as UnknownEscalation
    from routing.errors import UnknownOffer as UnknownOffer
    from routing.explanation import Explanation as Explanation
    from routing.settings import RoutingSettings as RoutingSettings

#: The module each public name lives in.
_HOMES: dict[str, tuple[str, ...]] = {
    "routing.decisions": (
        "AgentStatusChanged",
        "Assigned",
        "Decision",
        "Deferred",
        "Finished",
        "Offer",
        "OfferRevoked",
        "Queued",
        "Relaxed",
    ),
    "routing.dispatcher": ("Dispatcher",),
    "routing.domain": (
        "Agent",
        "AgentStatus",
        "Channel",
        "CustomerTier",
        "DeferralMode",
        "Escalation",
        "EscalationState",
        "Trigger",
        "WeeklyShift",
    ),
    "routing.errors": (
        "Conflict",
        "DuplicateEscalation",
        "FieldProblem",
        "InvalidInput",
        "InvalidTransition",
        "OfferNotActive",
        "RoutingError",
        "UnknownAgent",
        "UnknownEntity",
        "UnknownEscalation",
        "UnknownOffer",
    ),
    "routing.explanation": ("Explanation",),
    "routing.settings": ("RoutingSettings",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME_OF)


def __getattr__(name: str) -> object:
    """Load a public name from its home module on first use (then it is a plain attribute).

    Raise an AttributeError for any other name, as a module does.
    """
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'routing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
