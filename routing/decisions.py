"""What the dispatcher decides, and why.

Every event handed to the :class:`~routing.dispatcher.Dispatcher` returns a list of these
decisions. Each routing decision carries an :class:`Explanation`: how many agents were considered,
how many were eligible, which rule rejected each of the others, the winner's cost terms and the
relaxation step in force. The rejected-agent lists are computed only when asked for (from masks
captured at decision time), so explaining costs nothing when nobody reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routing._frozen import fast_init
from routing.cost import CostTerms
from routing.domain import AgentStatus, DeferralMode, EscalationState
from routing.eligibility import first_failures
from routing.roster import BoolArray


class Explanation:
    """Why a routing decision came out as it did. Cheap to build; lists materialise on access."""

    __slots__ = ("_agent_ids", "_masks", "_present", "_rejected", "priority", "relaxation", "winner_cost")

    def __init__(
        self,
        agent_ids: Sequence[str],
        present: BoolArray,
        rule_masks: Mapping[str, BoolArray],
        priority: float,
        relaxation: str | None,
        winner_cost: CostTerms | None = None,
    ) -> None:
        self._agent_ids = agent_ids
        self._present = present
        self._masks = rule_masks
        self._rejected: dict[str, list[str]] | None = None
        self.priority = priority
        self.relaxation = relaxation
        self.winner_cost = winner_cost

    @property
    def considered(self) -> int:
        """Agents on the roster when the decision was made."""
        return int(self._present.sum())

    @property
    def eligible(self) -> int:
        """Agents that passed every rule."""
        ok = self._present.copy()
        for mask in self._masks.values():
            ok &= mask
        return int(ok.sum())

    @property
    def rejected(self) -> dict[str, list[str]]:
        """Rule name -> ids of the agents it rejected (each agent under its first failed rule)."""
        if self._rejected is None:
            ids = self._agent_ids
            self._rejected = {
                rule: [ids[i] for i in np.flatnonzero(failed).tolist()]
                for rule, failed in first_failures(self._masks, self._present).items()
            }
        return self._rejected

    def rejection_counts(self) -> dict[str, int]:
        return {
            rule: int(failed.sum()) for rule, failed in first_failures(self._masks, self._present).items()
        }

    def as_dict(self, max_ids_per_rule: int | None = 50) -> dict[str, Any]:
        rejected = self.rejected
        return {
            "considered": self.considered,
            "eligible": self.eligible,
            "rejected_counts": {rule: len(ids) for rule, ids in rejected.items()},
            "rejected": {rule: ids[:max_ids_per_rule] for rule, ids in rejected.items()},
            "winner_cost": self.winner_cost.as_dict() if self.winner_cost else None,
            "priority": round(self.priority, 4),
            "relaxation": self.relaxation,
        }

    def __repr__(self) -> str:
        return (
            f"Explanation(considered={self.considered}, eligible={self.eligible}, "
            f"relaxation={self.relaxation!r})"
        )


@fast_init
@dataclass(frozen=True, slots=True)
class Offer:
    """Reserve a slot of ``agent_id`` for the escalation; the agent accepts before ``expires_at_s``."""

    offer_id: str
    escalation_id: str
    agent_id: str
    expires_at_s: float
    explanation: Explanation | None = field(default=None, compare=False)
    kind: str = "offer"


@fast_init
@dataclass(frozen=True, slots=True)
class Queued:
    """Nobody fits now. ``position`` is 1-based among those competing for the same agents.

    ``eta_s`` estimates the wait to an offer: (position) / (recent completion rate of the eligible
    agents on shift), falling back to their caps over the default handle time before any
    completion is seen; ``None`` when no eligible agent is staffed. A dispatcher built with
    ``queue_estimates=False`` (simulation) gives position 0 and ETA ``None``.
    """

    escalation_id: str
    position: int
    eta_s: float | None
    reason: str
    explanation: Explanation | None = field(default=None, compare=False)
    kind: str = "queued"


@fast_init
@dataclass(frozen=True, slots=True)
class Relaxed:
    """Waiting crossed a threshold; requirements loosened to ``level`` (1-based step)."""

    escalation_id: str
    level: int
    step: str
    kind: str = "relaxed"


@fast_init
@dataclass(frozen=True, slots=True)
class Deferred:
    """No eligible agent is on shift now or within the horizon: callback or ticket instead."""

    escalation_id: str
    mode: DeferralMode
    next_open_at_s: float | None
    reason: str
    explanation: Explanation | None = field(default=None, compare=False)
    kind: str = "deferred"


@fast_init
@dataclass(frozen=True, slots=True)
class Assigned:
    """The agent accepted: the escalation is theirs. ``handoff_s`` = created -> accepted."""

    escalation_id: str
    agent_id: str
    offer_id: str
    handoff_s: float
    kind: str = "assigned"


@fast_init
@dataclass(frozen=True, slots=True)
class OfferRevoked:
    """An offer withdrawn before acceptance (customer left, agent logged out, ...)."""

    offer_id: str
    escalation_id: str
    agent_id: str
    reason: str
    kind: str = "offer_revoked"


@fast_init
@dataclass(frozen=True, slots=True)
class AgentStatusChanged:
    """The dispatcher changed an agent's status (e.g. to not-responding after missed offers)."""

    agent_id: str
    status: AgentStatus
    reason: str
    kind: str = "agent_status_changed"


@fast_init
@dataclass(frozen=True, slots=True)
class Finished:
    """The escalation reached a terminal state (completed or abandoned)."""

    escalation_id: str
    state: EscalationState
    kind: str = "finished"


Decision = Offer | Queued | Relaxed | Deferred | Assigned | OfferRevoked | AgentStatusChanged | Finished


def decision_as_dict(decision: Decision) -> dict[str, Any]:
    """A decision as plain JSON-ready data (times stay epoch seconds; explanation expanded)."""
    out: dict[str, Any] = {}
    for name in decision.__dataclass_fields__:
        value = getattr(decision, name)
        if isinstance(value, Explanation):
            value = value.as_dict()
        elif isinstance(value, float) and name.endswith("_s"):
            value = round(value, 3)
        out[name] = value.value if hasattr(value, "value") and not isinstance(value, float | int) else value
    return out
