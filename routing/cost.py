"""Escalation priority and agent cost: the two numbers every assignment is judged by.

* **Priority** (higher is served first) = customer-tier weight + urgency weight x urgency + trigger
  weight + aging x minutes waited. Aging is linear and equal for all, so the *order* of two waiting
  escalations never changes with time; only new arrivals and relaxation change who goes first.
* **Cost** of giving an escalation to an agent (lower is better) = weighted sum of six terms, each
  in [0, 1]: proficiency surplus, preferred-skill miss, tier distance, skill breadth (static:
  profiles only, so :class:`~routing.eligibility.EligibilityCache` keeps them per requirement),
  load and idle recency (live: they change with every offer).

The solver and the fast paths compare the same integer units (:func:`priority_units`,
:func:`cost_units`), so they agree to the unit on which assignment is best.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from routing.domain import MAX_PROFICIENCY, MAX_TIER, Escalation
from routing.roster import AgentTable, FloatArray, IntArray
from routing.settings import CostWeights, RoutingSettings

if TYPE_CHECKING:
    from routing.eligibility import StaticEligibility

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
    """Priority gained per second of waiting."""
    return settings.priority.aging_per_min / 60.0


def priority_units(priority: float) -> int:
    """Priority as the solver's integer weight (at least 1, so serving anyone is worth something)."""
    return max(1, round(priority * PRIORITY_SCALE))


def cost_units(cost: FloatArray) -> IntArray:
    """Costs as the solver's integer units (rounded half to even)."""
    return np.rint(cost * COST_SCALE).astype(np.int64)


# ------------------------------------------------------------------------------- static terms
def proficiency_surplus(t: AgentTable, skills: tuple[tuple[str, int], ...]) -> FloatArray:
    """Mean proficiency above the minimum over the required skills, out of 4: in [0, 1]."""
    surplus = np.zeros(t.n)
    for name, minimum in skills:
        col = t.skills.get(name)
        if col >= 0:
            surplus += np.maximum(t.proficiency[: t.n, col] - minimum, 0)
    return surplus / ((MAX_PROFICIENCY - 1) * len(skills)) if skills else surplus


def preferred_miss(t: AgentTable, preferred: tuple[tuple[str, int], ...]) -> FloatArray:
    """Share of preferred skills the agent has below the preferred level: in [0, 1]."""
    miss = np.zeros(t.n)
    for name, level in preferred:
        col = t.skills.get(name)
        miss += 1.0 if col < 0 else (t.proficiency[: t.n, col] < level)
    return miss / len(preferred) if preferred else miss


def tier_distance(t: AgentTable, complexity_tier: int) -> FloatArray:
    """Tiers above the complexity tier, out of 2: in [0, 1]."""
    return np.maximum(t.tier[: t.n] - complexity_tier, 0) / (MAX_TIER - 1)


def skills_used(
    skills: tuple[tuple[str, int], ...], preferred: tuple[tuple[str, int], ...]
) -> tuple[str, ...]:
    """The names of the skills a requirement uses (required or preferred), sorted: the key of
    :func:`skill_breadth`."""
    return tuple(sorted({name for name, _ in skills} | {name for name, _ in preferred}))


def other_skills(t: AgentTable, row: int, used: tuple[str, ...]) -> list[tuple[str, int]]:
    """The skills agent ``row`` holds beyond ``used``, with their proficiency, by name: the other
    work the agent could serve instead."""
    held = t.proficiency[row].tolist()
    return sorted(
        (name, held[col]) for name, col in t.skills.index.items() if held[col] > 0 and name not in used
    )


