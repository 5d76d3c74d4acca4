"""Why a routing decision came out as it did, and how the dispatcher captures it.

An :class:`Explanation` tells, in words a support manager reads:

* how many agents were considered and eligible, and the rejected ones grouped by the first rule
  they fail (in :data:`~routing.eligibility.RULE_ORDER`) with every other rule each also fails
  (:meth:`Explanation.rejections`);
* the winner's cost as weighted terms that add up to the total (:class:`CostPart`), and the
  cheapest runners-up with the term that made them lose (:class:`RunnerUp`);
* the priority as its parts: customer tier, urgency, trigger, aging (:class:`PriorityPart`);
* the relaxation steps in force and whether the offer needed them, and the data residency rule
  that applies (:func:`residency_rule`).

Whatever depends on the moment (cost terms, runners-up, priority parts) is captured at decision
time by :func:`explain`; the rejected-agent lists are computed only when asked for (from masks
captured then), so explaining costs little when nobody reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from routing.cost import (
    COST_SCALE,
    COST_TERMS,
    PRIORITY_SCALE,
    CostTerms,
    aging_per_s,
    cost_terms_of_rows,
    costs_now,
    other_skills,
    skills_used,
)
from routing.domain import Escalation
from routing.eligibility import (
    LIVE_RULES,
    RULE_ORDER,
    STATIC_RULES,
    Requirement,
    StaticEligibility,
    first_failures,
)
from routing.roster import AgentTable, BoolArray, IntArray
from routing.settings import RoutingSettings

if TYPE_CHECKING:
    from routing.candidates import Candidates, Ranking

#: Runners-up an explanation lists (the cheapest eligible agents after the winner).
RUNNERS_UP = 3
#: Other skills named in the skill-breadth part ("4 other skills (legal 3, refunds 2, tech 4, 1 more)").
_OTHER_SKILLS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class CostPart:
    """One weighted cost term: ``contribution`` = ``weight`` x ``value`` (the term, in [0, 1])."""

    term: str
    weight: float
    value: float
    contribution: float
    description: str

    def text(self) -> str:
        """E.g. ``"idle 4 min: +0.45"``."""
        return f"{self.description}: {self.contribution:+.2f}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "weight": round(self.weight, 4),
            "value": round(self.value, 4),
            "contribution": round(self.contribution, 4),
            "description": self.description,
            "text": self.text(),
        }


@dataclass(frozen=True, slots=True)
class RunnerUp:
    """An eligible agent the winner beat: its total, and the term with the largest weighted
    difference against the winner's (``lost_by`` > 0), or ``None`` when it cost no more (a tie,
    or a batch solve that gave the winner's rival other work)."""

    agent_id: str
    total: float
    lost_on: CostPart | None
    lost_by: float

    def text(self) -> str:
        if self.lost_on is None:
            return f"{self.agent_id} {self.total:.2f} (cost no more than the winner)"
        return f"{self.agent_id} {self.total:.2f} (lost on {self.lost_on.description}, {self.lost_by:+.2f})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "total": round(self.total, 4),
            "lost_on": None if self.lost_on is None else self.lost_on.term,
            "lost_by": round(self.lost_by, 4),
            "lost_on_description": None if self.lost_on is None else self.lost_on.description,
            "text": self.text(),
        }


@dataclass(frozen=True, slots=True)
class PriorityPart:
    """One part of an escalation's priority (``customer_tier``, ``urgency``, ``trigger``, ``aging``)."""

    part: str
    value: float
    description: str

    def text(self) -> str:
        return f"{self.description}: {self.value:+.2f}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "value": round(self.value, 4),
            "description": self.description,
            "text": self.text(),
        }


