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

import bisect
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from routing.cost import (
    skill_stakes,
    skills_used,
    static_cost,
    tier_distance,
)
from routing.domain import CHANNEL_INDEX, MAX_PROFICIENCY, MAX_TIER, Channel, Escalation
from routing.roster import AVAILABLE, AgentTable, BoolArray, FloatArray, IntArray
from routing.settings import CostWeights, RoutingSettings


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
    return requirements_by_level(escalation, settings, level)[-1]


def requirements_by_level(
    escalation: Escalation, settings: RoutingSettings, top: int | None = None
) -> tuple[Requirement, ...]:
    """:func:`requirement_at` for every level ``0..top`` (default: every relaxation step), built
    together: what the levels share is computed once, and a level whose steps change none of the
    fields relaxation touches (skills, preferred required, agent tiers, regions) is the very same
    object as the level below (the usual case: a step for preferred skills or a region the
    escalation does not have)."""
    steps = settings.relaxation if top is None else settings.relaxation[:top]
    preferred = tuple(sorted(escalation.preferred_skills.items()))
    required = tuple(sorted(escalation.required_skills.items()))
    region = escalation.customer_region
    own_region: frozenset[str] | None = None
    widened: frozenset[str] | None = None
    if region is not None:
        own_region = frozenset((region,))
        widened = frozenset({region, *settings.region_widening.get(region, ())})
    max_tier = escalation.complexity_tier + settings.tier_headroom
    policy_min_tier = settings.min_agent_tier.get(escalation.customer_tier, 1)
    lower = extra_tiers = 0
    widen = drop_preferred = False
    skills = tuple((name, max(1, level_)) for name, level_ in required)
    out: list[Requirement] = []
    fields: tuple[object, ...] | None = None
    for k in range(len(steps) + 1):
        if k:
            step = steps[k - 1]
            if step.lower_min_proficiency_by:
                lower += step.lower_min_proficiency_by
                skills = tuple((name, max(1, level_ - lower)) for name, level_ in required)
            extra_tiers += step.extra_tiers_above
            widen = widen or step.widen_regions
            drop_preferred = drop_preferred or step.drop_preferred_skills
        preferred_required = bool(preferred) and not drop_preferred
        max_agent_tier = min(MAX_TIER, max_tier + extra_tiers)
        regions = widened if widen else own_region
        changed = (skills, preferred_required, max_agent_tier, regions)
        if changed == fields:
            out.append(out[-1])
            continue
        fields = changed
        out.append(
            Requirement(
                channel=escalation.channel,
                skills=skills,
                preferred=preferred,
                preferred_required=preferred_required,
                language=escalation.language,
                complexity_tier=escalation.complexity_tier,
                max_agent_tier=max_agent_tier,
                policy_min_tier=policy_min_tier,
                regions=regions,
                regionless_agents=settings.regionless_agents_serve_any_region,
            )
        )
    return tuple(out)


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


