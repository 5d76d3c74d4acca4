"""What a plan concludes from its misses: which count against it and which are noise."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pytest

from simulator.planning.result import CapacityPlan, IntervalMiss


def _plan(replications: int, misses: tuple[IntervalMiss, ...]) -> CapacityPlan:
    """A plan of ``replications`` whose verified roster has ``misses`` (nothing else is read)."""
    nothing = cast(Any, None)
    return CapacityPlan(
        scenario=nothing,
        seed=1,
        replications=replications,
        interval_start_s=np.zeros(0),
        workload_erlangs={},
        offered_per_interval=np.zeros(0),
        required={},
        lower_bound={},
        scheduled_current={},
        scheduled_recommended={},
        current_headcount={},
        recommended_headcount={},
        schedule=None,
        current=nothing,
        recommended=None,
        misses=misses,
    )


CLEAR = IntervalMiss(0.0, "service_level", 0.5, 0.8, 0.3, (0.4, 0.6), "chat")
NOISE = IntervalMiss(900.0, "service_level", 0.7, 0.8, 0.1, (0.5, 0.9), "chat")
#: a segment with escalations in this interval in one replication only: no interval to tell
ONE_MEASURE = IntervalMiss(1800.0, "abandon_rate", 1.0, 0.05, 0.95, None, "legal")


@pytest.mark.parametrize(
    ("replications", "misses", "meets", "noise"),
    [
        (10, (), True, 0),
        (10, (NOISE,), True, 1),
        (10, (CLEAR, NOISE), False, 1),
        (10, (ONE_MEASURE,), True, 1),  # one escalation of ten replications tells nothing
        (1, (ONE_MEASURE,), False, 0),  # one replication: nothing tells noise apart, so it counts
        (1, (NOISE,), True, 1),
    ],
)
def test_only_clear_misses_or_a_single_replication_s_count_against_the_plan(
    replications: int, misses: tuple[IntervalMiss, ...], meets: bool, noise: int
) -> None:
    plan = _plan(replications, misses)
    assert plan.meets_target is meets
    assert plan.noise_misses == noise
