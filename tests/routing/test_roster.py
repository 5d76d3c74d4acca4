from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from routing.domain import Agent, AgentStatus, Channel, Escalation
from routing.eligibility import EligibilityCache, requirement_at
from routing.roster import AgentTable
from routing.settings import RoutingSettings

NOW_S = 1_700_000_000.0
SKILLS = ("billing", "refunds", "api")


def agent(agent_id: str, skills: dict[str, int], tier: int = 1, chat: int = 1) -> Agent:
    return Agent(id=agent_id, skills=skills, tier=tier, channel_caps={Channel.CHAT: chat})


def roster(*agents: Agent) -> AgentTable:
    t = AgentTable(capacity=1)
    for a in agents:
        t.set_status(t.upsert(a, NOW_S), AgentStatus.AVAILABLE)
    return t


def test_unchanged_resave_keeps_the_version_and_the_cache() -> None:
    t = roster(agent("a", {"billing": 3}), agent("b", {"billing": 1, "api": 2}))
    cache = EligibilityCache(t, RoutingSettings())
    esc = Escalation(id="e", created_s=NOW_S, channel=Channel.CHAT, required_skills={"billing": 2})
    r = requirement_at(esc, 0, RoutingSettings())
    before = cache.get(r)
    version = t.version
    assert t.upsert(agent("a", {"billing": 3}), NOW_S + 5) == 0  # an equal, new object
    assert t.version == version
    assert cache.get(r) is before


def test_changed_or_returning_profile_bumps_the_version() -> None:
    t = roster(agent("a", {"billing": 3}))
    v0 = t.version
    t.upsert(agent("a", {"billing": 2}), NOW_S)
    assert t.version > v0
    t.remove(0)
    v1 = t.version
    t.upsert(agent("a", {"billing": 2}), NOW_S)  # the same profile, but the agent comes back
    assert t.version > v1
    assert bool(t.present[0])


profiles = st.builds(
    agent,
    st.sampled_from(["a", "b", "c"]),
    st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1),
    st.integers(1, 3),
    st.integers(1, 3),
)


@given(st.lists(profiles, min_size=1, max_size=12), st.sampled_from(SKILLS), st.integers(1, 5))
def test_cache_after_saves_equals_a_fresh_one(saves: list[Agent], skill: str, level: int) -> None:
    """Whatever sequence of saves (equal re-saves among them), the kept cache gives the same
    arrays as a cache built fresh on the final roster."""
    settings = RoutingSettings()
    esc = Escalation(id="e", created_s=NOW_S, channel=Channel.CHAT, required_skills={skill: level})
    r = requirement_at(esc, 0, settings)
    t = roster(agent("a", {"billing": 3}))
    kept = EligibilityCache(t, settings)
    for a in saves:
        kept.get(r)
        t.upsert(a, NOW_S)
    got = kept.get(r)
    want = EligibilityCache(t, settings).get(r)
    for name in ("mask", "surplus", "preferred_miss", "tier_distance", "skill_breadth", "cost"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
