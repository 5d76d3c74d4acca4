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
