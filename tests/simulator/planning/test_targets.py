"""Replications judged against the targets: the misses per interval."""

from __future__ import annotations

import pytest

from simulator.planning.result import IntervalMiss
from simulator.planning.targets import interval_misses, relative_shortfall
from simulator.replications import run_replications
from tests.simulator.planning.small_scenario import scenario


def test_interval_misses_name_the_interval_and_by_how_much() -> None:
    s = scenario(roster=[{"group": "agents", "count": 6, "skills": {"general": 3}}])  # far too few
    result = run_replications(s, 3, 1, keep_records=False)
    misses = interval_misses(result, s)
    sl = [m for m in misses if m.metric == "service_level"]
    assert len(sl) == result.interval_start_s.size  # every interval misses 80 %
    for m in sl:
        assert m.value < 0.8
        assert m.shortfall == pytest.approx(0.8 - m.value)
        assert m.clear  # the whole CI is below the target, not noise


def test_relative_shortfall_sums_each_segment_target_then_the_pool_targets() -> None:
    s = scenario(
        roster=[{"group": "agents", "count": 8, "skills": {"general": 3}}],
        service_level={"threshold_s": 20, "target": 0.8, "max_abandon_rate": 0.01, "max_occupancy": 0.5},
    )
    result = run_replications(s, 2, 1, keep_records=False)
    total, failing, _ = relative_shortfall(result, s, ["general"])
    expected = 0.0
    for target in s.service_level.targets:
        est = result.segment("general", target.metric) if target.scope == "segment" else None
        est = est or result.overall(target.metric)
        if target.gap(est.mean) > 0:
            expected += target.gap(est.mean) / target.goal
    assert [t.metric for t in s.service_level.targets] == ["service_level", "abandon_rate", "occupancy"]
    assert total == expected  # the same sum, in the same order
    assert total > 0
    assert failing == ["general"]


def test_a_miss_reads_the_targets_direction_from_its_side_of_the_goal() -> None:
    below = IntervalMiss(0.0, "service_level", 0.6, 0.8, 0.2, (0.5, 0.7))
    assert below.higher_is_better
    assert below.clear
    assert not IntervalMiss(0.0, "service_level", 0.78, 0.8, 0.02, (0.7, 0.86)).clear
    above = IntervalMiss(0.0, "abandon_rate", 0.11, 0.08, 0.03, (0.09, 0.13))
    assert not above.higher_is_better
    assert above.clear
    assert not IntervalMiss(0.0, "abandon_rate", 0.11, 0.08, 0.03, (0.07, 0.13)).clear
    assert not IntervalMiss(0.0, "occupancy", 0.95, 0.9, 0.05).clear  # no interval: not clear