@dataclass(frozen=True, slots=True)
class RejectionGroup:
    """Agents whose first failed rule is ``rule``; ``also``: other rule -> how many of them fail it
    too; ``agents``: (id, every rule it fails), at most the number asked for."""

    rule: str
    count: int
    text: str
    also: dict[str, int]
    agents: list[tuple[str, list[str]]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "count": self.count,
            "text": self.text,
            "also": self.also,
            "agents": [{"id": agent_id, "fails": fails} for agent_id, fails in self.agents],
        }


class Explanation:
    """Why a routing decision came out as it did. Cheap to build; lists materialise on access."""

    __slots__ = (
        "_agent_ids",
        "_masks",
        "_present",
        "_rejected",
        "cost_parts",
        "priority",
        "priority_parts",
        "ranked_first",
        "relaxation",
        "relaxation_needed",
        "relaxation_steps",
        "req",
        "residency",
        "runners_up",
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
        *,
        req: Requirement | None = None,
        cost_parts: tuple[CostPart, ...] = (),
        runners_up: tuple[RunnerUp, ...] = (),
        priority_parts: tuple[PriorityPart, ...] = (),
        relaxation_steps: tuple[str, ...] = (),
        relaxation_needed: bool | None = None,
    ) -> None:
        self._agent_ids = agent_ids
        self._present = present
        self._masks = rule_masks
        self._rejected: dict[str, list[str]] | None = None
        self.priority = priority
        self.relaxation = relaxation
        self.winner_cost = winner_cost
        self.residency = residency
        self.req = req
        self.cost_parts = cost_parts
        self.runners_up = runners_up
        self.priority_parts = priority_parts
        self.relaxation_steps = relaxation_steps
        self.relaxation_needed = relaxation_needed
        #: when a freed agent took this escalation over others waiting: the rule that ranked it
        #: first (set by the placement; ``None`` otherwise)
        self.ranked_first: str | None = None

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

    def failed_rules(self, agent_id: str) -> list[str]:
        """Every rule agent ``agent_id`` fails, in :data:`RULE_ORDER` (empty: eligible, or absent)."""
        row = list(self._agent_ids).index(agent_id)
        return self._fails_of(row) if self._present[row] else []

    def rejections(self, max_agents: int | None = 50) -> list[RejectionGroup]:
        """The rejected agents grouped by their first failed rule, largest group first (ties in
        rule order), each with how many also fail each later rule and, for at most ``max_agents``
        of them (``None``: all), every rule they fail."""
        return self._groups(self._first_failures(), max_agents)

    def _first_failures(self) -> dict[str, BoolArray]:
        return first_failures(self._masks, self._present)

    def _groups(self, failures: Mapping[str, BoolArray], max_agents: int | None) -> list[RejectionGroup]:
        """:meth:`rejections` from the first failures (computed once per use: O(roster) each)."""
        order = {rule: k for k, rule in enumerate(RULE_ORDER)}
        groups = []
        for rule, failed in failures.items():
            also = {
                other: n
                for other in RULE_ORDER
                if other != rule and other in self._masks and (n := int((failed & ~self._masks[other]).sum()))
            }
            rows = np.flatnonzero(failed)[:max_agents].tolist() if max_agents != 0 else []
            agents = [(self._agent_ids[i], self._fails_of(i)) for i in rows]
            count = int(failed.sum())
            text = f"{count} {self.rule_phrase(rule)}"
            if also:
                text += " (also: " + ", ".join(f"{n} {self.rule_phrase(o)}" for o, n in also.items()) + ")"
            groups.append(RejectionGroup(rule, count, text, also, agents))
        groups.sort(key=lambda g: (-g.count, order[g.rule]))
        return groups

    def _fails_of(self, row: int) -> list[str]:
        return [rule for rule in RULE_ORDER if rule in self._masks and not self._masks[rule][row]]

    def rule_phrase(self, rule: str) -> str:
        """What failing ``rule`` means for this requirement, in words ("off shift", "without legal")."""
        return _rule_phrase(rule, self.req)

    def lines(self) -> list[str]:
        """The explanation as a few sentences a support manager reads."""
        return self._lines(self.eligible, self.considered, self.rejections(max_agents=0))

    def _lines(self, eligible: int, considered: int, groups: list[RejectionGroup]) -> list[str]:
        out = [f"eligible {eligible} of {considered}"]
        if groups:
            rejected = sum(g.count for g in groups)
            out[0] += f"; rejected {rejected}: " + ", ".join(g.text for g in groups)
        if self.winner_cost is not None:
            shown = [p.text() for p in self.cost_parts if round(p.contribution, 2) != 0]
            out.append(f"cost {self.winner_cost.total:.2f} = " + (", ".join(shown) or "nothing"))
        if self.runners_up:
            out.append("runners-up: " + ", ".join(r.text() for r in self.runners_up))
        if self.priority_parts:
            shown = [p.text() for p in self.priority_parts if round(p.value, 2) != 0]
            out.append(f"priority {self.priority:.2f} = " + ", ".join(shown))
        if self.ranked_first:
            out.append(self.ranked_first)
        if self.relaxation_steps:
            text = "relaxed: " + "; ".join(self.relaxation_steps)
            if self.relaxation_needed is not None:
                text += (
                    " (needed for this offer)" if self.relaxation_needed else " (not needed for this offer)"
                )
            out.append(text)
        if self.residency:
            out.append(self.residency)
        return out

    def as_dict(self, max_ids_per_rule: int | None = 50) -> dict[str, Any]:
        """As JSON-ready data, listing at most ``max_ids_per_rule`` rejected ids per rule
        (``None``: all); the counts are always complete."""
        failures = self._first_failures()
        ids = self._agent_ids
        rejected = {rule: np.flatnonzero(failed).tolist() for rule, failed in failures.items()}
        groups = self._groups(failures, max_ids_per_rule)
        considered, eligible = self.considered, self.eligible
        return {
            "considered": considered,
            "eligible": eligible,
            "rejected_counts": {rule: len(rows) for rule, rows in rejected.items()},
            "rejected": {rule: [ids[i] for i in rows[:max_ids_per_rule]] for rule, rows in rejected.items()},
            "winner_cost": self.winner_cost.as_dict() if self.winner_cost else None,
            "priority": round(self.priority, 4),
            "relaxation": self.relaxation,
            "residency": self.residency,
            "rejections": [g.as_dict() for g in groups],
            "cost_parts": [p.as_dict() for p in self.cost_parts],
            "runners_up": [r.as_dict() for r in self.runners_up],
            "priority_parts": [p.as_dict() for p in self.priority_parts],
            "relaxation_steps": list(self.relaxation_steps),
            "relaxation_needed": self.relaxation_needed,
            "ranked_first": self.ranked_first,
            "lines": self._lines(eligible, considered, groups),
        }

    def __repr__(self) -> str:
        return (
            f"Explanation(considered={self.considered}, eligible={self.eligible}, "
            f"relaxation={self.relaxation!r})"
        )


