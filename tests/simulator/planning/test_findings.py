"""The plan's notes in words: each finding's sentence from its facts."""

from __future__ import annotations

import numpy as np

from simulator.planning import findings
from simulator.planning.coverage import check_coverage
from simulator.planning.skill_graph import build_skill_graph
from tests.simulator.planning.skill_worlds import grp, seg
from tests.simulator.planning.small_scenario import scenario


def test_interval_spans_are_local_clock_times_with_the_count() -> None:
    s = scenario()  # 30-min intervals from 00:00 UTC
    assert findings.interval_span(s, np.array([2])) == "01:00-01:30 UTC"
    assert findings.interval_span(s, np.array([1, 2, 3])) == "00:30-02:00 UTC (3 intervals)"
    assert findings.search_fell_short(s, np.array([1, 2]), "stopped") == (
        "Intervals 00:30-01:30 UTC (2 intervals): stopped."
    )


def test_segment_findings() -> None:
    assert findings.unservable_segment("legal") == (
        "No agent group can serve segment 'legal' even after every relaxation step."
    )
    assert findings.unservable_share("billing", 0.15) == (
        "15 % of segment 'billing' has no agent group that can serve it."
    )
    assert findings.no_group_on_shift("technical", 3, 30) == (
        "technical: no group that serves it can be on shift in 3 interval(s) (1.5 h); those "
        "escalations wait or are deferred to a callback or ticket. Add a shift plan (or a site) "
        "that reaches those hours."
    )


def test_the_roster_finding_names_the_worst_interval_and_its_bottleneck() -> None:
    graph = build_skill_graph([seg("a")], [grp("g")])
    short = [c for c in check_coverage(graph, {"a": [1.0, 3.0, 2.0]}, {"g": 1}) if not c.covered]
    assert findings.roster_cannot_carry(scenario(), short) == (
        "The current roster cannot carry the mean workload in 2 interval(s), even at 100 % "
        "occupancy (a max-flow bound); the worst, 00:30-01:00 UTC: short 2.00 erlangs: "
        "a (billing>=3) need 3.00 erlangs, g offer 1.00."
    )
