"""Eligibility rules, one concern each, on tiny hand-built rosters: who passes, who fails, and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain import (
    CHANNEL_INDEX,
    MAX_TIER,
    Agent,
    AgentStatus,
    Channel,
    CustomerTier,
    Escalation,
    WeeklyShift,
)
from routing.eligibility import (
    LIVE_RULES,
    RULE_ORDER,
    STATIC_RULES,
    EligibilityCache,
    Requirement,
    first_failures,
    requirement_at,
    rule_capacity,
    rule_channel,
    rule_customer_tier_policy,
    rule_language,
    rule_on_shift,
    rule_proficiency,
    rule_region,
    rule_skills,
    rule_status,
    rule_tier,
)
from routing.roster import AgentTable, BoolArray
from routing.settings import RelaxationStep, RoutingSettings

#: Tuesday 2026-12-01 09:00 UTC.
NOW_S = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()
CHAT = Channel.CHAT
VOICE = Channel.VOICE
CHAT_COL = CHANNEL_INDEX[CHAT]
VOICE_COL = CHANNEL_INDEX[VOICE]

# Levels of the default relaxation (RoutingSettings().relaxation), checked in test_default_levels.
DROP_PREFERRED = 1
LOWER_PROFICIENCY = 2
EXTRA_TIER = 3
WIDEN_REGIONS = 4


def agent(agent_id: str, **kw: Any) -> Agent:
    kw.setdefault("skills", {"billing": 3})
    return Agent(id=agent_id, **kw)


def escalation(**kw: Any) -> Escalation:
    kw.setdefault("required_skills", {"billing": 2})
    return Escalation(id="esc-1", created_s=NOW_S, channel=kw.pop("channel", CHAT), **kw)


def table(*agents: Agent) -> AgentTable:
    """A roster of ``agents`` (all available), started small so the columns have to grow."""
    t = AgentTable(capacity=1)
    for a in agents:
        i = t.upsert(a, NOW_S)
        t.set_status(i, AgentStatus.AVAILABLE)
    return t


def ids(t: AgentTable, mask: BoolArray) -> set[str]:
    assert mask.shape == (t.n,)
    return {t.ids[i] for i in np.flatnonzero(mask)}


def req(level: int = 0, settings: RoutingSettings | None = None, **kw: Any) -> Requirement:
    return requirement_at(escalation(**kw), level, settings or RoutingSettings())


def test_default_levels() -> None:
    steps = RoutingSettings().relaxation
    assert steps[DROP_PREFERRED - 1].drop_preferred_skills
    assert steps[LOWER_PROFICIENCY - 1].lower_min_proficiency_by == 1
    assert steps[EXTRA_TIER - 1].extra_tiers_above == 1
    assert steps[WIDEN_REGIONS - 1].widen_regions


# ----------------------------------------------------------------------------------------- channel
def test_channel_passes_agents_with_a_cap_on_the_channel() -> None:
    t = table(
        agent("chat", channel_caps={CHAT: 1}),
        agent("voice_only", channel_caps={VOICE: 1}),
        agent("chat_zero", channel_caps={CHAT: 0, VOICE: 2}),
    )
    assert ids(t, rule_channel(t, req(channel=CHAT))) == {"chat"}
    assert ids(t, rule_channel(t, req(channel=VOICE))) == {"voice_only", "chat_zero"}


# ------------------------------------------------------------------------------------------ skills
def test_skills_needs_every_required_skill() -> None:
    t = table(
        agent("both", skills={"billing": 1, "refunds": 1}),
        agent("billing", skills={"billing": 5}),
        agent("refunds", skills={"refunds": 5}),
    )
    r = req(required_skills={"billing": 1, "refunds": 1})
    assert ids(t, rule_skills(t, r)) == {"both"}


def test_skills_unknown_to_every_agent_fails_everyone() -> None:
    t = table(agent("a", skills={"billing": 5}), agent("b", skills={"refunds": 5}))
    assert ids(t, rule_skills(t, req(required_skills={"astrology": 1}))) == set()
    assert ids(t, rule_skills(t, req(required_skills={"billing": 1, "astrology": 1}))) == set()


def test_preferred_skills_required_before_relaxation_and_not_after() -> None:
    t = table(agent("plain", skills={"billing": 3}), agent("both", skills={"billing": 3, "refunds": 3}))
    kw = {"required_skills": {"billing": 2}, "preferred_skills": {"refunds": 3}}
    before, after = req(0, **kw), req(DROP_PREFERRED, **kw)
    assert before.preferred_required
    assert not after.preferred_required
    assert ids(t, rule_skills(t, before)) == {"both"}
    assert ids(t, rule_skills(t, after)) == {"plain", "both"}


def test_unknown_preferred_skill_blocks_only_before_relaxation() -> None:
    t = table(agent("a", skills={"billing": 3}))
    kw = {"preferred_skills": {"astrology": 1}}
    assert ids(t, rule_skills(t, req(0, **kw))) == set()
    assert ids(t, rule_skills(t, req(DROP_PREFERRED, **kw))) == {"a"}


# ------------------------------------------------------------------------------------- proficiency
def test_proficiency_needs_the_minimum_level() -> None:
    t = table(
        agent("low", skills={"billing": 1}),
        agent("exact", skills={"billing": 2}),
        agent("high", skills={"billing": 5}),
    )
    assert ids(t, rule_proficiency(t, req(required_skills={"billing": 2}))) == {"exact", "high"}


def test_proficiency_leaves_missing_and_unknown_skills_to_rule_skills() -> None:
    t = table(agent("billing", skills={"billing": 1}), agent("refunds", skills={"refunds": 4}))
    r = req(required_skills={"billing": 3, "astrology": 2})
    assert ids(t, rule_proficiency(t, r)) == {"refunds"}
    assert ids(t, rule_skills(t, r)) == set()


def test_preferred_level_counts_before_relaxation_only() -> None:
    t = table(agent("weak_pref", skills={"billing": 3, "refunds": 1}))
    kw = {"preferred_skills": {"refunds": 3}}
    assert ids(t, rule_proficiency(t, req(0, **kw))) == set()
    assert ids(t, rule_proficiency(t, req(DROP_PREFERRED, **kw))) == {"weak_pref"}


def test_relaxation_lowers_proficiency() -> None:
    t = table(agent("one", skills={"billing": 1}), agent("two", skills={"billing": 2}))
    kw = {"required_skills": {"billing": 2}}
    assert req(DROP_PREFERRED, **kw).skills == (("billing", 2),)
    assert req(LOWER_PROFICIENCY, **kw).skills == (("billing", 1),)
    assert ids(t, rule_proficiency(t, req(DROP_PREFERRED, **kw))) == {"two"}
    assert ids(t, rule_proficiency(t, req(LOWER_PROFICIENCY, **kw))) == {"one", "two"}


@pytest.mark.parametrize(("required", "lower_by", "expected"), [(1, 1, 1), (3, 4, 1), (5, 2, 3), (4, 3, 1)])
def test_relaxed_proficiency_never_below_one(required: int, lower_by: int, expected: int) -> None:
    settings = RoutingSettings(relaxation=(RelaxationStep(after_s=10, lower_min_proficiency_by=lower_by),))
    r = req(1, settings, required_skills={"billing": required, "refunds": 2})
    assert r.skills == (("billing", expected), ("refunds", max(1, 2 - lower_by)))


def test_relaxation_steps_accumulate() -> None:
    settings = RoutingSettings(
        relaxation=(
            RelaxationStep(after_s=10, lower_min_proficiency_by=1),
            RelaxationStep(after_s=20, lower_min_proficiency_by=2),
        )
    )
    kw = {"required_skills": {"billing": 5}}
    assert [req(level, settings, **kw).skills for level in range(3)] == [
        (("billing", 5),),
        (("billing", 4),),
        (("billing", 2),),
    ]


# ---------------------------------------------------------------------------------------- language
def test_language_matches_the_customer() -> None:
    t = table(
        agent("en", languages=frozenset({"en"})),
        agent("es", languages=frozenset({"es"})),
        agent("both", languages=frozenset({"en", "es"})),
    )
    assert ids(t, rule_language(t, req(language="es"))) == {"es", "both"}
    assert ids(t, rule_language(t, req(language="en"))) == {"en", "both"}


def test_language_nobody_speaks_fails_everyone() -> None:
    # "fr" has no column: the rule must not fall back on the last language column ("es").
    t = table(agent("en", languages=frozenset({"en"})), agent("es", languages=frozenset({"es"})))
    assert ids(t, rule_language(t, req(language="fr"))) == set()


# -------------------------------------------------------------------------------------------- tier
def test_tier_between_complexity_and_headroom() -> None:
    t = table(*(agent(f"t{k}", tier=k) for k in (1, 2, 3)))
    assert ids(t, rule_tier(t, req(complexity_tier=1))) == {"t1", "t2"}
    assert ids(t, rule_tier(t, req(complexity_tier=2))) == {"t2", "t3"}
    assert ids(t, rule_tier(t, req(complexity_tier=3))) == {"t3"}


def test_tier_headroom_setting() -> None:
    t = table(*(agent(f"t{k}", tier=k) for k in (1, 2, 3)))
    assert ids(t, rule_tier(t, req(settings=RoutingSettings(tier_headroom=0), complexity_tier=1))) == {"t1"}
    assert ids(t, rule_tier(t, req(settings=RoutingSettings(tier_headroom=2), complexity_tier=1))) == {
        "t1",
        "t2",
        "t3",
    }


def test_relaxation_widens_tier_headroom() -> None:
    t = table(*(agent(f"t{k}", tier=k) for k in (1, 2, 3)))
    before = req(EXTRA_TIER - 1, complexity_tier=1)
    after = req(EXTRA_TIER, complexity_tier=1)
    assert (before.max_agent_tier, after.max_agent_tier) == (2, 3)
    assert ids(t, rule_tier(t, before)) == {"t1", "t2"}
    assert ids(t, rule_tier(t, after)) == {"t1", "t2", "t3"}
    assert req(EXTRA_TIER, complexity_tier=3).max_agent_tier == MAX_TIER


# ------------------------------------------------------------------------------ customer-tier policy
def test_vip_customers_only_to_tier_two_and_above() -> None:
    t = table(*(agent(f"t{k}", tier=k) for k in (1, 2, 3)))
    vip = req(customer_tier=CustomerTier.VIP)
    assert vip.policy_min_tier == 2
    assert ids(t, rule_customer_tier_policy(t, vip)) == {"t2", "t3"}
    standard = req(customer_tier=CustomerTier.STANDARD)
    assert ids(t, rule_customer_tier_policy(t, standard)) == {"t1", "t2", "t3"}


def test_customer_tier_policy_from_settings() -> None:
    t = table(*(agent(f"t{k}", tier=k) for k in (1, 2, 3)))
    settings = RoutingSettings(min_agent_tier={CustomerTier.PRIORITY: 3})
    priority = req(settings=settings, customer_tier=CustomerTier.PRIORITY)
    vip = req(settings=settings, customer_tier=CustomerTier.VIP)  # no longer in the policy
    assert ids(t, rule_customer_tier_policy(t, priority)) == {"t3"}
    assert ids(t, rule_customer_tier_policy(t, vip)) == {"t1", "t2", "t3"}


def test_vip_policy_survives_relaxation() -> None:
    t = table(*(agent(f"t{k}", tier=k) for k in (1, 2, 3)))
    for level in range(len(RoutingSettings().relaxation) + 1):
        r = req(level, customer_tier=CustomerTier.VIP)
        assert ids(t, rule_customer_tier_policy(t, r)) == {"t2", "t3"}


# ------------------------------------------------------------------------------------------ region
def test_region_residency_is_strict_by_default() -> None:
    """A customer with a region goes only to agents who list it: an agent who lists no region
    serves only customers without one (the safe default), at every relaxation level."""
    t = table(
        agent("eu", regions=frozenset({"eu"})),
        agent("us", regions=frozenset({"us"})),
        agent("unlisted"),
    )
    assert ids(t, rule_region(t, req(customer_region="eu"))) == {"eu"}
    assert ids(t, rule_region(t, req(customer_region="us"))) == {"us"}
    assert ids(t, rule_region(t, req(customer_region=None))) == {"eu", "us", "unlisted"}
    assert ids(t, rule_region(t, req(customer_region="apac"))) == set()
    top = len(RoutingSettings().relaxation)
    assert ids(t, rule_region(t, req(top, customer_region="eu"))) == {"eu"}


def test_agents_without_region_serve_residency_customers_only_when_opted_in() -> None:
    t = table(agent("eu", regions=frozenset({"eu"})), agent("unlisted"))
    opted_in = RoutingSettings(regionless_agents_serve_any_region=True)
    assert ids(t, rule_region(t, req(0, opted_in, customer_region="eu"))) == {"eu", "unlisted"}
    assert ids(t, rule_region(t, req(0, opted_in, customer_region="apac"))) == {"unlisted"}
    # the opt-in is part of the requirement, so cached masks never mix the two policies
    assert req(0, opted_in, customer_region="eu") != req(customer_region="eu")


def test_region_widening_after_relaxation_only_for_listed_regions() -> None:
    t = table(
        agent("eu", regions=frozenset({"eu"})),
        agent("uk", regions=frozenset({"uk"})),
        agent("us", regions=frozenset({"us"})),
    )
    settings = RoutingSettings(region_widening={"eu": ("uk",)})
    before = req(WIDEN_REGIONS - 1, settings, customer_region="eu")
    after = req(WIDEN_REGIONS, settings, customer_region="eu")
    assert (before.regions, after.regions) == (frozenset({"eu"}), frozenset({"eu", "uk"}))
    assert ids(t, rule_region(t, before)) == {"eu"}
    assert ids(t, rule_region(t, after)) == {"eu", "uk"}
    # "us" is not in region_widening: strict residency even at the last level.
    us = req(WIDEN_REGIONS, settings, customer_region="us")
    assert us.regions == frozenset({"us"})
    assert ids(t, rule_region(t, us)) == {"us"}


# ------------------------------------------------------------------------------------------ status
def test_status_only_available_and_present() -> None:
    t = table(*(agent(s.value) for s in AgentStatus), agent("removed"))
    for s in AgentStatus:
        t.set_status(t.row[s.value], s)
    t.remove(t.row["removed"])
    assert ids(t, rule_status(t, req())) == {AgentStatus.AVAILABLE.value}


def test_new_agent_is_offline_until_status_set() -> None:
    t = AgentTable()
    i = t.upsert(agent("a"), NOW_S)
    assert ids(t, rule_status(t, req())) == set()
    t.set_status(i, AgentStatus.AVAILABLE)
    assert ids(t, rule_status(t, req())) == {"a"}


# ---------------------------------------------------------------------------------------- on shift
def test_on_shift_in_the_agents_time_zone() -> None:
    nine_to_five = (WeeklyShift(frozenset(range(5)), 9 * 60, 17 * 60),)
    t = table(
        agent("always"),
        agent("london", shifts=nine_to_five, time_zone="Europe/London"),  # 09:00 local: on
        agent("new_york", shifts=nine_to_five, time_zone="America/New_York"),  # 04:00 local: off
        agent("weekend", shifts=(WeeklyShift(frozenset({5, 6}), 0, 24 * 60),)),
    )
    assert ids(t, rule_on_shift(t, req())) == {"always", "london"}
    later_s = datetime(2026, 12, 1, 15, 0, tzinfo=UTC).timestamp()  # 10:00 in New York
    for i in range(t.n):
        t.refresh_shift(i, later_s)
    assert ids(t, rule_on_shift(t, req())) == {"always", "london", "new_york"}


# ---------------------------------------------------------------------------------------- capacity
def test_capacity_per_channel() -> None:
    t = table(agent("a", channel_caps={CHAT: 2, VOICE: 1}), agent("b", channel_caps={CHAT: 2}))
    assert ids(t, rule_capacity(t, req(channel=CHAT))) == {"a", "b"}
    t.take_slot(t.row["a"], CHAT_COL)
    t.take_slot(t.row["a"], CHAT_COL)
    assert ids(t, rule_capacity(t, req(channel=CHAT))) == {"b"}
    assert ids(t, rule_capacity(t, req(channel=VOICE))) == {"a"}
    t.release_slot(t.row["a"], CHAT_COL, NOW_S)
    assert ids(t, rule_capacity(t, req(channel=CHAT))) == {"a", "b"}


def test_capacity_total_cap_across_channels() -> None:
    t = table(agent("a", channel_caps={CHAT: 2, VOICE: 1}, max_total=1), agent("b", channel_caps={CHAT: 2}))
    t.take_slot(t.row["a"], VOICE_COL)
    assert ids(t, rule_capacity(t, req(channel=CHAT))) == {"b"}
    assert ids(t, rule_capacity(t, req(channel=VOICE))) == set()


# ---------------------------------------------------------------------------------- first failures
def all_masks(t: AgentTable, r: Requirement) -> dict[str, BoolArray]:
    return {name: rule(t, r) for name, rule in (*STATIC_RULES, *LIVE_RULES)}


def test_first_failures_gives_each_agent_one_reason_in_rule_order() -> None:
    off_shift = (WeeklyShift(frozenset({6}), 0, 60),)  # Sunday 00:00-01:00 only
    t = table(
        agent("ok", skills={"billing": 3}, tier=2, regions=frozenset({"eu"})),
        agent("away_and_unskilled", skills={"refunds": 3}),
        agent("off_shift_and_wrong_channel", shifts=off_shift, channel_caps={VOICE: 1}),
        agent("unskilled_and_weak_language", skills={"refunds": 3}, languages=frozenset({"de"})),
        agent("weak", skills={"billing": 1}, tier=3),
        agent("german", languages=frozenset({"de"}), regions=frozenset({"us"})),
        agent("tier_three", tier=3, regions=frozenset({"us"})),
        agent("vip_policy", tier=1),
        agent("us_only", tier=2, regions=frozenset({"us"})),
        agent("full", tier=2, channel_caps={CHAT: 1}, regions=frozenset({"eu"})),
        agent("offered", tier=2, regions=frozenset({"eu"})),
        agent("gone", skills={"refunds": 1}),
    )
    t.set_status(t.row["away_and_unskilled"], AgentStatus.AWAY)
    t.take_slot(t.row["full"], CHAT_COL)
    t.remove(t.row["gone"])
    r = req(customer_tier=CustomerTier.VIP, customer_region="eu", required_skills={"billing": 2})
    masks = all_masks(t, r)
    masks["offered_before"] = np.array([name != "offered" for name in t.ids])

    out = first_failures(masks, t.present[: t.n])

    assert list(out) == [name for name in RULE_ORDER if name in out]
    assert {rule: ids(t, failed) for rule, failed in out.items()} == {
        "status": {"away_and_unskilled"},
        "on_shift": {"off_shift_and_wrong_channel"},
        "skills": {"unskilled_and_weak_language"},
        "proficiency": {"weak"},
        "language": {"german"},
        "tier": {"tier_three"},
        "customer_tier_policy": {"vip_policy"},
        "region": {"us_only"},
        "capacity": {"full"},
        "offered_before": {"offered"},
    }
    # Each rejected present agent under exactly one rule; the one passing everything and the
    # removed one under none.
    counts = sum(failed.astype(int) for failed in out.values())
    assert dict(zip(t.ids, counts.tolist(), strict=True)) == {
        name: 0 if name in ("ok", "gone") else 1 for name in t.ids
    }


def test_first_failures_is_the_earliest_failed_rule() -> None:
    """Check against a per-agent restatement: the first rule of RULE_ORDER whose mask is False."""
    rng = np.random.default_rng(7)
    n = 40
    names = [name for name in RULE_ORDER if name != "channel"]  # a rule absent from the masks is skipped
    masks = {name: rng.random(n) < 0.8 for name in names}
    present = rng.random(n) < 0.9
    out = first_failures(masks, present)
    for i in range(n):
        expected = next((name for name in names if not masks[name][i]), None) if present[i] else None
        got = [name for name, failed in out.items() if failed[i]]
        assert got == ([] if expected is None else [expected]), i


def test_first_failures_does_not_touch_its_inputs() -> None:
    present = np.array([True, True, False])
    masks = {"status": np.array([False, True, False]), "skills": np.array([True, False, False])}
    copies = {k: v.copy() for k, v in masks.items()}
    out = first_failures(masks, present)
    assert {k: v.tolist() for k, v in out.items()} == {
        "status": [True, False, False],
        "skills": [False, True, False],
    }
    assert present.tolist() == [True, True, False]
    assert all(np.array_equal(masks[k], copies[k]) for k in masks)


# ------------------------------------------------------------------------------------------- cache
def test_cache_entry_is_the_conjunction_of_static_rules() -> None:
    t = table(
        agent("ok"),
        agent("weak", skills={"billing": 1}),
        agent("voice", channel_caps={VOICE: 1}),
        agent("gone"),
    )
    t.remove(t.row["gone"])
    r = req()
    entry = EligibilityCache(t, RoutingSettings()).get(r)
    assert [name for name, _ in entry.rule_masks] == [name for name, _ in STATIC_RULES]
    assert ids(t, entry.mask) == {"ok"}


def test_cache_invalidated_when_a_profile_changes() -> None:
    t = table(agent("a", skills={"billing": 1}), agent("b", skills={"refunds": 3}))
    cache = EligibilityCache(t, RoutingSettings())
    r = req(required_skills={"billing": 2})
    first = cache.get(r)
    assert ids(t, first.mask) == set()
    assert cache.get(r) is first  # cached while nothing changes

    version = t.version
    t.upsert(agent("a", skills={"billing": 4}), NOW_S)
    assert t.version > version
    assert ids(t, cache.get(r).mask) == {"a"}

    t.upsert(agent("c", skills={"billing": 2}), NOW_S)  # a new agent is a new row in the masks
    assert ids(t, cache.get(r).mask) == {"a", "c"}

    t.remove(t.row["a"])
    assert ids(t, cache.get(r).mask) == {"c"}


def test_cache_kept_across_live_state_changes() -> None:
    t = table(agent("a"))
    cache = EligibilityCache(t, RoutingSettings())
    r = req()
    entry = cache.get(r)
    version = t.version
    t.set_status(0, AgentStatus.BUSY)
    t.take_slot(0, r.channel_col)
    t.refresh_shift(0, NOW_S + 3600)
    assert t.version == version
    assert cache.get(r) is entry


def test_equal_requirements_share_a_cache_entry() -> None:
    t = table(agent("a"))
    cache = EligibilityCache(t, RoutingSettings())
    one = requirement_at(escalation(), 0, RoutingSettings())
    two = requirement_at(
        Escalation(id="other", created_s=NOW_S + 99, channel=CHAT, required_skills={"billing": 2}),
        0,
        RoutingSettings(),
    )
    assert one == two
    assert cache.get(one) is cache.get(two)


@given(
    st.lists(st.sampled_from(["billing", "tech", "legal", "nobody"]), min_size=1, max_size=3, unique=True),
    st.lists(st.integers(1, 5), min_size=3, max_size=3),
    st.sampled_from(["tech", "legal", "nobody", None]),
    st.integers(1, 5),
)
def test_the_cache_assembles_skill_parts_to_the_rules_and_terms_exactly(
    names: list[str], levels: list[int], preferred: str | None, preferred_level: int
) -> None:
    """Skill masks and cost terms built skill by skill from cached columns are the very arrays
    the rules and cost functions compute over the roster."""
    from routing.cost import preferred_miss, proficiency_surplus
    from routing.eligibility import rule_proficiency, rule_skills

    table = AgentTable()
    for k, skills in enumerate(
        ({"billing": 3}, {"tech": 2, "legal": 5}, {"billing": 1, "tech": 4}, {"legal": 2})
    ):
        table.upsert(Agent(f"a{k}", skills), NOW_S)
    settings = RoutingSettings()
    cache = EligibilityCache(table, settings)
    required = dict(zip(names, levels, strict=False))
    prefs = {preferred: preferred_level} if preferred is not None and preferred not in required else {}
    req = requirement_at(Escalation("e", NOW_S, CHAT, required, preferred_skills=prefs), 0, settings)
    for _ in range(2):  # computed, then read back from the cache
        entry = cache.get(req)
        masks = dict(entry.rule_masks)
        assert np.array_equal(masks["skills"], rule_skills(table, req))
        assert np.array_equal(masks["proficiency"], rule_proficiency(table, req))
        assert entry.surplus.tobytes() == proficiency_surplus(table, req.skills).tobytes()
        assert entry.preferred_miss.tobytes() == preferred_miss(table, req.preferred).tobytes()
        cache._entries.clear()  # the second round assembles the entry from cached parts only
