"""The batch assignment: min-cost flow against brute force, greedy, and metamorphic relations."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from routing.solver import AssignmentProblem, SolveStatus, solve_assignment, solve_greedy, unique_below

N_CHANNELS = 2


@st.composite
def problems(draw: st.DrawFn, max_esc: int = 6, max_agents: int = 4) -> AssignmentProblem:
    n_esc = draw(st.integers(1, max_esc))
    n_agents = draw(st.integers(1, max_agents))
    channel_of = [draw(st.integers(0, N_CHANNELS - 1)) for _ in range(n_esc)]
    arcs = [
        (e, a, channel_of[e], draw(st.integers(0, 50)))
        for e in range(n_esc)
        for a in range(n_agents)
        if draw(st.booleans())
    ]
    free = np.array(
        [[draw(st.integers(0, 2)) for _ in range(N_CHANNELS)] for _ in range(n_agents)], np.int64
    ).reshape(n_agents, N_CHANNELS)
    free_total = np.array([draw(st.integers(0, 3)) for _ in range(n_agents)], np.int64)
    cols = list(zip(*arcs, strict=True)) if arcs else [(), (), (), ()]
    return AssignmentProblem(
        priority=np.array([draw(st.integers(1, 5)) for _ in range(n_esc)], np.int64),
        arc_esc=np.array(cols[0], np.int64),
        arc_agent=np.array(cols[1], np.int64),
        arc_channel=np.array(cols[2], np.int64),
        arc_cost=np.array(cols[3], np.int64),
        free=free,
        free_total=free_total,
    )


def brute_force_value(p: AssignmentProblem) -> tuple[int, int]:
    """Best (priority served, -cost) over every assignment, by enumeration."""
    options: list[list[int]] = [[-1] for _ in range(p.n_escalations)]
    for k in range(p.n_arcs):
        options[int(p.arc_esc[k])].append(k)
    best = (0, 0)
    for choice in itertools.product(*options):
        used = [k for k in choice if k >= 0]
        free, total = p.free.copy(), p.free_total.copy()
        ok = True
        for k in used:
            a, c = int(p.arc_agent[k]), int(p.arc_channel[k])
            free[a, c] -= 1
            total[a] -= 1
            ok &= free[a, c] >= 0 and total[a] >= 0
        if ok:
            value = (
                sum(int(p.priority[p.arc_esc[k]]) for k in used),
                -sum(int(p.arc_cost[k]) for k in used),
            )
            best = max(best, value)
    return best


def is_feasible(p: AssignmentProblem, agent_of: np.ndarray, arc_of: np.ndarray) -> bool:
    free, total = p.free.copy(), p.free_total.copy()
    for e, k in enumerate(arc_of.tolist()):
        if k < 0:
            assert agent_of[e] == -1
            continue
        assert p.arc_esc[k] == e
        assert p.arc_agent[k] == agent_of[e]
        a, c = int(p.arc_agent[k]), int(p.arc_channel[k])
        free[a, c] -= 1
        total[a] -= 1
    return bool((free >= 0).all() and (total >= 0).all())


@given(problems())
def test_min_cost_flow_matches_brute_force(p: AssignmentProblem) -> None:
    result = solve_assignment(p, time_limit_s=5)
    assert is_feasible(p, result.agent_of, result.arc_of)
    if p.n_arcs:
        assert result.status is SolveStatus.OPTIMAL
    assert result.value() == brute_force_value(p)


@given(problems())
def test_a_batch_with_room_for_everyone_reaches_the_same_optimum(p: AssignmentProblem) -> None:
    # room for every escalation: solved without the "unserved" arcs when each has an arc, and
    # with them (after the flow proves it cannot serve all) when one has none
    e = p.n_escalations
    roomy = replace(p, free=np.full_like(p.free, e), free_total=np.full_like(p.free_total, e))
    result = solve_assignment(roomy, time_limit_s=5)
    assert is_feasible(roomy, result.agent_of, result.arc_of)
    assert result.value() == brute_force_value(roomy)
    everyone_has_an_arc = set(roomy.arc_esc.tolist()) == set(range(e))
    assert (result.agent_of >= 0).all() == everyone_has_an_arc


@given(problems())
def test_greedy_is_feasible_and_never_beats_the_solver(p: AssignmentProblem) -> None:
    greedy = solve_greedy(p)
    assert is_feasible(p, greedy.agent_of, greedy.arc_of)
    assert greedy.value() <= solve_assignment(p, time_limit_s=5).value()


@given(problems(max_esc=8, max_agents=5), st.data())
def test_adding_an_agent_never_lowers_the_priority_served(p: AssignmentProblem, data: st.DataObject) -> None:
    before = solve_assignment(p, time_limit_s=5)
    new_agent = p.free.shape[0]
    extra = [e for e in range(p.n_escalations) if data.draw(st.booleans())]
    channel_of = {int(e): int(c) for e, c in zip(p.arc_esc, p.arc_channel, strict=True)}
    extra = [e for e in extra if e in channel_of]
    bigger = replace(
        p,
        arc_esc=np.concatenate([p.arc_esc, np.array(extra, np.int64)]),
        arc_agent=np.concatenate([p.arc_agent, np.full(len(extra), new_agent, np.int64)]),
        arc_channel=np.concatenate([p.arc_channel, np.array([channel_of[e] for e in extra], np.int64)]),
        arc_cost=np.concatenate(
            [p.arc_cost, np.array([data.draw(st.integers(0, 50)) for _ in extra], np.int64)]
        ),
        free=np.vstack([p.free, np.full((1, N_CHANNELS), 1, np.int64)]),
        free_total=np.concatenate([p.free_total, np.array([2], np.int64)]),
    )
    after = solve_assignment(bigger, time_limit_s=5)
    assert after.value() >= before.value()
    assert after.served_priority >= before.served_priority


@given(problems(max_esc=8, max_agents=5), st.integers(0, 4))
def test_raising_a_cap_never_assigns_fewer(p: AssignmentProblem, agent_pick: int) -> None:
    a = agent_pick % p.free.shape[0]
    before = solve_assignment(p, time_limit_s=5)
    free = p.free.copy()
    free[a] += 1
    free_total = p.free_total.copy()
    free_total[a] += 1
    after = solve_assignment(replace(p, free=free, free_total=free_total), time_limit_s=5)
    assert int((after.agent_of >= 0).sum()) >= int((before.agent_of >= 0).sum())
    assert after.value() >= before.value()


def test_priority_comes_before_cost() -> None:
    """One slot, two escalations: the higher priority wins even at a far higher cost."""
    p = AssignmentProblem(
        priority=np.array([1, 2], np.int64),
        arc_esc=np.array([0, 1], np.int64),
        arc_agent=np.array([0, 0], np.int64),
        arc_channel=np.array([0, 0], np.int64),
        arc_cost=np.array([0, 10_000], np.int64),
        free=np.array([[1, 0]], np.int64),
        free_total=np.array([1], np.int64),
    )
    result = solve_assignment(p, time_limit_s=1)
    assert result.agent_of.tolist() == [-1, 0]


def test_total_cap_binds_across_channels() -> None:
    """An agent with chat 2 and voice 1 but a total cap of 2 takes only two of three."""
    p = AssignmentProblem(
        priority=np.array([1, 1, 1], np.int64),
        arc_esc=np.array([0, 1, 2], np.int64),
        arc_agent=np.array([0, 0, 0], np.int64),
        arc_channel=np.array([0, 0, 1], np.int64),
        arc_cost=np.array([1, 2, 3], np.int64),
        free=np.array([[2, 1]], np.int64),
        free_total=np.array([2], np.int64),
    )
    result = solve_assignment(p, time_limit_s=1)
    assert int((result.agent_of >= 0).sum()) == 2
    assert result.cost == 3


def test_no_feasible_pair_is_a_status_not_an_exception() -> None:
    p = AssignmentProblem(
        priority=np.array([3], np.int64),
        arc_esc=np.zeros(0, np.int64),
        arc_agent=np.zeros(0, np.int64),
        arc_channel=np.zeros(0, np.int64),
        arc_cost=np.zeros(0, np.int64),
        free=np.zeros((0, N_CHANNELS), np.int64),
        free_total=np.zeros(0, np.int64),
    )
    assert solve_assignment(p, time_limit_s=1).status is SolveStatus.NO_FEASIBLE_PAIR
    assert solve_greedy(p).status is SolveStatus.NO_FEASIBLE_PAIR


def test_time_limit_too_short_falls_back_to_greedy_with_status() -> None:
    rng = np.random.default_rng(7)
    n_esc, n_agents, per = 200, 300, 50
    arc_esc = np.repeat(np.arange(n_esc), per)
    p = AssignmentProblem(
        priority=rng.integers(1, 5, n_esc),
        arc_esc=arc_esc,
        arc_agent=rng.integers(0, n_agents, n_esc * per),
        arc_channel=np.zeros(n_esc * per, np.int64),
        arc_cost=rng.integers(0, 100, n_esc * per),
        free=np.ones((n_agents, N_CHANNELS), np.int64),
        free_total=np.ones(n_agents, np.int64),
    )
    result = solve_assignment(p, time_limit_s=1e-6)
    assert result.status is SolveStatus.TIME_LIMIT
    assert is_feasible(p, result.agent_of, result.arc_of)
    assert (result.agent_of >= 0).sum() > 0


@given(st.lists(st.integers(0, 30), max_size=40), st.integers(0, 5))
def test_unique_below_is_np_unique(values: list[int], headroom: int) -> None:
    a = np.array(values, np.int64)
    distinct_values, index = unique_below(a, max(values, default=-1) + 1 + headroom)
    expected, expected_index = np.unique(a, return_inverse=True)
    assert distinct_values.tolist() == expected.tolist()
    assert index.tolist() == expected_index.tolist()
