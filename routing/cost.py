"""Escalation priority and agent cost: the two numbers every assignment is judged by.

* **Priority** (higher is served first) = customer-tier weight + urgency weight x urgency + trigger
  weight + aging x minutes waited. Aging is linear and equal for all, so the *order* of two waiting
  escalations never changes with time; only new arrivals and relaxation change who goes first.
* **Cost** of giving an escalation to an agent (lower is better) = weighted sum of five terms, each
  in [0, 1]: proficiency surplus, preferred-skill miss, tier distance (static, see
  :mod:`routing.eligibility`), load and idle recency (live, here).

The solver and the fast paths compare the same integer units (:func:`priority_units`,
:func:`cost_units`), so they agree to the unit on which assignment is best.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from routing.domain import Escalation
from routing.roster import AgentTable, FloatArray, IntArray
from routing.settings import RoutingSettings

PRIORITY_SCALE = 1000
COST_SCALE = 1000


def base_priority(escalation: Escalation, settings: RoutingSettings) -> float:
    """Priority at the moment of creation (before any aging)."""
    p = settings.priority
    return (
        p.customer_tier.get(escalation.customer_tier, 1.0)
        + p.urgency * escalation.urgency
        + p.trigger.get(escalation.trigger, 0.0)
    )


def aging_per_s(settings: RoutingSettings) -> float:
    return settings.priority.aging_per_min / 60.0


def priority_units(priority: float) -> int:
    """Priority as the solver's integer weight (at least 1, so serving anyone is worth something)."""
    return max(1, round(priority * PRIORITY_SCALE))


def cost_units(cost: FloatArray) -> IntArray:
    return np.rint(cost * COST_SCALE).astype(np.int64)


def live_cost_terms(
    t: AgentTable, rows: IntArray, now_s: float, settings: RoutingSettings
) -> tuple[FloatArray, FloatArray]:
    """(load, idle) terms for agent ``rows``: concurrency over total cap, and idle recency.

    Idle recency is ``exp(-idle_s / idle_scale_s)`` for an idle agent (1 just freed, towards 0 the
    longer they wait) and 1 for an agent already working, so the longest-idle agent wins ties.
    """
    busy = t.load_total[rows]
    load = busy / t.cap_div[rows]
    # exp(-max(now - since, 0) / scale), written as min(since - now, 0): the same float, fewer steps
    idle = np.exp(np.minimum(t.idle_since_s[rows] - now_s, 0.0) / settings.idle_scale_s)
    idle[busy > 0] = 1.0
    return load, idle


def total_cost(
    static: FloatArray, load: FloatArray, idle: FloatArray, settings: RoutingSettings
) -> FloatArray:
    w = settings.weights
    return static + w.load * load + w.idle * idle


@dataclass(frozen=True, slots=True)
class CostTerms:
    """The winner's cost, term by term (each in [0, 1]) and weighted total."""

    proficiency_surplus: float
    preferred_skill_miss: float
    tier_distance: float
    load: float
    idle: float
    total: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}