def skill_stakes(t: AgentTable) -> FloatArray:
    """Each agent's stake in each skill: ``proficiency / the total proficiency of the agents on the
    roster in that skill``, one row per skill column (an agent per column of the row), and a last
    row with each agent's stakes added up in skill-name order.

    Proficiencies are integers, so every total is exact, and a skill nobody on the roster holds
    has stakes of exactly 0: a restored roster with the same agents (in another order, without
    the removed ones) gets the very same floats.
    """
    n, k = t.n, len(t.skills)
    proficiency = t.proficiency[:n, :k]
    present = t.present[:n]
    capacity = proficiency.sum(axis=0)
    if not present.all():
        capacity -= proficiency[~present].sum(axis=0)
    stakes = np.zeros((k + 1, n))
    np.divide(proficiency.T, capacity[:, None], out=stakes[:k], where=capacity[:, None] > 0)
    for name in sorted(t.skills.index):
        stakes[k] += stakes[t.skills.index[name]]
    return stakes


def skill_breadth(t: AgentTable, used: tuple[str, ...], stakes: FloatArray | None = None) -> FloatArray:
    """How much of each agent lies in other work than ``used`` (the skills the escalation requires
    or prefers): in [0, 1], 0 for a specialist.

    The opportunity cost of taking an agent: a cross-trained agent spent on work a specialist could
    do is missing, for the whole handle time, from the queues only they can serve. Each skill an
    agent holds counts by the agent's *stake* in it, ``proficiency / the roster's total proficiency
    in that skill`` (the share of the roster's capacity for that work the agent carries), and the
    term is the agent's stake in other skills over its stake in all its skills. So:

    * with equally staffed skills it is the share of the agent's skills that are for other work
      (one other skill beside the one used: 1/2, two: 2/3), whatever the roster's size: the term
      means the same on a desk of 2 skills and of 20, so a weight measured on one carries over;
    * a scarce other skill (few agents, or only at low proficiency) weighs much, a skill nearly
      everyone holds almost nothing: it is the scarce skill an agent would be missing from, and a
      count of skills would rank an agent with one scarce other skill below one with two common ones;
    * a preferred skill is work this escalation uses, not other work (:func:`preferred_miss`
      already rewards holding it).

    The roster is the agents on it now (on shift or not: the term is static). ``stakes`` is
    :func:`skill_stakes` of ``t`` (computed when not given): the one pass over the whole roster,
    which a cache keeps per roster version, so each further ``used`` costs a column or two.

    There is no live part ("the other queues are waiting now"): an escalation only waits while no
    agent with a free slot may take it, so an agent who can be offered work never has waiting work
    it could serve. What the term protects is the arrivals to come, and for those the profiles
    are what routing knows.
    """
    stakes = skill_stakes(t) if stakes is None else stakes
    total = stakes[-1]
    in_used = np.zeros(t.n)
    for name in sorted(used):
        col = t.skills.get(name)
        if col >= 0:
            in_used += stakes[col]
    # both sums add the same stakes in the same (name) order, so a specialist's difference is 0.0
    breadth: FloatArray = np.divide(total - in_used, total, out=np.zeros(t.n), where=total > 0)
    return breadth


def static_cost(
    surplus: FloatArray, miss: FloatArray, distance: FloatArray, breadth: FloatArray, w: CostWeights
) -> FloatArray:
    """The weighted sum of the four static terms."""
    return (
        w.proficiency_surplus * surplus
        + w.preferred_skill_miss * miss
        + w.tier_distance * distance
        + w.skill_breadth * breadth
    )


# --------------------------------------------------------------------------------- live terms
def live_cost_terms(
    t: AgentTable, rows: IntArray, now_s: float, settings: RoutingSettings
) -> tuple[FloatArray, FloatArray]:
    """(load, idle) terms for agent ``rows``: concurrency over total cap, and idle recency.

    Idle recency is ``exp(-idle_s / idle_scale_s)`` for an idle agent (1 just freed, towards 0 the
    longer they wait) and 1 for an agent already working, so the longest-idle agent wins ties.
    """
    busy = t.load_total[rows]
    load = busy / t.cap_div[rows]
    idle = idle_recency(t, rows, now_s, settings)
    idle[busy > 0] = 1.0
    return load, idle


