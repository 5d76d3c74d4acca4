"""The batch solve's problem build, done for every requirement group at once, against the
straightforward build group by group from the eligibility cache's entries: the very same pairs,
floats, cost units and arcs (in the same order: the flow solver's choice among equal-cost optima
follows the order of its arcs, so an equal objective would not be enough)."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from unittest.mock import patch

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import routing.eligibility as eligibility
from routing.candidates import CandidateGraph, candidate_graph
from routing.cost import cost_units, live_cost_terms, priority_units
from routing.domain import CHANNEL_INDEX, Agent, AgentStatus, Channel, Escalation
from routing.eligibility import EligibilityCache, Requirement, requirement_at
from routing.roster import AgentTable, BoolArray, IntArray
from routing.settings import RoutingSettings, SolverSettings
from routing.solver import AssignmentProblem
from tests.routing.strategies import CHANNELS_USED, SKILLS, agents, escalations

NOW_S = 50_000.0


@dataclass
class Batch:
    """A roster with some slots taken, and the requirements of a batch of escalations."""

    table: AgentTable
    reqs: list[Requirement]
    offered_before: list[set[int]]
    priority: IntArray
    settings: RoutingSettings


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    settings = RoutingSettings(solver=SolverSettings(candidates_per_escalation=draw(st.integers(1, 8))))
    table = AgentTable(capacity=1)
    for k in range(draw(st.integers(0, 30))):
        row = table.upsert(draw(agents(f"a{k}")), NOW_S)
        table.set_status(row, draw(st.sampled_from([AgentStatus.AVAILABLE] * 3 + [AgentStatus.AWAY])))
        for channel in CHANNELS_USED:
            col = CHANNEL_INDEX[channel]
            for _ in range(draw(st.integers(0, 2))):
                if table.has_room[row] and table.load[row, col] < table.cap[row, col]:
                    table.take_slot(row, col)
        table.idle_since_s[row] = NOW_S - draw(st.sampled_from([0.0, 30.0, 600.0]))
    n_esc = draw(st.integers(0, 10))
    escs = [draw(escalations(f"e{i}", NOW_S)) for i in range(n_esc)]
    # up to two preferred skills (a term divided by two), one of them perhaps unknown to the roster
    more = st.dictionaries(st.sampled_from([*SKILLS, "nobody"]), st.integers(1, 5), max_size=2)
    escs = [replace(e, preferred_skills=draw(more)) if draw(st.booleans()) else e for e in escs]
    # repeated escalations make requirement groups of several members
    escs += [escs[draw(st.integers(0, n_esc - 1))] for _ in range(draw(st.integers(0, 4)))] if escs else []
    reqs = [requirement_at(e, draw(st.integers(0, len(settings.relaxation))), settings) for e in escs]
    rows = st.integers(0, max(table.n - 1, 0))
    offered = [set(draw(st.lists(rows, max_size=3))) if table.n else set() for _ in reqs]
    priority = np.array([priority_units(draw(st.floats(0.5, 20.0))) for _ in reqs], np.int64)
    return Batch(table, reqs, offered, priority, settings)


def distinct(reqs: Sequence[Requirement]) -> list[Requirement]:
    return list(dict.fromkeys(reqs))


def free_masks(t: AgentTable) -> dict[int, BoolArray]:
    return {CHANNEL_INDEX[c]: t.free_mask(CHANNEL_INDEX[c]) for c in CHANNELS_USED}


@given(batches())
def test_eligible_pairs_are_the_rows_of_each_cached_mask(batch: Batch) -> None:
    t, reqs = batch.table, distinct(batch.reqs)
    within = free_masks(t)
    of, rows = EligibilityCache(t, batch.settings).eligible_pairs(reqs, within)
    reference = EligibilityCache(t, batch.settings)
    expected = [np.flatnonzero(reference.get(r).mask & within[r.channel_col]) for r in reqs]
    assert of.dtype == rows.dtype == np.int64
    assert of.tolist() == [i for i, e in enumerate(expected) for _ in e]
    assert rows.tolist() == [int(row) for e in expected for row in e]


@given(batches(), st.integers(1, 40))
def test_static_costs_are_the_very_floats_of_each_entry(batch: Batch, slice_pairs: int) -> None:
    """In slices of any size too (cut to whole requirements)."""
    t, reqs = batch.table, distinct(batch.reqs)
    cache = EligibilityCache(t, batch.settings)
    of, rows = cache.eligible_pairs(reqs, {c: np.ones(t.n, bool) for c in CHANNEL_INDEX.values()})
    with patch.object(eligibility, "_SLICE_PAIRS", slice_pairs):
        got = cache.static_costs(reqs, of, rows)
    reference = EligibilityCache(t, batch.settings)
    expected = [reference.get(r).cost_at(rows[of == i]) for i, r in enumerate(reqs)]
    assert got.tobytes() == np.concatenate([np.zeros(0), *expected]).tobytes()


@given(batches())
def test_candidate_graph_is_the_group_by_group_build(batch: Batch) -> None:
    t, settings = batch.table, batch.settings
    args = (batch.reqs, batch.offered_before, batch.priority)
    got = candidate_graph(*args, EligibilityCache(t, settings), t, NOW_S, settings)
    expected = group_by_group(*args, EligibilityCache(t, settings), t, NOW_S, settings)
    assert (got is None) == (expected is None)
    if got is None or expected is None:
        return
    assert_same_graph(got, expected)


def assert_same_graph(got: CandidateGraph, expected: CandidateGraph) -> None:
    assert got.pruned == expected.pruned
    assert got.agents.tolist() == expected.agents.tolist()
    for name in AssignmentProblem.__slots__:
        a, b = getattr(got.problem, name), getattr(expected.problem, name)
        assert (a.dtype, a.shape) == (b.dtype, b.shape), name
        assert a.tobytes() == b.tobytes(), name


def test_candidate_graph_is_the_group_by_group_build_on_a_large_roster() -> None:
    """2,000 agents and 400 escalations: groups of hundreds of candidates cut to the cheapest
    (where the order of the kept arcs is the partition's), and many equal costs."""
    rng = np.random.default_rng(7)
    skills = [f"skill{k}" for k in range(12)]
    weights = 1.0 / np.arange(1, 13)
    p = weights / weights.sum()
    t = AgentTable()
    for k in range(2_000):
        held = rng.choice(12, size=int(rng.integers(2, 6)), replace=False, p=p)
        agent = Agent(
            f"a{k}",
            {skills[c]: int(rng.integers(1, 6)) for c in held},
            tier=int(rng.integers(1, 4)),
            languages=frozenset({"en", "es"} if rng.random() < 0.2 else {"en"}),
            channel_caps={Channel.CHAT: int(rng.integers(1, 4)), Channel.VOICE: int(rng.random() < 0.3)},
            regions=frozenset({"eu"}) if rng.random() < 0.3 else frozenset(),
        )
        row = t.upsert(agent, NOW_S)
        t.set_status(row, AgentStatus.AVAILABLE)
        t.idle_since_s[row] = NOW_S - float(rng.choice([0.0, 60.0]))
        if rng.random() < 0.3:
            t.take_slot(row, CHANNEL_INDEX[Channel.CHAT])
    settings = RoutingSettings()
    reqs = []
    for k in range(400):
        required = rng.choice(12, size=int(rng.integers(1, 3)), replace=False, p=p)
        escalation = Escalation(
            f"e{k}",
            NOW_S,
            Channel.VOICE if rng.random() < 0.15 else Channel.CHAT,
            {skills[c]: int(rng.integers(1, 4)) for c in required},
            preferred_skills={skills[int(rng.integers(12))]: 3} if rng.random() < 0.25 else {},
            complexity_tier=int(rng.integers(1, 3)),
            language="es" if rng.random() < 0.1 else "en",
            customer_region="eu" if rng.random() < 0.2 else None,
        )
        reqs.append(requirement_at(escalation, int(rng.integers(0, 3)), settings))
    offered = [set(rng.integers(0, 2_000, size=2).tolist()) if rng.random() < 0.1 else set() for _ in reqs]
    priority = rng.integers(1_000, 9_000, size=len(reqs))
    args = (reqs, offered, priority, EligibilityCache(t, settings), t, NOW_S, settings)
    got = candidate_graph(*args)
    expected = group_by_group(reqs, offered, priority, EligibilityCache(t, settings), t, NOW_S, settings)
    assert got is not None
    assert expected is not None
    assert len(expected.pruned) > 100
    assert_same_graph(got, expected)


def group_by_group(
    reqs: Sequence[Requirement],
    offered_before: Sequence[Set[int]],
    priority: IntArray,
    cache: EligibilityCache,
    t: AgentTable,
    now_s: float,
    settings: RoutingSettings,
) -> CandidateGraph | None:
    """The straightforward build: each requirement group's cached entry, its free rows, their
    costs, the cheapest kept, then every member's arcs (what ``candidate_graph`` must equal)."""
    groups: dict[Requirement, list[int]] = {}
    for i, req in enumerate(reqs):
        groups.setdefault(req, []).append(i)
    arc_esc: list[int] = []
    arc_row: list[IntArray] = []
    arc_cost: list[IntArray] = []
    arc_channel: list[int] = []
    pruned: set[int] = set()
    w = settings.weights
    load, idle = live_cost_terms(t, np.arange(t.n), now_s, settings)
    for req, members in groups.items():
        entry = cache.get(req)
        rows = np.flatnonzero(entry.mask & t.free_mask(req.channel_col))
        if rows.size == 0:
            continue
        costs = cost_units(entry.cost_at(rows) + (w.load * load)[rows] + (w.idle * idle)[rows])
        keep = max(settings.solver.candidates_per_escalation, 2 * len(members)) + max(
            len(offered_before[i]) for i in members
        )
        if rows.size > keep:
            top = np.argpartition(costs, keep)[:keep]
            rows, costs = rows[top], costs[top]
            pruned.update(members)
        for i in members:
            ok = ~np.isin(rows, list(offered_before[i]))
            arc_esc.append(i)
            arc_row.append(rows[ok])
            arc_cost.append(costs[ok])
            arc_channel.append(req.channel_col)
    if not arc_esc:
        return None
    sizes = [r.size for r in arc_row]
    agents_, local = np.unique(np.concatenate(arc_row), return_inverse=True)
    problem = AssignmentProblem(
        priority=priority,
        arc_esc=np.repeat(np.array(arc_esc, np.int64), sizes),
        arc_agent=local.astype(np.int64),
        arc_channel=np.repeat(np.array(arc_channel, np.int64), sizes),
        arc_cost=np.concatenate(arc_cost),
        free=t.cap[agents_] - t.load[agents_],
        free_total=t.cap_total[agents_] - t.load_total[agents_],
    )
    return CandidateGraph(problem, agents_, frozenset(pruned))
