"""Why a routing decision came out as it did, and how the dispatcher captures it.

An :class:`Explanation` tells how many agents were considered, how many were eligible, which rule
rejected each of the others, the winner's cost terms, the relaxation step in force and the data
residency rule that applies (:func:`residency_rule`). The
rejected-agent lists are computed only when asked for (from masks captured at decision time), so
explaining costs little when nobody reads it; :func:`explain` captures them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from routing.cost import CostTerms, cost_terms_of
from routing.eligibility import LIVE_RULES, Requirement, StaticEligibility, first_failures
from routing.roster import AgentTable, BoolArray
from routing.settings import RoutingSettings


class Explanation:
    """Why a routing decision came out as it did. Cheap to build; lists materialise on access."""

    __slots__ = (
        "_agent_ids",
        "_masks",
        "_present",
        "_rejected",
        "priority",
        "relaxation",
        "residency",
        "winner_cost",
    )

    def __init__(
        self,
        agent_ids: Sequence[str],
        present: BoolArray,
        rule_masks: Mapping[str, BoolArray],
        priority: float,
        relaxation: str | None,
        winner_cost: CostTerms | None = None,
        residency: str | None = None,
    ) -> None:
        self._agent_ids = agent_ids
        self._present = present
        self._masks = rule_masks
        self._rejected: dict[str, list[str]] | None = None
        self.priority = priority
        self.relaxation = relaxation
        self.winner_cost = winner_cost
        self.residency = residency

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
        """Rule name -> how many agents it rejected (each agent under its first failed rule)."""
        return {
            rule: int(failed.sum()) for rule, failed in first_failures(self._masks, self._present).items()
        }

    def as_dict(self, max_ids_per_rule: int | None = 50) -> dict[str, Any]:
        """As JSON-ready data, listing at most ``max_ids_per_rule`` rejected ids per rule
        (``None``: all); the counts are always complete."""
        rejected = self.rejected
        return {
            "considered": self.considered,
            "eligible": self.eligible,
            "rejected_counts": {rule: len(ids) for rule, ids in rejected.items()},
            "rejected": {rule: ids[:max_ids_per_rule] for rule, ids in rejected.items()},
            "winner_cost": self.winner_cost.as_dict() if self.winner_cost else None,
            "priority": round(self.priority, 4),
            "relaxation": self.relaxation,
            "residency": self.residency,
        }

    def __repr__(self) -> str:
        return (
            f"Explanation(considered={self.considered}, eligible={self.eligible}, "
            f"relaxation={self.relaxation!r})"
        )


def explain(
    t: AgentTable,
    req: Requirement,
    entry: StaticEligibility,
    offered_before: Collection[int],
    priority: float,
    relaxation: str | None,
    now_s: float,
    settings: RoutingSettings,
    winner: int | None = None,
) -> Explanation:
    """The explanation of a decision about an escalation now demanding ``req``.

    ``entry`` is ``req``'s static eligibility, ``offered_before`` the agent rows the escalation was
    offered to already, ``priority`` its priority now, ``relaxation`` the step in force; with
    ``winner`` (an agent row), the winner's cost terms are captured too.
    """
    masks = {name: rule(t, req) for name, rule in LIVE_RULES}
    masks.update(entry.rule_masks)
    not_offered = np.ones(t.n, bool)
    if offered_before:
        not_offered[list(offered_before)] = False
    masks["offered_before"] = not_offered
    winner_cost = None if winner is None else cost_terms_of(entry, t, winner, now_s, settings)
    return Explanation(
        t.ids, t.present[: t.n].copy(), masks, priority, relaxation, winner_cost, residency_rule(req)
    )


def residency_rule(req: Requirement) -> str | None:
    """The data residency rule ``req`` carries, in words; ``None`` when the customer has no region."""
    if req.regions is None:
        return None
    rule = f"data residency: only agents who list {' or '.join(sorted(req.regions))}"
    if req.regionless_agents:
        return rule + ", or no region (regionless_agents_serve_any_region is on)"
    return rule + "; agents who list no region are not offered it (the default)"