def idle_recency(t: AgentTable, rows: IntArray, now_s: float, settings: RoutingSettings) -> FloatArray:
    """``exp(-idle_s / idle_scale_s)`` for agent ``rows`` (the idle term of an agent not working)."""
    # exp(-max(now - since, 0) / scale), written as min(since - now, 0): the same float, fewer steps
    return np.exp(np.minimum(t.idle_since_s[rows] - now_s, 0.0) / settings.idle_scale_s)


def total_cost(
    static: FloatArray, load: FloatArray, idle: FloatArray, settings: RoutingSettings
) -> FloatArray:
    """Static cost plus the weighted live terms; every cost the dispatcher compares is this sum."""
    w = settings.weights
    return static + w.load * load + w.idle * idle


def costs_now(
    static: FloatArray, t: AgentTable, rows: IntArray, now_s: float, settings: RoutingSettings
) -> FloatArray:
    """Total cost of agent ``rows`` now, given their static costs ``static`` (aligned with ``rows``)."""
    load, idle = live_cost_terms(t, rows, now_s, settings)
    return total_cost(static, load, idle, settings)


def live_terms_of(t: AgentTable, row: int, now_s: float, settings: RoutingSettings) -> tuple[float, float]:
    """One agent's weighted (load, idle) terms as floats, to score it against many requirements.

    Add them to a static cost in this order, as :func:`cost_unit` does, and the sum is the very
    float :func:`total_cost` computes (numpy and Python round float64 operations alike).
    """
    load, idle = live_cost_terms(t, np.array([row]), now_s, settings)
    w = settings.weights
    return w.load * float(load[0]), w.idle * float(idle[0])


def cost_unit(static: float, load_term: float, idle_term: float) -> int:
    """:func:`cost_units` of one agent's total cost from its parts (see :func:`live_terms_of`)."""
    return round((static + load_term + idle_term) * COST_SCALE)  # halves to even, like np.rint


def cost_terms_of(
    entry: StaticEligibility, t: AgentTable, row: int, now_s: float, settings: RoutingSettings
) -> CostTerms:
    """Agent ``row``'s cost for the requirement of ``entry``, term by term, now."""
    return cost_terms_of_rows(entry, t, np.array([row]), now_s, settings)[0]


def cost_terms_of_rows(
    entry: StaticEligibility, t: AgentTable, rows: IntArray, now_s: float, settings: RoutingSettings
) -> list[CostTerms]:
    """:func:`cost_terms_of` for each of agent ``rows`` (one pass over them: the same floats,
    every operation being elementwise)."""
    surplus, miss, distance, breadth = entry.terms_at(rows)
    load, idle = live_cost_terms(t, rows, now_s, settings)
    static = static_cost(surplus, miss, distance, breadth, settings.weights)
    totals = total_cost(static, load, idle, settings).tolist()
    return [
        CostTerms(*terms)
        for terms in zip(
            surplus.tolist(),
            miss.tolist(),
            distance.tolist(),
            breadth.tolist(),
            load.tolist(),
            idle.tolist(),
            totals,
            strict=True,
        )
    ]


@dataclass(frozen=True, slots=True)
class CostTerms:
    """The winner's cost, term by term (each in [0, 1]) and weighted total."""

    proficiency_surplus: float
    preferred_skill_miss: float
    tier_distance: float
    skill_breadth: float
    load: float
    idle: float
    total: float

    def as_dict(self) -> dict[str, float]:
        return {name: round(getattr(self, name), 4) for name in _COST_TERMS_AND_TOTAL}

    def weighted(self, w: CostWeights) -> dict[str, float]:
        """Term name -> weight x term, in :data:`COST_TERMS` order; they add up to ``total``
        (within float rounding: the decision sums the static terms first)."""
        return {name: getattr(w, name) * getattr(self, name) for name in COST_TERMS}


#: The cost terms of :class:`CostTerms`, each weighted by the :class:`CostWeights` field of its name.
COST_TERMS: tuple[str, ...] = (
    "proficiency_surplus",
    "preferred_skill_miss",
    "tier_distance",
    "skill_breadth",
    "load",
    "idle",
)
_COST_TERMS_AND_TOTAL = (*COST_TERMS, "total")  # CostTerms' fields, in order