class StaticEligibility:
    """Cached per requirement: each static rule's mask and their conjunction, and the recipe of the
    static cost terms of :mod:`routing.cost` (per-skill columns shared between requirements).

    The terms are computed only where asked (:meth:`terms_at`, :meth:`cost_at`: the candidates of
    a decision, a few hundred rows of a roster of thousands) or, for every agent, on first use of
    the full arrays (:attr:`surplus`, :attr:`preferred_miss`, :attr:`tier_distance`,
    :attr:`skill_breadth`, :attr:`cost`). Every operation is elementwise and done in the same
    order either way, so a term at a row is the very float the full array holds there.
    """

    __slots__ = (
        "_distance",
        "_full",
        "_miss_cols",
        "_miss_div",
        "_n",
        "_stakes",
        "_surplus_cols",
        "_surplus_div",
        "_used_rows",
        "_weights",
        "mask",
        "rule_masks",
    )

    def __init__(
        self,
        rule_masks: tuple[tuple[str, BoolArray], ...],
        mask: BoolArray,
        surplus_cols: tuple[npt.NDArray[Any], ...],
        surplus_div: int,
        miss_cols: tuple[npt.NDArray[Any] | float, ...],
        miss_div: int,
        distance: FloatArray,
        stakes: FloatArray,
        used_rows: tuple[int, ...],
        weights: CostWeights,
    ) -> None:
        self.rule_masks = rule_masks
        self.mask = mask
        self._surplus_cols, self._surplus_div = surplus_cols, surplus_div
        self._miss_cols, self._miss_div = miss_cols, miss_div
        self._distance, self._stakes, self._used_rows = distance, stakes, used_rows
        self._weights = weights
        self._n = mask.size
        self._full: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray] | None = None

    def terms_at(self, rows: IntArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """(proficiency surplus, preferred miss, tier distance, skill breadth) of agent ``rows``."""
        k = rows.size
        surplus = np.zeros(k)
        for col in self._surplus_cols:
            surplus += col[rows]
        if self._surplus_div:
            surplus = surplus / self._surplus_div
        miss = np.zeros(k)
        for item in self._miss_cols:
            miss += item if isinstance(item, float) else item[rows]
        if self._miss_div:
            miss = miss / self._miss_div
        stakes = self._stakes
        total = stakes[-1][rows]
        in_used = np.zeros(k)
        for r in self._used_rows:
            in_used += stakes[r][rows]
        # both sums add the same stakes in the same (name) order, so a specialist's difference is 0.0
        breadth: FloatArray = np.divide(total - in_used, total, out=np.zeros(k), where=total > 0)
        return surplus, miss, self._distance[rows], breadth

    def cost_at(self, rows: IntArray) -> FloatArray:
        """The static cost (:func:`~routing.cost.static_cost`) of agent ``rows``."""
        return static_cost(*self.terms_at(rows), self._weights)

    def _all(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        if self._full is None:
            terms = self.terms_at(np.arange(self._n))
            self._full = (*terms, static_cost(*terms, self._weights))
        return self._full

    @property
    def surplus(self) -> FloatArray:
        return self._all()[0]

    @property
    def preferred_miss(self) -> FloatArray:
        return self._all()[1]

    @property
    def tier_distance(self) -> FloatArray:
        return self._all()[2]

    @property
    def skill_breadth(self) -> FloatArray:
        return self._all()[3]

    @property
    def cost(self) -> FloatArray:
        """Every agent's static cost (weighted sum of the four terms)."""
        return self._all()[4]


_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")

#: Memory budget of the cache, in bytes of arrays (masks and costs are one value per agent).
CACHE_BUDGET_BYTES = 64 * 2**20


class EligibilityCache:
    """Static eligibility per :class:`Requirement`, rebuilt when the roster's profiles change.

    Three levels: the per-skill columns (a skill held, a minimum met, the proficiency above a
    minimum or below a level), the tier distances and the skill stakes, which every requirement
    is assembled from and which are few (``_columns``); per-rule masks under the few keys each
    rule reads (``_parts``); and their combination per whole requirement (``_entries``). Each is
    bounded by :data:`CACHE_BUDGET_BYTES`; past it that level drops its oldest item for each new
    one (first in, first out). The columns are kept apart so that
    the churn of requirements (they hardly repeat) never drops them: rebuilding them (the stakes
    are a pass over every skill of every agent) made the slowest arrivals. Emptying a full level
    at once, as it once did, freed a hundred entries' arrays inside one arrival and rebuilt them
    over the next ones: at 10,000 agents those arrivals (one in 140) were among the slowest 1 %.
    """

    def __init__(self, table: AgentTable, settings: RoutingSettings) -> None:
        self._table = table
        self._settings = settings
        self._version = -1
        self._entries: OrderedDict[Requirement, StaticEligibility] = OrderedDict()
        self._parts: OrderedDict[tuple[str, Hashable], npt.NDArray[Any]] = OrderedDict()
        self._columns: OrderedDict[tuple[str, Hashable], npt.NDArray[Any]] = OrderedDict()

    def _shared(
        self, name: str, key: Hashable, compute: Callable[..., npt.NDArray[Any]], arg: Any
    ) -> npt.NDArray[Any]:
        """The array ``compute(table, arg)``, cached under ``(name, key)`` among the columns."""
        value = self._columns.get((name, key))
        if value is None:
            value = _put(self._columns, (name, key), compute(self._table, arg), self._column_limit())
        return value

    def _part(
        self, name: str, key: Hashable, compute: Callable[..., npt.NDArray[Any]], arg: Any
    ) -> npt.NDArray[Any]:
        """The array ``compute(table, arg)``, cached under ``(name, key)``."""
        value = self._parts.get((name, key))
        if value is None:
            value = _put(self._parts, (name, key), compute(self._table, arg), 4 * self._entry_limit())
        return value

    def _column_part(self, name: str, skill: str, level: int, compute: Callable[..., Any]) -> Any:
        """``compute(table, skill column, level)`` for one skill, cached under ``(name, skill, level)``:
        the per-skill pieces the whole-requirement parts are assembled from (reading a skill's
        column of the roster is the expensive step, and there are few skills and levels)."""
        key = (name, (skill, level))
        value = self._columns.get(key)
        if value is None:
            column = compute(self._table, self._table.skills.get(skill), level)
            value = _put(self._columns, key, column, self._column_limit())
        return value

    def _entry_limit(self) -> int:
        """Requirements the cache keeps: its budget at 48 bytes per agent each, at least 16."""
        return max(16, CACHE_BUDGET_BYTES // (48 * max(self._table.n, 1)))

    def _column_limit(self) -> int:
        """Columns (and tier distances, stakes) the cache keeps: a byte per agent each, at least 64."""
        return max(64, CACHE_BUDGET_BYTES // max(self._table.n, 1))

    def _sync(self) -> None:
        """Forget everything cached if the roster's profiles changed since it was computed."""
        if self._table.version != self._version:
            self._entries.clear()
            self._parts.clear()
            self._columns.clear()
            self._version = self._table.version

    def get(self, req: Requirement) -> StaticEligibility:
        t = self._table
        self._sync()
        entry = self._entries.get(req)
        if entry is not None:
            return entry
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
        skills = t.skills
        surplus_cols = tuple(
            self._column_part("above_minimum", name, minimum, _above_minimum)
            for name, minimum in req.skills
            if skills.get(name) >= 0
        )
        miss_cols = tuple(
            1.0 if skills.get(name) < 0 else self._column_part("below_level", name, level, _below_level)
            for name, level in req.preferred
        )
        distance = self._shared("tier_distance", req.complexity_tier, tier_distance, req.complexity_tier)
        used = skills_used(req.skills, req.preferred)
        stakes = self._shared("skill_stakes", None, lambda table, _: skill_stakes(table), None)
        used_rows = tuple(col for col in map(skills.get, sorted(used)) if col >= 0)
        entry = StaticEligibility(
            masks,
            mask,
            surplus_cols,
            (MAX_PROFICIENCY - 1) * len(req.skills),
            miss_cols,
            len(req.preferred),
            distance,
            stakes,
            used_rows,
            self._settings.weights,
        )
        return _put(self._entries, req, entry, self._entry_limit())

    # --------------------------------------------------------------------- many requirements at once
    # The batch solve needs the eligible agents and their static costs for hundreds of requirements
    # at once, most of them not cached (the cache keeps a few hundred at 5,000 agents, and
    # requirements hardly repeat). These two build the very booleans and floats of :meth:`get` and
    # :meth:`StaticEligibility.cost_at` from the same cached parts and columns, with the work over
    # the roster done once per distinct part, and the costs over every pair at once: building an
    # entry per requirement (some forty numpy calls each) was most of a batch.
    def eligible_pairs(
        self, reqs: Sequence[Requirement], within: Mapping[int, BoolArray]
    ) -> tuple[IntArray, IntArray]:
        """Every pair ``(i, row)`` where agent ``row`` passes the static rules of ``reqs[i]`` and is in
        ``within[reqs[i].channel_col]`` (a mask over the roster per channel column of ``reqs``): the
        rows of ``get(reqs[i]).mask & within[...]``, as two aligned arrays ordered by ``i``, then row.
        """
        t = self._table
        self._sync()
        n = t.n
        present = t.present[:n]
        # The rules but the skill rules read few distinct keys: their conjunction with ``within`` is
        # made once per distinct combination, the skill rules' once per (skill, minimum). Each
        # requirement's rows are then the shortest list of rows among its masks, kept where the
        # other masks hold: a few hundred reads instead of ANDs over the whole roster.
        plain: dict[Hashable, _Rows] = {}
        held: dict[tuple[str, int], _Rows] = {}
        found: list[IntArray] = []
        for req in reqs:
            key = (req.channel_col, *(_RULE_KEYS[name](req) for name, _ in _PLAIN_RULES))
            base = plain.get(key)
            if base is None:
                mask = present & within[req.channel_col]
                for name, compute in _PLAIN_RULES:
                    mask &= self._part(name, _RULE_KEYS[name](req), compute, (self, req))
                base = plain[key] = _Rows(mask)
            parts = [base]
            for demand in _demanded(req):
                skill = held.get(demand)
                if skill is None:  # rule_skills and rule_proficiency of one skill: held, at the minimum
                    name, minimum = demand
                    has = self._column_part("has_skill", name, 0, _has_skill)
                    skill = held[demand] = _Rows(
                        has & self._column_part("meets_level", name, minimum, _meets_level)
                    )
                parts.append(skill)
            shortest = min(parts, key=len)
            rows = shortest.rows
            if len(parts) > 1:
                keep = None
                for part in parts:
                    if part is not shortest:
                        at = part.mask[rows]
                        keep = at if keep is None else np.logical_and(keep, at, out=keep)
                rows = rows[keep]
            found.append(rows)
        sizes = [rows.size for rows in found]
        of = np.repeat(np.arange(len(reqs), dtype=np.int64), sizes)
        return of, np.concatenate(found) if found else np.zeros(0, np.int64)

    def static_costs(self, reqs: Sequence[Requirement], of: IntArray, rows: IntArray) -> FloatArray:
        """The static cost of agent ``rows[p]`` for requirement ``reqs[of[p]]``, for each pair ``p``
        (``of`` ascending, as :meth:`eligible_pairs` gives it): the very float that
        ``get(reqs[of[p]]).cost_at`` gives for that row -- the same terms from the same columns, added
        in the same order. (A requirement with fewer columns in a term than another adds zeros after
        its own: that changes no sum of non-negative floats.)"""
        t = self._table
        self._sync()
        if rows.size == 0:
            return np.zeros(0)
        n, skills = t.n, t.skills
        above = _Distinct(np.zeros(n, np.int8))  # 0: no column (adds 0)
        below = _Distinct(np.zeros(n, bool), np.ones(n, bool))  # 0: none; 1: a skill nobody holds
        tiers = _Distinct()
        surplus_of: list[list[int]] = []
        miss_of: list[list[int]] = []
        tier_of: list[int] = []
        used_of: list[list[int]] = []
        surplus_div = np.ones(len(reqs))  # 1.0 where the recipe divides by nothing (x / 1.0 is x)
        miss_div = np.ones(len(reqs))
        for i, req in enumerate(reqs):
            surplus_of.append(
                [
                    above.of(
                        ("above", name, minimum),
                        self._column_part,
                        "above_minimum",
                        name,
                        minimum,
                        _above_minimum,
                    )
                    for name, minimum in req.skills
                    if skills.get(name) >= 0
                ]
            )
            miss_of.append(
                [
                    1
                    if skills.get(name) < 0
                    else below.of(
                        ("below", name, level), self._column_part, "below_level", name, level, _below_level
                    )
                    for name, level in req.preferred
                ]
            )
            ct = req.complexity_tier
            tier_of.append(tiers.of(ct, self._shared, "tier_distance", ct, tier_distance, ct))
            used_of.append(
                [col for col in map(skills.get, skills_used(req.skills, req.preferred)) if col >= 0]
            )
            if req.skills:
                surplus_div[i] = (MAX_PROFICIENCY - 1) * len(req.skills)
            if req.preferred:
                miss_div[i] = len(req.preferred)
        stakes = self._shared("skill_stakes", None, lambda table, _: skill_stakes(table), None)
        # the stakes, and a row of zeros for the used-skill slots a requirement lacks
        padded = np.vstack([stakes, np.zeros((1, stakes.shape[1]))])
        above_stack, below_stack, tier_stack = above.stack(), below.stack(), tiers.stack()
        surplus_index, miss_index = _padded(surplus_of, 0), _padded(miss_of, 0)
        used_index, tier_index = _padded(used_of, stakes.shape[0]), np.array(tier_of, np.int64)
        counts = np.bincount(of, minlength=len(reqs))
        out = np.empty(rows.size)
        # in slices of whole requirements of about _SLICE_PAIRS pairs: the temporaries of one slice
        # stay in the processor's cache and their memory is reused by the next (over all pairs at
        # once, each was a fresh allocation of megabytes, first touched page by page)
        for a, b, lo, hi in _slices(counts, _SLICE_PAIRS):
            c, r = counts[a:b], rows[lo:hi]
            surplus = _sum_at(above_stack, surplus_index[a:b], c, r) / np.repeat(surplus_div[a:b], c)
            miss = _sum_at(below_stack, miss_index[a:b], c, r) / np.repeat(miss_div[a:b], c)
            distance = _at(tier_stack, tier_index[a:b], c, r)
            total = stakes[-1][r]
            in_used = _sum_at(padded, used_index[a:b], c, r)
            breadth: FloatArray = np.divide(total - in_used, total, out=np.zeros(r.size), where=total > 0)
            out[lo:hi] = static_cost(surplus, miss, distance, breadth, self._settings.weights)
        return out


#: Pairs per slice of :meth:`EligibilityCache.static_costs` (a few hundred kilobytes per temporary).
_SLICE_PAIRS = 2**15


def _slices(counts: IntArray, size: int) -> list[tuple[int, int, int, int]]:
    """Cut requirements ``0..len(counts)-1``, with ``counts[i]`` pairs each, into runs ``a..b-1`` of
    about ``size`` pairs (at least one requirement each): ``(a, b, first pair, end of pairs)``."""
    ends = np.cumsum(counts).tolist()
    out: list[tuple[int, int, int, int]] = []
    a = lo = 0
    while a < len(ends):
        b = max(a + 1, bisect.bisect_right(ends, lo + size, lo=a))
        out.append((a, b, lo, ends[b - 1]))
        a, lo = b, ends[b - 1]
    return out


class _Rows:
    """A mask over the roster and its rows (ascending), for :meth:`EligibilityCache.eligible_pairs`."""

    __slots__ = ("mask", "rows")

    def __init__(self, mask: BoolArray) -> None:
        self.mask = mask
        self.rows: IntArray = np.flatnonzero(mask)

    def __len__(self) -> int:
        return int(self.rows.size)


class _Distinct:
    """Distinct arrays (all over the roster) under their keys, numbered in the order first seen, for
    one bulk computation; :meth:`stack` puts them in rows, so a row is read at many pairs in one call."""

    __slots__ = ("arrays", "index")

    def __init__(self, *first: npt.NDArray[Any]) -> None:
        self.arrays: list[npt.NDArray[Any]] = list(first)
        self.index: dict[Hashable, int] = {}

    def add(self, key: Hashable, array: npt.NDArray[Any]) -> int:
        self.index[key] = len(self.arrays)
        self.arrays.append(array)
        return self.index[key]

    def of(self, key: Hashable, make: Callable[..., npt.NDArray[Any]], *args: Any) -> int:
        """The number of the array under ``key``, made as ``make(*args)`` when first seen."""
        k = self.index.get(key)
        return self.add(key, make(*args)) if k is None else k

    def stack(self) -> npt.NDArray[Any]:
        return np.stack(self.arrays)


def _padded(index_of: list[list[int]], pad: int) -> IntArray:
    """The lists ``index_of`` as the rows of a matrix, the shorter ones padded with ``pad``."""
    index = np.full((len(index_of), max(map(len, index_of), default=0)), pad, np.int64)
    for i, ks in enumerate(index_of):
        index[i, : len(ks)] = ks
    return index


def _sum_at(stack: npt.NDArray[Any], index: IntArray, counts: IntArray, rows: IntArray) -> FloatArray:
    """For each pair ``p`` of requirement ``i`` (the first ``counts[0]`` pairs are requirement 0's,
    and so on): ``0.0 + stack[index[i, 0], rows[p]] + stack[index[i, 1], rows[p]] + ...``, in column
    order (a padded column names a row of ``stack`` that adds zero)."""
    out = np.zeros(rows.size)
    for j in range(index.shape[1]):
        out += _at(stack, index[:, j], counts, rows)
    return out


def _at(stack: npt.NDArray[Any], index: IntArray, counts: IntArray, rows: IntArray) -> npt.NDArray[Any]:
    """``stack[index[i], rows[p]]`` for each pair ``p`` of requirement ``i`` (as in :func:`_sum_at`).
    (Repeating each requirement's offset over its pairs is several times faster than indexing
    ``stack`` with two arrays.)"""
    n = stack.shape[1]
    return stack.reshape(-1).take(np.repeat(index * n, counts) + rows)


def _put(level: OrderedDict[_K, _V], key: _K, value: _V, limit: int) -> _V:
    """Store ``value`` under ``key`` in a cache ``level`` of at most ``limit`` items, dropping
    its oldest items to make room; return ``value``. (An OrderedDict drops its first item in
    constant time; a dict's first item is found by a scan over the slots of those dropped before.)"""
    while len(level) >= limit:
        level.popitem(last=False)
    level[key] = value
    return value


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


def _above_minimum(t: AgentTable, col: int, minimum: int) -> npt.NDArray[np.int8]:
    # 0..4 fits a byte (a fraction of the memory, so more columns stay cached); added to the
    # float sums it is the same value as the int64 it was computed from
    return np.maximum(t.proficiency[: t.n, col] - minimum, 0).astype(np.int8)


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


def _static_rule(rule: Rule) -> Callable[[AgentTable, tuple[EligibilityCache, Requirement]], BoolArray]:
    return lambda t, arg: rule(t, arg[1])


#: How the cache computes each static rule's mask: skill rules assembled per skill, the others as is.
_COMPOSED: dict[str, Callable[[AgentTable, tuple[EligibilityCache, Requirement]], BoolArray]] = {
    "skills": _skills_composed,
    "proficiency": _proficiency_composed,
}
#: The static rules other than the skill rules, each with how the cache computes its mask.
_PLAIN_RULES = tuple((name, _static_rule(rule)) for name, rule in STATIC_RULES if name not in _COMPOSED)


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