def ranking_text(ranking: Ranking, agent_id: str) -> str:
    """Why a freed agent ``agent_id`` took this escalation over the others waiting it could take,
    in words: the rule of the dispatcher's order (priority, then fit, then first in line)."""
    n = ranking.contenders
    if ranking.runner_up is None:
        return f"the only waiting escalation {agent_id} could take"
    head = f"ranked first of {n} waiting that {agent_id} could take"
    mine, theirs = ranking.priority_units / PRIORITY_SCALE, ranking.runner_up_priority_units / PRIORITY_SCALE
    if ranking.priority_units > ranking.runner_up_priority_units:
        return f"{head}: highest priority ({mine:.2f}, next {ranking.runner_up} at {theirs:.2f})"
    fit, other = ranking.cost_units / COST_SCALE, ranking.runner_up_cost_units / COST_SCALE
    if ranking.cost_units < ranking.runner_up_cost_units:
        return (
            f"{head}: equal priority ({mine:.2f}) and {agent_id} fits it better "
            f"(cost {fit:.2f}, {ranking.runner_up} {other:.2f})"
        )
    return f"{head}: equal priority ({mine:.2f}) and fit (cost {fit:.2f}); first in line"


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
    *,
    escalation: Escalation | None = None,
    level: int = 0,
    unrelaxed: Requirement | None = None,
    candidates: Candidates | None = None,
) -> Explanation:
    """The explanation of a decision about an escalation now demanding ``req``.

    ``entry`` is ``req``'s static eligibility, ``offered_before`` the agent rows the escalation was
    offered to already, ``priority`` its priority now, ``relaxation`` the step in force; with
    ``winner`` (an agent row), the winner's cost terms and the runners-up are captured too. With
    ``escalation``, the priority parts; ``level`` relaxation steps are listed, and with
    ``unrelaxed`` (the requirement before relaxation) and a winner, whether the offer needed them.
    ``candidates``, when given, are the escalation's candidate agents and their costs now, as the
    winner was chosen from (the agents passing every rule): the runners-up are read from them
    instead of costing the roster again.
    """
    masks = {name: rule(t, req) for name, rule in LIVE_RULES}
    masks.update(entry.rule_masks)
    not_offered = np.ones(t.n, bool)
    if offered_before:
        not_offered[list(offered_before)] = False
    masks["offered_before"] = not_offered
    present = t.present[: t.n].copy()
    winner_cost = None
    cost_parts: tuple[CostPart, ...] = ()
    runners_up: tuple[RunnerUp, ...] = ()
    needed = None
    if winner is not None:
        # the winner's and the runners-up's terms in one pass (elementwise: the same floats)
        best = _runner_up_rows(t, entry, masks, present, winner, now_s, settings, candidates)
        terms = cost_terms_of_rows(entry, t, np.concatenate(([winner], best)), now_s, settings)
        winner_cost = terms[0]
        cost_parts = cost_parts_of(t, req, winner, now_s, settings, winner_cost)
        runners_up = _runners_up(t, req, best, terms[1:], winner_cost, cost_parts, now_s, settings)
        if level and unrelaxed is not None:
            needed = not all(bool(rule(t, unrelaxed)[winner]) for _, rule in STATIC_RULES)
    priority_parts = () if escalation is None else priority_parts_of(escalation, now_s, settings)
    return Explanation(
        t.ids,
        present,
        masks,
        priority,
        relaxation,
        winner_cost,
        residency_rule(req),
        req=req,
        cost_parts=cost_parts,
        runners_up=runners_up,
        priority_parts=priority_parts,
        relaxation_steps=tuple(step.describe() for step in settings.relaxation[:level]),
        relaxation_needed=needed,
    )


