"""Who may take an escalation: one small rule per concern, each with a name that explains a rejection.

Every rule is a function over the whole roster at once (an :class:`~routing.roster.AgentTable`)
returning a boolean mask of the agents that **pass** it. An agent's rejection reason is the first
rule in :data:`RULE_ORDER` it fails. Rules split into

* **static** rules, which depend only on agent profiles and the escalation's :class:`Requirement`
  (skills, proficiency, language, channel, tier, customer-tier policy, region), cached per
  requirement until a profile changes; and
* **live** rules, which depend on the moment (status, on shift, capacity left, offered before).

A :class:`Requirement` is an escalation's demands at one relaxation level; escalations with equal
requirements share one cache entry, which is what keeps the common decision cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.cost import (
    skill_breadth,
    skill_stakes,
    skills_used,
    static_cost,
    tier_distance,
)
from routing.domain import CHANNEL_INDEX, MAX_PROFICIENCY, MAX_TIER, Channel, Escalation
from routing.roster import AVAILABLE, AgentTable, BoolArray, FloatArray
from routing.settings import RoutingSettings


@dataclass(frozen=True, slots=True)
class Requirement:
    """What an escalation demands of an agent at one relaxation level (hashable: a cache key)."""

    channel: Channel
    skills: tuple[tuple[str, int], ...]
    preferred: tuple[tuple[str, int], ...]
    preferred_required: bool
    language: str
    complexity_tier: int
    max_agent_tier: int
    policy_min_tier: int
    regions: frozenset[str] | None  # agent regions allowed; None = any (no residency requirement)
    regionless_agents: bool = False  # with ``regions``: agents who list no region pass too (opt-in)
    channel_col: int = field(init=False, compare=False, repr=False)
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Requirements key the queue and the eligibility cache on every routing event: hash once.
        object.__setattr__(self, "channel_col", CHANNEL_INDEX[self.channel])
        object.__setattr__(
            self,
            "_hash",
            hash(
                (
                    self.channel,
                    self.skills,
                    self.preferred,
                    self.preferred_required,
                    self.language,
                    self.complexity_tier,
                    self.max_agent_tier,
                    self.policy_min_tier,
                    self.regions,
                    self.regionless_agents,
                )
            ),
        )

    def __hash__(self) -> int:
        return self._hash


def requirement_at(escalation: Escalation, level: int, settings: RoutingSettings) -> Requirement:
    """The escalation's requirement after the first ``level`` relaxation steps (effects accumulate)."""
    steps = settings.relaxation[:level]
    lower = sum(s.lower_min_proficiency_by for s in steps)
    extra_tiers = sum(s.extra_tiers_above for s in steps)
    widen = any(s.widen_regions for s in steps)
    drop_preferred = any(s.drop_preferred_skills for s in steps)
    regions: frozenset[str] | None = None
    if escalation.customer_region is not None:
        allowed = {escalation.customer_region}
        if widen:
            allowed.update(settings.region_widening.get(escalation.customer_region, ()))
        regions = frozenset(allowed)
    preferred = tuple(sorted(escalation.preferred_skills.items()))
    return Requirement(
        channel=escalation.channel,
        skills=tuple(
            sorted((name, max(1, level_ - lower)) for name, level_ in escalation.required_skills.items())
        ),
        preferred=preferred,
        preferred_required=bool(preferred) and not drop_preferred,
        language=escalation.language,
        complexity_tier=escalation.complexity_tier,
        max_agent_tier=min(MAX_TIER, escalation.complexity_tier + settings.tier_headroom + extra_tiers),
        policy_min_tier=settings.min_agent_tier.get(escalation.customer_tier, 1),
        regions=regions,
        regionless_agents=settings.regionless_agents_serve_any_region,
    )


# ------------------------------------------------------------------------------------- static rules
def _demanded(req: Requirement) -> tuple[tuple[str, int], ...]:
    return req.skills + req.preferred if req.preferred_required else req.skills


def rule_channel(t: AgentTable, req: Requirement) -> BoolArray:
    """The agent works this channel at all (a cap above zero)."""
    return t.cap[: t.n, req.channel_col] > 0


