"""Shared builders of test inputs: scenario documents and their parts, with small defaults.

Each builder returns the plain document (a dict, as a planner's YAML would hold it) so a test can
change any field; :func:`make_scenario` validates one into a :class:`~simulator.scenario.Scenario`.
Defaults: one chat segment ``general`` at 200/h with exponential handle times of 120 s, one
group ``agents`` of 5 generalists, a 1-hour horizon after 15 minutes of warm-up, from 2026-12-01
00:00 UTC (a Tuesday).
"""

from __future__ import annotations

from typing import Any

from simulator.scenario import Scenario

#: The metrics a simulation must report with confidence intervals (the simulator issue's list).
ISSUE_METRICS = (
    "offered",
    "service_level",
    "service_level_answered",
    "abandon_rate",
    "p_wait",
    "asa_s",
    "p95_handoff_s",
    "occupancy",
)


def exponential(mean_s: float) -> dict[str, Any]:
    return {"distribution": "exponential", "mean_s": mean_s}


def segment(name: str = "general", **over: Any) -> dict[str, Any]:
    """A demand segment document; ``over`` replaces or adds fields (``patience=None`` removes it)."""
    seg: dict[str, Any] = {
        "segment": name,
        "channel": "chat",
        "skills": {"general": 1},
        "arrivals_per_hour": 200,
        "handle_time": exponential(120),
    }
    seg.update(over)
    return {k: v for k, v in seg.items() if v is not None}


def group(name: str = "agents", count: int = 5, **over: Any) -> dict[str, Any]:
    """A roster group document of generalists; ``over`` replaces or adds fields."""
    return {"group": name, "count": count, "skills": {"general": 3}, **over}


def scenario_data(**over: Any) -> dict[str, Any]:
    """A whole scenario document; ``over`` replaces top-level fields."""
    data: dict[str, Any] = {
        "name": "test",
        "start": "2026-12-01T00:00:00",
        "duration_h": 1,
        "warmup_h": 0.25,
        "interval_min": 15,
        "demand": [segment()],
        "roster": [group()],
    }
    data.update(over)
    return data


def make_scenario(**over: Any) -> Scenario:
    """:func:`scenario_data` validated (raises pydantic's ValidationError for a bad document)."""
    return Scenario.model_validate(scenario_data(**over))