def cost_parts_of(
    t: AgentTable, req: Requirement, row: int, now_s: float, settings: RoutingSettings, terms: CostTerms
) -> tuple[CostPart, ...]:
    """Agent ``row``'s cost ``terms`` for ``req`` as weighted parts with their descriptions, in
    :data:`~routing.cost.COST_TERMS` order; the contributions add up to ``terms.total``."""
    weighted = terms.weighted(settings.weights)
    words = _term_words(t, req, row, now_s)
    return tuple(
        CostPart(name, getattr(settings.weights, name), getattr(terms, name), weighted[name], words[name])
        for name in COST_TERMS
    )


def priority_parts_of(
    escalation: Escalation, now_s: float, settings: RoutingSettings
) -> tuple[PriorityPart, ...]:
    """The escalation's priority at ``now_s`` as customer tier, urgency, trigger and aging, the
    parts :func:`~routing.cost.base_priority` and :func:`~routing.cost.aging_per_s` add up."""
    p = settings.priority
    tier = escalation.customer_tier
    waited_s = max(now_s - escalation.created_s, 0.0)
    return (
        PriorityPart("customer_tier", p.customer_tier.get(tier, 1.0), f"customer tier {tier.value}"),
        PriorityPart(
            "urgency", p.urgency * escalation.urgency, f"urgency {escalation.urgency:g} x {p.urgency:g}"
        ),
        PriorityPart(
            "trigger", p.trigger.get(escalation.trigger, 0.0), f"trigger {escalation.trigger.value}"
        ),
        PriorityPart("aging", aging_per_s(settings) * waited_s, f"waited {_duration(waited_s)}"),
    )


