"""Small skill-graph worlds for the skill-graph and coverage tests: segments and groups by hand
(:func:`seg`, :func:`grp`) and drawn by hypothesis (:func:`worlds`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from simulator.planning.skill_graph import SkillGraph, build_skill_graph
from simulator.scenario import AgentGroup, DemandSegment

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def seg(name: str, **kw: Any) -> DemandSegment:
    data: dict[str, Any] = {
        "segment": name,
        "channel": "chat",
        "skills": {"billing": 3},
        "arrivals_per_hour": 10,
        "handle_time": {"distribution": "exponential", "mean_s": 300},
    }
    data.update(kw)
    return DemandSegment.model_validate(data)


def grp(name: str, **kw: Any) -> AgentGroup:
    data: dict[str, Any] = {"group": name, "count": 5, "skills": {"billing": 3}, "channels": {"chat": 1}}
    data.update(kw)
    return AgentGroup.model_validate(data)


def edges(graph: SkillGraph) -> set[tuple[str, str]]:
    return {(u[1], v[1]) if u[0] == "segment" else (v[1], u[1]) for u, v in graph.graph.edges}


def shared_pool() -> SkillGraph:
    """a: billing (g1 and g2 serve it); b: tech (only g2)."""
    return build_skill_graph(
        [seg("a"), seg("b", skills={"tech": 1})],
        [grp("g1"), grp("g2", skills={"billing": 3, "tech": 3})],
    )


SKILLS = ("billing", "tech")


@st.composite
def groups_st(draw: st.DrawFn, name: str) -> AgentGroup:
    caps = {"chat": draw(st.integers(0, 3)), "voice": draw(st.integers(0, 1))}
    if not any(caps.values()):
        caps["chat"] = 1
    return grp(
        name,
        skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1)),
        tier=draw(st.integers(1, 3)),
        languages=sorted(draw(st.sets(st.sampled_from(["en", "es"]), min_size=1))),
        channels=caps,
        max_total=draw(st.none() | st.integers(1, 3)),
        regions=sorted(draw(st.sets(st.sampled_from(["eu", "us"])))),
    )


@st.composite
def segments_st(draw: st.DrawFn, name: str) -> DemandSegment:
    vip = draw(st.sampled_from([0.0, 0.2, 1.0]))
    tiers = {t: s for t, s in (("standard", 1 - vip), ("vip", vip)) if s > 0}
    es = draw(st.sampled_from([0.0, 0.5, 1.0]))
    languages = {lang: s for lang, s in (("en", 1 - es), ("es", es)) if s > 0}
    return seg(
        name,
        channel=draw(st.sampled_from(["chat", "voice"])),
        skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=2)),
        preferred_skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=1)),
        complexity_tier=draw(st.integers(1, 3)),
        customer_tiers=tiers,
        languages=languages,
        customer_region=draw(st.none() | st.sampled_from(["eu", "us"])),
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[DemandSegment], list[AgentGroup]]:
    segments = [draw(segments_st(f"s{i}")) for i in range(draw(st.integers(1, 3)))]
    groups = [draw(groups_st(f"g{i}")) for i in range(draw(st.integers(1, 4)))]
    return segments, groups


@st.composite
def loads(draw: st.DrawFn, graph: SkillGraph) -> tuple[dict[str, float], dict[str, float]]:
    work = {s.segment: draw(st.sampled_from([0.0, 0.5, 1.0, 2.5, 4.0])) for s in graph.segments}
    staff = {g.group: float(draw(st.integers(0, 4))) for g in graph.groups}
    return work, staff
