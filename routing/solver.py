"""The batch assignment: which waiting escalations go to which agent slots, all at once.

Why min-cost flow (OR-Tools ``SimpleMinCostFlow``) and not linear sum assignment or CP-SAT:

* agents hold several slots (a cap per channel, and optionally a total cap across channels);
  a flow network expresses that exactly as arc capacities (escalation -> agent-channel -> agent ->
  sink), where linear sum assignment would need one column per slot and no shared total cap;
* not every escalation can be served: an "unserved" arc per escalation, priced at its priority
  times a constant larger than any possible total of costs, makes the optimum lexicographic --
  first the most priority-weighted escalations served, then the least cost among those. When
  the flow can serve everyone those arcs change nothing but the solve time (their huge costs
  add scaling phases), so that network is solved first without them, and only if it proves
  infeasible with them;
* it is exact and polynomial; on the pruned graphs we build it solves 1,000 x 5,000 in tens of
  milliseconds, where CP-SAT needs seconds for the same model.

Model, in the order it is built::

    data        priority[e], arcs (e, agent, channel, cost), free[agent, channel], free_total[agent]
    variables   flow on each arc; flow(e -> agent-channel) == 1 iff e goes to that agent
    constraints each escalation sends one unit: served on one eligible arc, or unserved
                agent-channel node passes at most free[agent, channel] units
                agent node passes at most free_total[agent] units
    objective   min  sum cost(e, a) * x[e, a]  +  K * sum priority[e] * unserved[e]

OR-Tools is imported at the first solve, not with this module. Its min-cost flow cannot be
interrupted and holds the GIL while it runs, so the time limit is enforced *before* the solve: if
building took the time or the graph is too large to solve in what is left (estimated from arc
count), the greedy result is returned with status ``TIME_LIMIT``.
"No pair is feasible" and a failed solve are statuses too; this module never raises for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from routing.roster import IntArray

#: Solve time per arc of OR-Tools' min-cost flow on the graphs the dispatcher builds, measured by
#: tests/benchmarks/bench_router.py on a 2-core x86 machine (1.7-2.5 us, growing with size), with
#: headroom; used only to decide whether a solve fits the time limit.
SOLVE_SECONDS_PER_ARC = 3.0e-6


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  #: best over every pair in the problem
    TIME_LIMIT = "time_limit"  #: the solve would not fit the time limit; greedy result returned
    NO_FEASIBLE_PAIR = "no_feasible_pair"  #: no escalation has an agent with a free slot
    SOLVER_FAILED = "solver_failed"  #: the flow solver did not report optimal; greedy result returned


@dataclass(frozen=True, slots=True)
class AssignmentProblem:
    """Escalations ``0..E-1``, agents ``0..A-1`` and the eligible (escalation, agent) arcs.

    ``priority`` and ``arc_cost`` are integer units (see :mod:`routing.cost`); every arc is an
    eligible pair whose agent had a slot on the arc's channel when the problem was built.
    """

    priority: IntArray  # [E] >= 1
    arc_esc: IntArray  # [M]
    arc_agent: IntArray  # [M]
    arc_channel: IntArray  # [M]
    arc_cost: IntArray  # [M] >= 0
    free: IntArray  # [A, C]
    free_total: IntArray  # [A]

    @property
    def n_escalations(self) -> int:
        return len(self.priority)

    @property
    def n_arcs(self) -> int:
        return len(self.arc_esc)


@dataclass(frozen=True, slots=True)
class AssignmentResult:
    status: SolveStatus
    agent_of: IntArray  # [E] agent index, or -1 when unserved
    arc_of: IntArray  # [E] arc index used, or -1
    served_priority: int
    cost: int
    solve_s: float

    def value(self) -> tuple[int, int]:
        """Lexicographic objective: (priority served, -cost). Larger is better."""
        return self.served_priority, -self.cost


def _result(
    problem: AssignmentProblem, status: SolveStatus, arc_of: IntArray, started: float
) -> AssignmentResult:
    used = arc_of >= 0
    agent_of = np.full(problem.n_escalations, -1, np.int64)
    agent_of[used] = problem.arc_agent[arc_of[used]]
    return AssignmentResult(
        status=status,
        agent_of=agent_of,
        arc_of=arc_of,
        served_priority=int(problem.priority[used].sum()),
        cost=int(problem.arc_cost[arc_of[used]].sum()),
        solve_s=time.perf_counter() - started,
    )


def unique_below(values: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """``np.unique(values, return_inverse=True)`` for values in ``0..size-1``: the distinct values
    ascending, and each value's index among them. By a mask and a running count instead of a sort
    (linear in ``size`` and ``len(values)``; a sort was a few percent of a batch build and solve)."""
    seen = np.zeros(size, bool)
    seen[values] = True
    index = np.cumsum(seen) - 1
    return np.flatnonzero(seen), index[values]


def solve_greedy(problem: AssignmentProblem, status: SolveStatus = SolveStatus.OPTIMAL) -> AssignmentResult:
    """Baseline: escalations by priority (highest first), each to its cheapest agent with a slot left.

    Not optimal in general (an early pick can take the only agent a later escalation could use);
    it is the fallback, the yardstick in benchmarks, and exact when there is one escalation or one
    agent.
    """
    started = time.perf_counter()
    arc_of = np.full(problem.n_escalations, -1, np.int64)
    if problem.n_arcs == 0:
        return _result(problem, SolveStatus.NO_FEASIBLE_PAIR, arc_of, started)
    free = problem.free.copy()
    free_total = problem.free_total.copy()
    order = np.lexsort((problem.arc_cost, problem.arc_esc, -problem.priority[problem.arc_esc]))
    esc, agent, channel = problem.arc_esc[order], problem.arc_agent[order], problem.arc_channel[order]
    for k, arc in enumerate(order.tolist()):
        e, a, c = int(esc[k]), int(agent[k]), int(channel[k])
        if arc_of[e] < 0 and free[a, c] > 0 and free_total[a] > 0:
            arc_of[e] = arc
            free[a, c] -= 1
            free_total[a] -= 1
    return _result(problem, status, arc_of, started)


def solve_assignment(problem: AssignmentProblem, time_limit_s: float) -> AssignmentResult:
    """Optimal assignment by min-cost flow, within ``time_limit_s`` (else the greedy result)."""
    started = time.perf_counter()
    E, M = problem.n_escalations, problem.n_arcs
    if M == 0:
        return _result(problem, SolveStatus.NO_FEASIBLE_PAIR, np.full(E, -1, np.int64), started)
    if time_limit_s < M * SOLVE_SECONDS_PER_ARC:
        return solve_greedy(problem, SolveStatus.TIME_LIMIT)

    # Everyone served is the common batch (a shift starts, a queue drains): then the optimum
    # serves all and only the costs matter, and the solve without the penalised "unserved" arcs
    # is 2-3x faster (their huge costs add scaling phases). When the slots cannot hold everyone,
    # or the flow shows it cannot, the same network with those arcs decides who goes unserved.
    flow, first_pair, sink = _flow_network(problem)
    status = flow.solve() if int(problem.free_total.sum()) >= E else None
    if status != flow.OPTIMAL:
        _add_unserved_arcs(flow, problem, sink)
        if flow.solve() != flow.OPTIMAL:
            return solve_greedy(problem, SolveStatus.SOLVER_FAILED)
    pair_arcs = (
        np.arange(first_pair, first_pair + M, dtype=np.int64) if np.ndim(first_pair) == 0 else first_pair
    )
    used = np.flatnonzero(flow.flows(pair_arcs) > 0)
    arc_of = np.full(E, -1, np.int64)
    arc_of[problem.arc_esc[used]] = used
    return _result(problem, SolveStatus.OPTIMAL, arc_of, started)


def _flow_network(problem: AssignmentProblem) -> tuple[Any, Any, int]:
    """The min-cost-flow network of ``problem`` in which every escalation must be served (its
    solve reports INFEASIBLE when they cannot all be), the index of its first pair arc, and its
    sink node.

    Nodes: source, escalations (``1..E``), agent-channel slots, agents, sink.
    """
    # Imported at the first solve rather than with the module: most decisions take a fast path
    # and never solve, and loading OR-Tools is most of the routing core's import time.
    from ortools.graph.python import min_cost_flow

    E, M = problem.n_escalations, problem.n_arcs
    n_channels = problem.free.shape[1]
    slot_key = problem.arc_agent * n_channels + problem.arc_channel
    slot_keys, arc_slot = unique_below(slot_key, problem.free.size)
    agents, slot_agent = unique_below(slot_keys // n_channels, problem.free.shape[0])
    S, A = len(slot_keys), len(agents)
    source, esc0, slot0, agent0 = 0, 1, 1 + E, 1 + E + S
    sink = agent0 + A

    flow = min_cost_flow.SimpleMinCostFlow()
    # variables, with the constraints as capacities:
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(E, source, np.int64),
        np.arange(esc0, esc0 + E, dtype=np.int64),
        np.ones(E, np.int64),
        np.zeros(E, np.int64),
    )
    first_pair = flow.add_arcs_with_capacity_and_unit_cost(
        esc0 + problem.arc_esc, slot0 + arc_slot, np.ones(M, np.int64), problem.arc_cost
    )
    slot_agents = agents[slot_agent]
    flow.add_arcs_with_capacity_and_unit_cost(
        slot0 + np.arange(S, dtype=np.int64),
        agent0 + slot_agent,
        problem.free[slot_agents, slot_keys % n_channels],
        np.zeros(S, np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        agent0 + np.arange(A, dtype=np.int64),
        np.full(A, sink, np.int64),
        problem.free_total[agents],
        np.zeros(A, np.int64),
    )
    flow.set_node_supply(source, E)
    flow.set_node_supply(sink, -E)
    return flow, first_pair, sink


def _add_unserved_arcs(flow: Any, problem: AssignmentProblem, sink: int) -> None:
    """Give each escalation of ``flow`` (:func:`_flow_network`) an arc straight to ``sink``,
    priced at its priority times K: K exceeds any total of costs, so one more unit of priority
    served always wins, and an escalation nobody can take leaves by it."""
    E = problem.n_escalations
    big = int(problem.arc_cost.max(initial=0)) * E + 1
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(1, 1 + E, dtype=np.int64),
        np.full(E, sink, np.int64),
        np.ones(E, np.int64),
        big * problem.priority,
    )