def _runner_up_rows(
    t: AgentTable,
    entry: StaticEligibility,
    masks: Mapping[str, BoolArray],
    present: BoolArray,
    winner: int,
    now_s: float,
    settings: RoutingSettings,
    candidates: Candidates | None = None,
) -> IntArray:
    """The rows of the cheapest eligible agents other than ``winner``, at most :data:`RUNNERS_UP`,
    cheapest first (``candidates``: the eligible agents with their costs, when known; see
    :func:`explain`)."""
    none = np.zeros(0, np.int64)
    if candidates is not None:
        if candidates.totals is None:
            return none  # the winner was the only candidate
        others = candidates.rows != winner
        rows, totals = candidates.rows[others], candidates.totals[others]
        if not rows.size:
            return none
    else:
        ok = present.copy()
        for mask in masks.values():
            ok &= mask
        ok[winner] = False
        rows = np.flatnonzero(ok)
        if not rows.size:
            return none
        totals = costs_now(entry.cost_at(rows), t, rows, now_s, settings)
    best: IntArray = rows[_smallest(totals, RUNNERS_UP)]
    return best


def _runners_up(
    t: AgentTable,
    req: Requirement,
    best: IntArray,
    best_terms: Sequence[CostTerms],
    winner_cost: CostTerms,
    winner_parts: tuple[CostPart, ...],
    now_s: float,
    settings: RoutingSettings,
) -> tuple[RunnerUp, ...]:
    """The runners-up ``best`` (rows, cheapest first, their cost terms ``best_terms``), each with
    the term it lost on against the winner."""
    w = settings.weights
    weights = [getattr(w, name) for name in COST_TERMS]
    out = []
    for row, terms in zip(best.tolist(), best_terms, strict=True):
        weighted = terms.weighted(w)
        diffs = [weighted[name] - p.contribution for name, p in zip(COST_TERMS, winner_parts, strict=True)]
        k = max(range(len(diffs)), key=diffs.__getitem__)  # the first largest, as np.argmax
        lost = diffs[k] > 0 and terms.total >= winner_cost.total
        lost_on = None
        if lost:  # only the term it lost on is put in words
            name = COST_TERMS[k]
            words = _TERM_WORDS[name](t, req, row, now_s)
            lost_on = CostPart(name, weights[k], getattr(terms, name), weighted[name], words)
        out.append(RunnerUp(t.ids[row], terms.total, lost_on, diffs[k] if lost else 0.0))
    return tuple(out)


def _smallest(values: npt.NDArray[np.float64], k: int) -> IntArray:
    """Indices of the ``k`` smallest ``values``, smallest first, ties in index order: what
    ``np.argsort(values, kind="stable")[:k]`` gives, without sorting them all."""
    if values.size <= k:
        return np.argsort(values, kind="stable")
    kth = np.partition(values, k - 1)[k - 1]
    near = np.flatnonzero(values <= kth)  # every value among the k smallest, ties included
    return near[np.argsort(values[near], kind="stable")[:k]]


def _prof(t: AgentTable, row: int, name: str) -> int:
    col = t.skills.get(name)
    return int(t.proficiency[row, col]) if col >= 0 else 0


def _surplus_words(t: AgentTable, req: Requirement, row: int, now_s: float) -> str:
    surplus = ", ".join(f"{name} {_prof(t, row, name)} vs {minimum} needed" for name, minimum in req.skills)
    return "proficiency surplus " + (surplus or "none (no required skills)")