def rule_skills(t: AgentTable, req: Requirement) -> BoolArray:
    """The agent has every required skill (and, before relaxation, every preferred one)."""
    mask = np.ones(t.n, bool)
    for name, _ in _demanded(req):
        col = t.skills.get(name)
        if col < 0:
            return np.zeros(t.n, bool)
        mask &= t.proficiency[: t.n, col] > 0
    return mask


def rule_proficiency(t: AgentTable, req: Requirement) -> BoolArray:
    """The agent meets the minimum proficiency of every demanded skill they have."""
    mask = np.ones(t.n, bool)
    for name, minimum in _demanded(req):
        col = t.skills.get(name)
        if col >= 0:
            prof = t.proficiency[: t.n, col]
            mask &= (prof == 0) | (prof >= minimum)  # a missing skill is rule_skills' failure
    return mask


def rule_language(t: AgentTable, req: Requirement) -> BoolArray:
    """The agent speaks the customer's language."""
    col = t.languages.get(req.language)
    return t.speaks[: t.n, col].copy() if col >= 0 else np.zeros(t.n, bool)


def rule_tier(t: AgentTable, req: Requirement) -> BoolArray:
    """Complexity tier <= agent tier <= complexity tier + headroom (widened by relaxation)."""
    tier = t.tier[: t.n]
    return (tier >= req.complexity_tier) & (tier <= req.max_agent_tier)


def rule_customer_tier_policy(t: AgentTable, req: Requirement) -> BoolArray:
    """Customer-tier policy, e.g. VIP customers only to agents of tier >= 2."""
    return t.tier[: t.n] >= req.policy_min_tier


def rule_region(t: AgentTable, req: Requirement) -> BoolArray:
    """Data residency: a customer with a region goes only to agents who list an allowed region.

    An agent who lists no region passes only for customers without one, unless the settings opt
    in (``regionless_agents_serve_any_region``).
    """
    if req.regions is None:
        return np.ones(t.n, bool)
    mask = t.any_region[: t.n].copy() if req.regionless_agents else np.zeros(t.n, bool)
    for region in req.regions:
        col = t.regions.get(region)
        if col >= 0:
            mask |= t.serves_region[: t.n, col]
    return mask


# --------------------------------------------------------------------------------------- live rules
def rule_status(t: AgentTable, req: Requirement) -> BoolArray:
    """The agent is logged in and available (present on the roster)."""
    mask: BoolArray = t.present[: t.n] & (t.status[: t.n] == AVAILABLE)
    return mask


def rule_on_shift(t: AgentTable, req: Requirement) -> BoolArray:
    """The agent is on shift now in their own time zone, not on a break."""
    return t.on_shift[: t.n].copy()


def rule_capacity(t: AgentTable, req: Requirement) -> BoolArray:
    """The agent has a slot left on this channel and under the total cap."""
    n, ch = t.n, req.channel_col
    return (t.load[:n, ch] < t.cap[:n, ch]) & (t.load_total[:n] < t.cap_total[:n])


Rule = Callable[[AgentTable, Requirement], BoolArray]

STATIC_RULES: tuple[tuple[str, Rule], ...] = (
    ("channel", rule_channel),
    ("skills", rule_skills),
    ("proficiency", rule_proficiency),
    ("language", rule_language),
    ("tier", rule_tier),
    ("customer_tier_policy", rule_customer_tier_policy),
    ("region", rule_region),
)
LIVE_RULES: tuple[tuple[str, Rule], ...] = (
    ("status", rule_status),
    ("on_shift", rule_on_shift),
    ("capacity", rule_capacity),
)
#: The reason given for a rejected agent is the first rule it fails in this order.
RULE_ORDER: tuple[str, ...] = (
    "status",
    "on_shift",
    *(name for name, _ in STATIC_RULES),
    "capacity",
    "offered_before",
)


