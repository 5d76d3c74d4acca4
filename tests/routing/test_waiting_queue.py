"""The waiting queue on its own: priority order, arrival order on ties, groups per requirement,
and positions counted only among those competing for the same agents."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from routing.domain import Agent, AgentStatus, Channel, Escalation
from routing.eligibility import EligibilityCache, Requirement, requirement_at
from routing.roster import AgentTable
from routing.settings import RoutingSettings
from routing.waiting_queue import QueueEntry, WaitingQueue

T0 = 1_700_000_000.0
SETTINGS = RoutingSettings()


@dataclass
class Waiting:
    req: Requirement
    queue_entry: QueueEntry


def requirement(skill: str) -> Requirement:
    return requirement_at(Escalation(f"any-{skill}", T0, Channel.CHAT, {skill: 1}), 0, SETTINGS)


def queue_with(*agents: Agent) -> WaitingQueue:
    table = AgentTable()
    for agent in agents:
        table.set_status(table.upsert(agent, T0), AgentStatus.AVAILABLE)
    return WaitingQueue(table, EligibilityCache(table, SETTINGS))


def waiting(esc_id: str, priority: float, seq: int, skill: str = "billing") -> Waiting:
    return Waiting(requirement(skill), (-priority, seq, esc_id))


@given(
    st.lists(st.tuples(st.sampled_from([1.0, 2.0, 3.0]), st.sampled_from(["billing", "tech"])), max_size=30)
)
def test_highest_priority_first_then_arrival_order(items: list[tuple[float, str]]) -> None:
    queue = queue_with()
    for seq, (priority, skill) in enumerate(items):
        queue.add(waiting(f"e{seq}", priority, seq, skill))
    expected = [f"e{seq}" for seq, _ in sorted(enumerate(items), key=lambda it: (-it[1][0], it[0]))]
    assert queue.ids_by_priority() == expected
    for req, group in queue.groups():
        assert group == sorted(group), req
    assert sorted(queue.ids()) == sorted(expected)


def test_remove_takes_out_exactly_one_and_drops_empty_groups() -> None:
    queue = queue_with()
    a, b, c = waiting("a", 2.0, 0), waiting("b", 1.0, 1), waiting("c", 1.0, 2, "tech")
    for w in (a, b, c):
        queue.add(w)
    queue.remove(a)
    assert queue.ids_by_priority() == ["b", "c"]
    queue.remove(c)
    assert [req for req, _ in queue.groups()] == [b.req]
    queue.remove(b)
    assert not queue


def test_only_competitors_count_ahead_weighted_by_the_agents_they_share() -> None:
    # ana: billing only; bo: billing and tech; cy: tech only
    table_agents = (
        Agent("ana", {"billing": 3}),
        Agent("bo", {"billing": 3, "tech": 3}),
        Agent("cy", {"tech": 3}),
    )
    queue = queue_with(*table_agents)
    b1, b2 = waiting("b1", 5.0, 0), waiting("b2", 1.0, 3)
    t1, t2 = waiting("t1", 4.0, 1, "tech"), waiting("t2", 3.0, 2, "tech")
    for w in (b1, b2, t1, t2):
        queue.add(w)
    everyone = np.ones(3, bool)
    assert queue.ahead(b1, everyone) == (1, 0.0)
    # b2 waits behind b1 (its own group, in full) and both tech ones, who share bo with it
    assert queue.ahead(b2, everyone) == (4, 1.0 + 2 * 1.0)
    only_ana = np.array([True, False, False])
    assert queue.ahead(b2, only_ana) == (2, 1.0)  # tech work never falls on ana
    ana_and_bo = np.array([True, True, False])
    # half of the tech group's agents (bo of bo and cy) are b2's: each tech one ahead counts half
    assert queue.ahead(b2, ana_and_bo) == (4, 1.0 + 2 * 0.5)


# ---------------------------------------------------------------------------- the group index
def naive_ahead(
    queue: WaitingQueue, cache: EligibilityCache, w: Waiting, pool: np.ndarray
) -> tuple[int, float]:
    """:meth:`WaitingQueue.ahead` as it reads: every group, its mask over the pool's rows."""
    count, weighted = 0, 0.0
    rows = np.flatnonzero(pool)
    for other, group in queue.groups():
        before = sum(1 for e in group if e < w.queue_entry)
        mask = cache.get(other).mask
        shared = int(np.count_nonzero(mask[rows]))
        if before == 0 or shared == 0:
            continue
        count += before
        weighted += before if other == w.req else before * shared / max(int(mask.sum()), 1)
    return count + 1, weighted


STAFF = (
    Agent("ana", {"billing": 3}),
    Agent("bo", {"billing": 1, "tech": 3}),
    Agent("cy", {"tech": 2, "legal": 4}),
    Agent("di", {"legal": 2, "billing": 5}),
    Agent("ed", {"tech": 5}),
    Agent("fay", {"billing": 2, "tech": 2, "legal": 2}),
    Agent("gus", {"legal": 1}),
    Agent("hal", {"refunds": 3}),
    Agent("ivy", {"billing": 4, "refunds": 1}),
)


@given(
    st.lists(
        st.tuples(
            st.booleans(),  # add (True) or remove the oldest of that skill
            st.sampled_from(["billing", "tech", "legal", "refunds"]),
            st.sampled_from([1.0, 2.0, 3.0]),
            st.booleans(),  # re-save a profile first (the index is rebuilt)
        ),
        max_size=40,
    ),
    st.lists(st.booleans(), min_size=len(STAFF), max_size=len(STAFF)),
)
def test_the_index_finds_the_groups_a_mask_walk_finds(
    steps: list[tuple[bool, str, float, bool]], pool_bits: list[bool]
) -> None:
    table = AgentTable()
    for agent in STAFF:
        table.set_status(table.upsert(agent, T0), AgentStatus.AVAILABLE)
    cache = EligibilityCache(table, SETTINGS)
    queue = WaitingQueue(table, cache)
    queued: list[Waiting] = []
    pool = np.array(pool_bits)
    for seq, (add, skill, priority, resave) in enumerate(steps):
        if resave:
            table.upsert(STAFF[seq % len(STAFF)], T0)
        if add:
            w = waiting(f"e{seq}", priority, seq, skill)
            queue.add(w)
            queued.append(w)
        else:
            mine = [w for w in queued if w.req == requirement(skill)]
            if mine:
                queue.remove(mine[0])
                queued.remove(mine[0])
        for row in range(table.n):
            expected = [(req, g) for req, g in queue.groups() if cache.get(req).mask[row]]
            assert queue.serving(row) == expected
        for w in queued:
            assert queue.ahead(w, pool) == naive_ahead(queue, cache, w, pool)
