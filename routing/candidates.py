"""Candidates: the (escalation, agent) pairs that could be offered now, and the best of them.

A candidate pair is eligible (:mod:`routing.eligibility`), the agent has a free slot on the
escalation's channel, and the escalation was never offered to that agent before. The dispatcher's
three ways of restoring its invariant each pick from them here:

* :func:`cheapest_agent` -- one escalation, its cheapest candidate agent (fast path A);
* :func:`best_waiting` -- one agent, the waiting escalation it serves best (fast path B);
* :func:`candidate_graph` -- everything at once, the pruned graph the batch solve works on.

All three compare what the solver compares: priority units first, then cost units
(:mod:`routing.cost`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

import numpy as np

from routing.cost import cost_unit, cost_units, costs_now, live_cost_terms, live_terms_of, priority_units
from routing.eligibility import EligibilityCache, Requirement, StaticEligibility
from routing.ledger import LiveEscalation
from routing.roster import AgentTable, FloatArray, IntArray
from routing.settings import RoutingSettings
from routing.solver import AssignmentProblem, unique_below
from routing.waiting_queue import WaitingQueue


def free_agents(esc: LiveEscalation, entry: StaticEligibility, t: AgentTable) -> IntArray:
    """Rows of the candidate agents of ``esc``, whose requirement's static eligibility is ``entry``."""
    mask = entry.mask & t.free_mask(esc.req.channel_col)
    if esc.excluded:
        mask[list(esc.excluded)] = False
    return mask.nonzero()[0]


def cheapest_agent(
    esc: LiveEscalation, entry: StaticEligibility, t: AgentTable, now_s: float, settings: RoutingSettings
) -> int | None:
    """The row of the cheapest candidate agent of ``esc`` now; ``None`` when it has none."""
    found = cheapest_candidate(esc, entry, t, now_s, settings)
    return None if found is None else found[0]


def cheapest_candidate(
    esc: LiveEscalation, entry: StaticEligibility, t: AgentTable, now_s: float, settings: RoutingSettings
) -> tuple[int, Candidates] | None:
    """:func:`cheapest_agent`, with the candidates it chose from (for the explanation's runners-up)."""
    rows = free_agents(esc, entry, t)
    if rows.size == 0:
        return None
    if rows.size == 1:
        return int(rows[0]), Candidates(rows, None)
    # the float argmin rounds to the least cost unit too (rounding is monotone)
    totals = costs_now(entry.cost_at(rows), t, rows, now_s, settings)
    return int(rows[int(totals.argmin())]), Candidates(rows, totals)


@dataclass(frozen=True, slots=True)
class Candidates:
    """The candidate agents of one escalation at one moment: their ``rows`` (ascending) and total
    costs (aligned; ``None`` when there is one row and nothing was compared)."""

    rows: IntArray
    totals: FloatArray | None


@dataclass(frozen=True, slots=True)
class Ranking:
    """How a freed agent's pick compared with the other waiting escalations it could take:
    ``contenders`` (the pick included; only the head of each requirement group contends), the
    pick's priority and cost units, and the next best's (``runner_up``: its id; ``None`` when the
    pick was the only one)."""

    contenders: int
    priority_units: int
    cost_units: int
    runner_up: str | None = None
    runner_up_priority_units: int = 0
    runner_up_cost_units: int = 0


def best_waiting(
    row: int,
    queue: WaitingQueue,
    active: Mapping[str, LiveEscalation],
    cache: EligibilityCache,
    t: AgentTable,
    aging_now: float,
    now_s: float,
    settings: RoutingSettings,
) -> tuple[LiveEscalation, StaticEligibility, Ranking] | None:
    """The queued escalation agent ``row`` serves best now, with its static eligibility and how it
    ranked; ``None`` when the agent is a candidate for none. ``aging_now`` is the aging rate times
    ``now_s``.

    Best = highest priority units, then least cost units: the solver's lexicographic objective
    (equal in both: the group that formed first). Only the first candidate of each requirement
    group can win (the group is in priority order and shares this agent's cost), and only the
    groups the agent is statically eligible for are looked at (the queue's index of them).
    """
    best: tuple[int, int, LiveEscalation, StaticEligibility] | None = None
    second: tuple[int, int, LiveEscalation] | None = None
    contenders = 0
    load_term, idle_term = live_terms_of(t, row, now_s, settings)
    free = (t.load[row] < t.cap[row]).tolist()
    for req, group in queue.serving(row):  # the groups whose static mask holds ``row``
        if not free[req.channel_col]:
            continue
        entry = cache.get(req)
        for _, _, esc_id in group:
            esc = active[esc_id]
            if row in esc.excluded:
                continue
            contenders += 1
            prio = priority_units(esc.key + aging_now)
            cost = cost_unit(float(entry.cost[row]), load_term, idle_term)
            if best is None or prio > best[0] or (prio == best[0] and cost < best[1]):
                if best is not None:
                    second = (best[0], best[1], best[2])
                best = (prio, cost, esc, entry)
            elif second is None or prio > second[0] or (prio == second[0] and cost < second[1]):
                second = (prio, cost, esc)
            break
    if best is None:
        return None
    ranking = Ranking(contenders, best[0], best[1])
    if second is not None:
        ranking = Ranking(contenders, best[0], best[1], second[2].spec.id, second[0], second[1])
    return best[2], best[3], ranking


