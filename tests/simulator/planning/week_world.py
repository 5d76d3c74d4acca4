"""Small weekly rostering worlds for the tests: a shift plan, labour rules, requirements, people."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from routing.schemas import AgentProfile
from simulator.planning.rostering import WeekRequirement
from simulator.scenario import LabourRules, NamedAgent, ShiftPlan

MONDAY_S = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
PROFILE = {"skills": {"billing": 3}, "languages": ["en"]}


def plan(group: str = "g", time_zone: str = "UTC", **windows: Any) -> ShiftPlan:
    """Full time 8.5 h (30-min break) starting 06:00-14:00 and part time 4 h starting 08:00-18:00,
    both every 60 min unless ``windows`` replace ``full``/``part`` (``(earliest, latest)``)."""
    full = windows.get("full", ("06:00", "14:00"))
    part = windows.get("part", ("08:00", "18:00"))
    return ShiftPlan.model_validate(
        {
            "group": group,
            "time_zone": time_zone,
            "templates": [
                {
                    "name": "full-time-8h",
                    "length_h": 8.5,
                    "break_rule": {"length_min": 30, "earliest_after_min": 210, "latest_after_min": 300},
                    "earliest_start": full[0],
                    "latest_start": full[1],
                    "start_every_min": 60,
                },
                {
                    "name": "part-time-4h",
                    "length_h": 4,
                    "earliest_start": part[0],
                    "latest_start": part[1],
                    "start_every_min": 60,
                },
            ],
        }
    )


def day_requirement(peak: float, *, interval_min: int = 60, group: str = "g") -> WeekRequirement:
    """``peak`` agents at midday UTC, none at night, weekends at half."""
    per_day = 1440 // interval_min
    hours = (np.arange(per_day) + 0.5) * interval_min / 60
    day = np.round(np.clip(peak * np.sin((hours - 7) / 12 * np.pi), 0, None))
    week = np.stack([day * (1.0 if d < 5 else 0.5) for d in range(7)])
    return WeekRequirement(MONDAY_S, interval_min, {group: np.ceil(week)})


def profiles(time_zone: str = "UTC", group: str = "g") -> dict[str, AgentProfile]:
    return {group: AgentProfile.model_validate({**PROFILE, "time_zone": time_zone})}


def person(i: int, contract: str = "full-time", time_zone: str = "UTC", **over: Any) -> NamedAgent:
    return NamedAgent.model_validate(
        {
            "id": f"p{i:03d}",
            "name": f"Person {i}",
            **PROFILE,
            "time_zone": time_zone,
            "contract": contract,
            **over,
        }
    )


def rules(**over: Any) -> LabourRules:
    return LabourRules.model_validate(over)
