"""One small stationary scenario for the planning tests: one chat segment of 200 escalations an
hour, 12 generalists, 30-min intervals; keyword arguments replace top-level fields."""

from __future__ import annotations

from typing import Any

from simulator.scenario import Scenario
from tests.factories import exponential, group, make_scenario, scenario_data, segment


def scenario(**over: Any) -> Scenario:
    """The small scenario with ``over`` replacing its top-level fields (validated)."""
    base = scenario_data(
        name="plan",
        duration_h=2,
        warmup_h=0.5,
        interval_min=30,
        service_level={"threshold_s": 20, "target": 0.8},
        demand=[segment(handle_time=exponential(180), patience=exponential(120))],
        roster=[group(count=12)],
        routing={"relaxation": []},
    )
    return make_scenario(**{**base, **over})
