"""The waiting queue on its own: priority order, arrival order on ties, groups per requirement,
and positions counted only among those competing for the same agents."""

from __future__ import annotations

from dataclasses import dataclass

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
    return WaitingQueue(table, EligibilityCache(table, SETTINGS), SETTINGS)


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


def test_position_counts_only_competitors_and_eta_follows_caps() -> None:
    # one billing agent (2 chat slots) and one tech agent: billing and tech never compete
    queue = queue_with(
        Agent("ana", {"billing": 3}, channel_caps={Channel.CHAT: 2}),
        Agent("bo", {"tech": 3}, channel_caps={Channel.CHAT: 1}),
    )
    first, second = waiting("b1", 2.0, 0), waiting("b2", 1.0, 1)
    tech = waiting("t1", 5.0, 2, "tech")
    for w in (first, second, tech):
        queue.add(w)
    assert queue.estimate(first, T0)[0] == 1
    position, eta_s = queue.estimate(second, T0)
    assert position == 2
    # no completions seen yet: 2 slots over the default chat handle time (600 s)
    assert eta_s == 2 / (2 / 600.0)
    assert queue.estimate(tech, T0) == (1, 1 / (1 / 600.0))


def test_nobody_staffed_means_no_eta() -> None:
    queue = queue_with()
    only = waiting("e1", 1.0, 0)
    queue.add(only)
    assert queue.estimate(only, T0) == (1, None)
