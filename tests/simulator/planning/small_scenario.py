"""One small stationary scenario for the planning tests: one chat segment of 200 escalations an
hour, 12 generalists, 30-min intervals; keyword arguments replace top-level fields."""

from __future__ import annotations

from typing import Any

from simulator.scenario import Scenario


def scenario(**over: Any) -> Scenario:
    """The small scenario with ``over`` replacing its top-level fields (validated)."""
    data: dict[str, Any] = {
        "name": "plan",
        "start": "2026-12-01T00:00:00",
        "duration_h": 2,
        "warmup_h": 0.5,
        "interval_min": 30,
        "service_level": {"threshold_s": 20, "target": 0.8},
        "demand": [
            {
                "segment": "general",
                "channel": "chat",
                "skills": {"general": 1},
                "arrivals_per_hour": 200,
                "handle_time": {"distribution": "exponential", "mean_s": 180},
                "patience": {"distribution": "exponential", "mean_s": 120},
            }
        ],
        "roster": [{"group": "agents", "count": 12, "skills": {"general": 3}}],
        "routing": {"relaxation": []},
    }
    data.update(over)
    return Scenario.model_validate(data)
