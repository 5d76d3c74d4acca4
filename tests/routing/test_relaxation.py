"""Relaxation on its own: the level a wait reaches, ladders shared by look-alikes, and the next
step that actually loosens a requirement."""

from __future__ import annotations

import pytest

from routing.domain import Channel, Escalation
from routing.relaxation import Relaxation
from routing.settings import RelaxationStep, RoutingSettings

T0 = 1_700_000_000.0
STEPS = (
    RelaxationStep(after_s=30, drop_preferred_skills=True),
    RelaxationStep(after_s=60, lower_min_proficiency_by=1),
    RelaxationStep(after_s=90, widen_regions=True),
)


def relaxation() -> Relaxation:
    return Relaxation(RoutingSettings(relaxation=STEPS, region_widening={"eu": ("us",)}))


def test_level_after_counts_the_steps_due() -> None:
    r = relaxation()
    assert [r.level_after(s) for s in (0, 29.9, 30, 59, 60, 90, 1e9)] == [0, 0, 1, 1, 2, 3, 3]
    assert Relaxation(RoutingSettings(relaxation=())).level_after(1e9) == 0


def test_steps_that_change_nothing_are_skipped() -> None:
    r = relaxation()
    # no preferred skills, no region: only lowering the proficiency changes anything
    plain = Escalation("e1", T0, Channel.CHAT, {"billing": 3})
    ladder = r.ladder(plain)
    assert r.next_step(plain, ladder, 0) == (T0 + 60, 2)
    assert r.next_step(plain, ladder, 2) is None
    regional = Escalation("e2", T0, Channel.CHAT, {"billing": 3}, {"tech": 2}, customer_region="eu")
    ladder = r.ladder(regional)
    assert [r.next_step(regional, ladder, level) for level in range(4)] == [
        (T0 + 30, 1),
        (T0 + 60, 2),
        (T0 + 90, 3),
        None,
    ]


def test_look_alikes_share_a_ladder() -> None:
    r = relaxation()
    a = Escalation("a", T0, Channel.CHAT, {"billing": 3})
    b = Escalation("b", T0 + 5, Channel.CHAT, {"billing": 3})
    c = Escalation("c", T0, Channel.CHAT, {"billing": 4})
    assert r.ladder(a) is r.ladder(b)
    assert r.ladder(a) is not r.ladder(c)
    assert r.ladder(a).top == len(STEPS)


def test_describe_names_the_step_and_rejects_level_zero() -> None:
    r = relaxation()
    assert r.describe(1) == STEPS[0].describe()
    with pytest.raises(ValueError, match="level"):
        r.describe(0)