def _preferred_words(t: AgentTable, req: Requirement, row: int, now_s: float) -> str:
    missed = [f"{name} >= {level}" for name, level in req.preferred if _prof(t, row, name) < level]
    if not req.preferred:
        return "no preferred skills"
    if missed:
        return f"preferred skills missed {len(missed)} of {len(req.preferred)} ({', '.join(missed)})"
    return "preferred skills all met"


def _tier_words(t: AgentTable, req: Requirement, row: int, now_s: float) -> str:
    return f"tier {int(t.tier[row])} for a tier-{req.complexity_tier} escalation"


def _breadth_words(t: AgentTable, req: Requirement, row: int, now_s: float) -> str:
    others = other_skills(t, row, skills_used(req.skills, req.preferred))
    if not others:
        return "no other skills"
    shown = ", ".join(f"{name} {level}" for name, level in others[:_OTHER_SKILLS_SHOWN])
    if len(others) > _OTHER_SKILLS_SHOWN:
        shown += f", {len(others) - _OTHER_SKILLS_SHOWN} more"
    return f"{len(others)} other skill{'s' if len(others) > 1 else ''} ({shown})"


def _load_words(t: AgentTable, req: Requirement, row: int, now_s: float) -> str:
    return f"load {int(t.load_total[row])} of {int(t.cap_div[row])} slots"


def _idle_words(t: AgentTable, req: Requirement, row: int, now_s: float) -> str:
    busy = int(t.load_total[row])
    if busy:
        return f"busy with {busy}, not idle"
    return f"idle {_duration(max(now_s - float(t.idle_since_s[row]), 0.0))}"


#: Each cost term of an agent for a requirement in the units a person reads, by term name.
_TERM_WORDS: dict[str, Callable[[AgentTable, Requirement, int, float], str]] = {
    "proficiency_surplus": _surplus_words,
    "preferred_skill_miss": _preferred_words,
    "tier_distance": _tier_words,
    "skill_breadth": _breadth_words,
    "load": _load_words,
    "idle": _idle_words,
}


def _term_words(t: AgentTable, req: Requirement, row: int, now_s: float) -> dict[str, str]:
    """Each cost term of agent ``row`` for ``req`` in the units a person reads."""
    return {name: words(t, req, row, now_s) for name, words in _TERM_WORDS.items()}


def _duration(seconds: float) -> str:
    """``"40 s"``, ``"4 min"``, ``"1.5 min"``, ``"2.5 h"`` (one decimal at most)."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{round(seconds / 60, 1):g} min"
    return f"{round(seconds / 3600, 1):g} h"


def _rule_phrase(rule: str, req: Requirement | None) -> str:
    """Failing ``rule`` in words, after a count ("4 off shift"); the rule's name without ``req``."""
    if req is None:
        return rule
    demanded = req.skills + req.preferred if req.preferred_required else req.skills
    phrases = {
        "status": "not available",
        "on_shift": "off shift",
        "channel": f"no {req.channel.value} channel",
        "skills": "without " + " or ".join(name for name, _ in demanded),
        "proficiency": "below " + ", ".join(f"{name} >= {m}" for name, m in demanded),
        "language": f"not speaking {req.language}",
        "tier": f"tier outside {req.complexity_tier}-{req.max_agent_tier}",
        "customer_tier_policy": f"below tier {req.policy_min_tier} (customer-tier policy)",
        "region": "outside region " + " or ".join(sorted(req.regions or ())),
        "capacity": f"no free {req.channel.value} slot",
        "offered_before": "offered it already",
    }
    return phrases.get(rule, rule)


def residency_rule(req: Requirement) -> str | None:
    """The data residency rule ``req`` carries, in words; ``None`` when the customer has no region."""
    if req.regions is None:
        return None
    rule = f"data residency: only agents who list {' or '.join(sorted(req.regions))}"
    if req.regionless_agents:
        return rule + ", or no region (regionless_agents_serve_any_region is on)"
    return rule + "; agents who list no region are not offered it (the default)"