#: What each static rule reads of a requirement: the key its mask is cached under. Requirements
#: differ in many ways at once, but each rule sees only a few distinct keys, so a new combination
#: costs a handful of array ANDs instead of re-running every rule over the roster.
_RULE_KEYS: dict[str, Callable[[Requirement], Hashable]] = {
    "channel": lambda r: r.channel,
    "skills": _demanded,
    "proficiency": _demanded,
    "language": lambda r: r.language,
    "tier": lambda r: (r.complexity_tier, r.max_agent_tier),
    "customer_tier_policy": lambda r: r.policy_min_tier,
    "region": lambda r: (r.regions, r.regionless_agents),
}


@dataclass(frozen=True, slots=True)
class StaticEligibility:
    """Cached per requirement: each static rule's mask, their conjunction, and the static cost
    terms of :mod:`routing.cost`."""

    rule_masks: tuple[tuple[str, BoolArray], ...]
    mask: BoolArray
    surplus: FloatArray
    preferred_miss: FloatArray
    tier_distance: FloatArray
    skill_breadth: FloatArray
    cost: FloatArray  # weighted sum of the four terms


#: Memory budget of the cache, in bytes of arrays (masks and costs are one value per agent).
CACHE_BUDGET_BYTES = 64 * 2**20


class EligibilityCache:
    """Static eligibility per :class:`Requirement`, rebuilt when the roster's profiles change.

    Two levels: per-rule masks and cost terms under the few keys each reads (``_parts``), and
    their combination per whole requirement (``_entries``). Both are bounded by
    :data:`CACHE_BUDGET_BYTES`; past it they are emptied and refill from use.
    """

    def __init__(self, table: AgentTable, settings: RoutingSettings) -> None:
        self._table = table
        self._settings = settings
        self._version = -1
        self._entries: dict[Requirement, StaticEligibility] = {}
        self._parts: dict[tuple[str, Hashable], npt.NDArray[Any]] = {}

    def _part(
        self, name: str, key: Hashable, compute: Callable[..., npt.NDArray[Any]], arg: Any
    ) -> npt.NDArray[Any]:
        """The array ``compute(table, arg)``, cached under ``(name, key)``."""
        value = self._parts.get((name, key))
        if value is None:
            value = self._parts[(name, key)] = compute(self._table, arg)
        return value

    def _column_part(self, name: str, skill: str, level: int, compute: Callable[..., Any]) -> Any:
        """``compute(table, skill column, level)`` for one skill, cached under ``(name, skill, level)``:
        the per-skill pieces the whole-requirement parts are assembled from (reading a skill's
        column of the roster is the expensive step, and there are few skills and levels)."""
        key = (name, (skill, level))
        value = self._parts.get(key)
        if value is None:
            value = self._parts[key] = compute(self._table, self._table.skills.get(skill), level)
        return value

    def get(self, req: Requirement) -> StaticEligibility:
        t = self._table
        if t.version != self._version:
            self._entries.clear()
            self._parts.clear()
            self._version = t.version
        entry = self._entries.get(req)
        if entry is not None:
            return entry
        limit = max(16, CACHE_BUDGET_BYTES // (48 * max(t.n, 1)))
        if len(self._entries) >= limit:
            self._entries.clear()
        if len(self._parts) >= 4 * limit:
            self._parts.clear()
        masks = tuple(
            (
                name,
                self._part(
                    name, _RULE_KEYS[name](req), _COMPOSED.get(name) or _static_rule(rule), (self, req)
                ),
            )
            for name, rule in STATIC_RULES
        )
        mask = t.present[: t.n].copy()
        for _, m in masks:
            mask &= m
        surplus = self._part("surplus", req.skills, _surplus, (self, req.skills))
        miss = self._part("preferred_miss", req.preferred, _preferred_miss, (self, req.preferred))
        distance = self._part("tier_distance", req.complexity_tier, tier_distance, req.complexity_tier)
        used = skills_used(req.skills, req.preferred)
        stakes = self._part("skill_stakes", None, lambda table, _: skill_stakes(table), None)
        breadth = self._part("skill_breadth", used, partial(skill_breadth, stakes=stakes), used)
        cost = static_cost(surplus, miss, distance, breadth, self._settings.weights)
        entry = StaticEligibility(masks, mask, surplus, miss, distance, breadth, cost)
        self._entries[req] = entry
        return entry


# The static parts that depend on skills, assembled skill by skill from cached columns (see
# EligibilityCache._column_part). Each does the very operations of its rule or cost term, in the
# same order, on the same arrays, so the results are the same booleans and floats.
def _has_skill(t: AgentTable, col: int, _: int) -> BoolArray:
    return t.proficiency[: t.n, col] > 0 if col >= 0 else np.zeros(t.n, bool)


def _meets_level(t: AgentTable, col: int, minimum: int) -> BoolArray:
    if col < 0:
        return np.ones(t.n, bool)
    prof = t.proficiency[: t.n, col]
    return (prof == 0) | (prof >= minimum)  # type: ignore[no-any-return]


def _above_minimum(t: AgentTable, col: int, minimum: int) -> npt.NDArray[np.int64]:
    return np.maximum(t.proficiency[: t.n, col] - minimum, 0)


def _below_level(t: AgentTable, col: int, level: int) -> BoolArray:
    return t.proficiency[: t.n, col] < level


def _skills_composed(t: AgentTable, arg: tuple[EligibilityCache, Requirement]) -> BoolArray:
    """:func:`rule_skills`, from one cached mask per skill."""
    cache, req = arg
    mask = np.ones(t.n, bool)
    for name, _ in _demanded(req):
        mask &= cache._column_part("has_skill", name, 0, _has_skill)
    return mask


def _proficiency_composed(t: AgentTable, arg: tuple[EligibilityCache, Requirement]) -> BoolArray:
    """:func:`rule_proficiency`, from one cached mask per skill and minimum."""
    cache, req = arg
    mask = np.ones(t.n, bool)
    for name, minimum in _demanded(req):
        if t.skills.get(name) >= 0:
            mask &= cache._column_part("meets_level", name, minimum, _meets_level)
    return mask


def _surplus(t: AgentTable, arg: tuple[EligibilityCache, tuple[tuple[str, int], ...]]) -> FloatArray:
    """:func:`~routing.cost.proficiency_surplus`, from one cached column per skill and minimum."""
    cache, skills = arg
    surplus = np.zeros(t.n)
    for name, minimum in skills:
        if t.skills.get(name) >= 0:
            surplus += cache._column_part("above_minimum", name, minimum, _above_minimum)
    return surplus / ((MAX_PROFICIENCY - 1) * len(skills)) if skills else surplus


def _preferred_miss(t: AgentTable, arg: tuple[EligibilityCache, tuple[tuple[str, int], ...]]) -> FloatArray:
    """:func:`~routing.cost.preferred_miss`, from one cached mask per skill and level."""
    cache, preferred = arg
    miss = np.zeros(t.n)
    for name, level in preferred:
        if t.skills.get(name) < 0:
            miss += 1.0
        else:
            miss += cache._column_part("below_level", name, level, _below_level)
    return miss / len(preferred) if preferred else miss


def _static_rule(rule: Rule) -> Callable[[AgentTable, tuple[EligibilityCache, Requirement]], BoolArray]:
    return lambda t, arg: rule(t, arg[1])


#: How the cache computes each static rule's mask: skill rules assembled per skill, the others as is.
_COMPOSED: dict[str, Callable[[AgentTable, tuple[EligibilityCache, Requirement]], BoolArray]] = {
    "skills": _skills_composed,
    "proficiency": _proficiency_composed,
}


def first_failures(rule_masks: Mapping[str, BoolArray], present: BoolArray) -> dict[str, BoolArray]:
    """For each rule, the agents whose *first* failed rule (in :data:`RULE_ORDER`) it is."""
    undecided = present.copy()
    out: dict[str, BoolArray] = {}
    for name in RULE_ORDER:
        passed = rule_masks.get(name)
        if passed is None:
            continue
        failed = undecided & ~passed
        if failed.any():
            out[name] = failed
        undecided &= passed
    return out
