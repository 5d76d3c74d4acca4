"""Service targets: one list, in one order, for the search, the closed loop and the reports."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from simulator.scenario import ServiceLevelTarget, Target


def test_only_the_service_level_applies_by_default() -> None:
    assert ServiceLevelTarget().targets == (Target("service_level", 0.8, True, "segment"),)


def test_caps_follow_in_a_fixed_order_with_their_scope() -> None:
    t = ServiceLevelTarget(
        target=0.9, threshold_s=20, max_occupancy=0.85, max_p95_handoff_s=45, max_abandon_rate=0.05
    )
    assert [(x.metric, x.goal, x.higher_is_better, x.scope) for x in t.targets] == [
        ("service_level", 0.9, True, "segment"),
        ("abandon_rate", 0.05, False, "segment"),
        ("p95_handoff_s", 45, False, "segment"),
        ("occupancy", 0.85, False, "pool"),
    ]


def test_gap_is_the_distance_on_the_wrong_side() -> None:
    sl = Target("service_level", 0.8, True, "segment")
    cap = Target("abandon_rate", 0.05, False, "segment")
    assert math.isclose(sl.gap(0.7), 0.1)
    assert math.isclose(cap.gap(0.08), 0.03)
    assert sl.met_by(0.8)
    assert cap.met_by(0.05)
    assert not sl.met_by(0.79)
    assert not cap.met_by(0.051)


def test_a_missing_value_fails_no_target() -> None:
    assert Target("service_level", 0.8, True, "segment").met_by(math.nan)


@given(goal=st.floats(0, 1), value=st.floats(0, 1), higher=st.booleans())
def test_met_exactly_when_the_gap_is_not_positive(goal: float, value: float, higher: bool) -> None:
    t = Target("m", goal, higher, "segment")
    assert t.met_by(value) == (t.gap(value) <= 0)
    assert (t.gap(value) <= 0) == ((value >= goal) if higher else (value <= goal))
