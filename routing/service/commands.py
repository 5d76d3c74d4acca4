"""Commands: what one committed event did to the tenant's dispatcher, as JSON, so that another
instance can do exactly the same.

The dispatcher is pure and deterministic: the same state, the same calls at the same instants, the
same decisions. So every event of the service changes its tenant's dispatcher only through
:func:`run` (one call: an operation of :data:`OPERATIONS` and its JSON arguments), and the unit of
work stores the event's calls in the command log (``commands``, one row per tenant version) in the
event's own transaction, with a :func:`digest` of every decision made (time passing included).

An instance whose cached dispatcher is behind the stored version applies the commands it has not
seen, in order (:func:`replay`): time passes to the command's ``now_s`` exactly as it did for the
instance that committed it (``advance_to`` with the same lateness), then its calls. The decisions
must match the digest; an error, another digest, or a call after which the rows are the only
faithful state (:data:`REBUILD_AFTER`) make the caller rebuild from the rows instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from routing.decisions import Decision
from routing.dispatcher import Dispatcher
from routing.domain import AgentStatus, CancelReason
from routing.schemas import AgentIn, EscalationIn

__all__ = ["OPERATIONS", "REBUILD_AFTER", "Call", "digest", "replay", "run"]

#: one dispatcher call: (operation, JSON arguments)
Call = tuple[str, dict[str, Any]]
_Operation = Callable[[Dispatcher, float, dict[str, Any]], list[Decision]]


def _escalation(spec: dict[str, Any]) -> Any:
    return EscalationIn.model_validate(spec).to_domain()


#: every way an event may change a dispatcher; arguments are JSON (ids, enum values, the stored
#: escalation spec or agent profile, as rebuilds read them)
OPERATIONS: dict[str, _Operation] = {
    "arrive": lambda d, now_s, a: d.escalation_arrived(_escalation(a["spec"]), now_s),
    "transfer": lambda d, now_s, a: d.escalation_transferred(_escalation(a["spec"]), now_s, a["reason"]),
    "cancel": lambda d, now_s, a: d.escalation_cancelled(a["escalation"], now_s, CancelReason(a["reason"])),
    "hand_back": lambda d, now_s, a: d.handed_back(a["escalation"], now_s, a["outcome"]),
    "callback": lambda d, now_s, a: d.callback_requested(a["escalation"], now_s),
    "complete": lambda d, now_s, a: d.work_completed(a["escalation"], now_s, a["wrap_up_s"]),
    "end_wrap_up": lambda d, now_s, a: d.wrap_up_ended(a["agent"], now_s),
    "accept": lambda d, now_s, a: d.offer_accepted(a["offer"], now_s),
    "decline": lambda d, now_s, a: d.offer_declined(a["offer"], now_s),
    "agent": lambda d, now_s, a: d.add_agent(
        AgentIn.model_validate(a["profile"]).to_domain(), now_s, AgentStatus(a["status"])
    ),
    "status": lambda d, now_s, a: d.set_agent_status(a["agent"], AgentStatus(a["status"]), now_s),
    "remove": lambda d, now_s, a: d.remove_agent(a["agent"], now_s),
}

#: operations after which a cached dispatcher is dropped (a removed agent leaves a row behind in
#: the dispatcher that a rebuild from the rows does not have): replaying one ends in a rebuild
REBUILD_AFTER = frozenset({"remove"})


def run(d: Dispatcher, now_s: float, operation: str, args: dict[str, Any]) -> list[Decision]:
    """Apply one call to ``d`` at ``now_s``; the decisions it made. Raise a KeyError for an
    operation not in :data:`OPERATIONS`, and whatever the dispatcher's event raises (nothing
    changes then: the dispatcher validates before it mutates)."""
    return OPERATIONS[operation](d, now_s, args)


def digest(decisions: Iterable[Decision]) -> str:
    """A fingerprint (32 hex digits) of what was decided: each decision's kind and the
    escalation, agent and offer it names, in order."""
    h = hashlib.blake2b(digest_size=16)
    for d in decisions:
        ids = (getattr(d, "escalation_id", ""), getattr(d, "agent_id", ""), getattr(d, "offer_id", ""))
        h.update(f"{d.kind}:{ids[0]}:{ids[1]}:{ids[2]}|".encode())
    return h.hexdigest()


def replay(
    d: Dispatcher, now_s: float, calls: Sequence[Sequence[Any]], expected: str, late_after_s: float
) -> bool:
    """Apply one stored command to ``d``: time passes to ``now_s``, then ``calls`` in order.
    Returns whether ``d`` may be trusted afterwards: its decisions match the ``expected`` digest
    and no call was one of :data:`REBUILD_AFTER`. Raises whatever a call raises (``d`` must be
    dropped then)."""
    made = [decision for _, decision in d.advance_to(now_s, late_after_s)]
    for operation, args in calls:
        made.extend(run(d, now_s, operation, args))
        if operation in REBUILD_AFTER:
            return False
    return digest(made) == expected