@dataclass(frozen=True, slots=True)
class CandidateGraph:
    """The assignment problem, and how to read its agents and escalations back."""

    problem: AssignmentProblem
    agents: IntArray  # problem agent index -> agent table row
    pruned: frozenset[int]  # escalations (indices) whose candidates were cut to the cheapest


def candidate_graph(
    reqs: Sequence[Requirement],
    offered_before: Sequence[Set[int]],
    priority: IntArray,
    cache: EligibilityCache,
    t: AgentTable,
    now_s: float,
    settings: RoutingSettings,
) -> CandidateGraph | None:
    """The graph over escalations ``0..E-1``: ``reqs[e]`` is what escalation ``e`` demands now,
    ``offered_before[e]`` the agent rows it may not go back to, ``priority[e]`` its priority in
    units. ``None`` when no escalation has an eligible agent with a free slot.
    """
    groups: dict[Requirement, list[int]] = {}
    for i, req in enumerate(reqs):
        groups.setdefault(req, []).append(i)
    group_reqs = list(groups)
    # the eligible free agents and their costs for every group at once (elementwise, so each
    # group's costs are the very floats costs_now gives its rows), ordered by group, then row
    within = {col: t.free_mask(col) for col in {req.channel_col for req in group_reqs}}
    of, rows_of = cache.eligible_pairs(group_reqs, within)
    # the live cost terms of every agent once, then read at each pair
    w = settings.weights
    load, idle = live_cost_terms(t, np.arange(t.n), now_s, settings)
    live_load, live_idle = w.load * load, w.idle * idle
    total = cache.static_costs(group_reqs, of, rows_of)
    total += live_load[rows_of]  # in place: (static + load) + idle, as costs_now adds them
    total += live_idle[rows_of]
    costs_of = cost_units(total)
    bounds = np.searchsorted(of, np.arange(len(group_reqs) + 1)).tolist()
    arc_esc: list[int] = []  # per member of a group with candidates: its index, agents, costs, channel
    arc_row: list[IntArray] = []
    arc_cost: list[IntArray] = []
    arc_channel: list[int] = []
    pruned: set[int] = set()
    k_min = settings.solver.candidates_per_escalation
    for g, (req, members) in enumerate(groups.items()):
        lo, hi = bounds[g], bounds[g + 1]
        if lo == hi:
            continue
        rows, costs = rows_of[lo:hi], costs_of[lo:hi]
        max_excluded = max(len(offered_before[i]) for i in members)
        keep = max(k_min, 2 * len(members)) + max_excluded
        if rows.size > keep:
            top = np.argpartition(costs, keep)[:keep]
            rows, costs = rows[top], costs[top]
            pruned.update(members)
        for i in members:
            excluded = offered_before[i]
            if excluded:
                ok = ~np.isin(rows, list(excluded))
                r, c = rows[ok], costs[ok]
            else:
                r, c = rows, costs
            arc_esc.append(i)
            arc_row.append(r)
            arc_cost.append(c)
            arc_channel.append(req.channel_col)
    if not arc_esc:
        return None
    # each member's index and channel repeated over its arcs at the end, in one call each (a call
    # per member was a few percent of a batch over a thousand escalations)
    sizes = [r.size for r in arc_row]
    agents, local = unique_below(np.concatenate(arc_row), t.n)
    problem = AssignmentProblem(
        priority=priority,
        arc_esc=np.repeat(np.array(arc_esc, np.int64), sizes),
        arc_agent=local,
        arc_channel=np.repeat(np.array(arc_channel, np.int64), sizes),
        arc_cost=np.concatenate(arc_cost),
        free=t.cap[agents] - t.load[agents],
        free_total=t.cap_total[agents] - t.load_total[agents],
    )
    return CandidateGraph(problem, agents, frozenset(pruned))
