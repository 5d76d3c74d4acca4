"""The weekly benchmark's world: 8 sites in several time zones, 10 segments, named agents.

Sites and segments: each site runs two staffing groups (a skill mix of the 10 segments, e.g.
billing+payments in English); a group's requirement over the week is the agents its segments need
on the UTC grid (7 x 96 quarter-hours): customers' local business-hours curve (08:00-22:00 in
their region, a lunch and an evening peak), weekdays at 100 %, Saturday 60 %, Sunday 40 %. The
matrices stand in for what the staffing search produces (the shape it hands to the rostering
stages); ``scale`` multiplies them. People: named agents with a group's skills at its site
(groups drawn in proportion to their requirement), 40 % full time (the cheapest cover of these
peaks uses many 4-h part-time weeks), with random preferred days off and start times (seeded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from routing.schemas import AgentProfile
from simulator.planning.rostering import WeekRequirement
from simulator.planning.shifts import default_shift_plan
from simulator.planning.staffing_groups import StaffingGroup
from simulator.scenario import AgentGroup, NamedAgent, ShiftPlan

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # the week of 2026-03-08, when US clocks change
#: site -> (time zone, the customers' UTC offset in hours it serves)
SITES = {
    "seattle": ("America/Los_Angeles", -8),
    "austin": ("America/Chicago", -6),
    "toronto": ("America/Toronto", -5),
    "sao-paulo": ("America/Sao_Paulo", -3),
    "dublin": ("Europe/Dublin", 0),
    "berlin": ("Europe/Berlin", 1),
    "pune": ("Asia/Kolkata", 5.5),
    "manila": ("Asia/Manila", 8),
}
SEGMENTS = (
    "billing", "payments", "refunds", "accounts", "security",
    "shipping", "returns", "orders", "tech", "vip",
)  # fmt: skip
#: each site's two groups: which segments (by index) each serves
MIXES = ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9))
FULL_TIME_SHARE = 0.4
OFF_CHOICES = (["sat", "sun"], ["sun", "mon"], [], ["fri", "sat"])


@dataclass(frozen=True, slots=True)
class WeekWorld:
    requirement: WeekRequirement
    plans: list[ShiftPlan]
    profiles: dict[str, AgentProfile]
    people: list[NamedAgent]


def _curve(offset_h: float) -> np.ndarray:
    """Relative demand per UTC quarter-hour of the week for customers at ``offset_h``."""
    t_utc = np.arange(7 * 96) / 4.0
    local = (t_utc + offset_h) % 168
    hour, day = local % 24, (local // 24).astype(int)
    open_ = (hour >= 8) & (hour < 22)
    shape = 0.5 + np.exp(-(((hour - 11.5) / 2.0) ** 2)) + 0.7 * np.exp(-(((hour - 19) / 1.8) ** 2))
    days = np.array([1, 1, 1, 1, 1, 0.6, 0.4])[day]
    return np.where(open_, shape * days, 0.0)


def build(people_total: int, scale: float = 1.0, seed: int = 7) -> WeekWorld:
    """The world with ``people_total`` named agents and requirements times ``scale``."""
    rng = np.random.default_rng(seed)
    agents: dict[str, np.ndarray] = {}
    plans: list[ShiftPlan] = []
    profiles: dict[str, AgentProfile] = {}
    for site, (tz, offset) in SITES.items():
        for m, mix in enumerate(MIXES):
            name = f"{site}-{'ab'[m]}"
            skills = {SEGMENTS[i]: 2 for i in mix}
            weight = rng.uniform(0.7, 1.3)
            agents[name] = np.ceil(scale * 5.0 * weight * _curve(offset)).reshape(7, 96)
            group = AgentGroup.model_validate({"group": name, "count": 0, "skills": skills, "time_zone": tz})
            staffing = StaffingGroup(name=name, profile=group, members=(name,))
            plans.append(default_shift_plan(staffing))
            profiles[name] = group
    names = list(profiles)
    share = np.array([agents[n].sum() for n in names]) / sum(a.sum() for a in agents.values())
    people: list[NamedAgent] = []
    for i in range(people_total):
        g = names[int(rng.choice(len(names), p=share))]
        prof = profiles[g]
        start = None if rng.random() < 0.5 else f"{int(rng.integers(6, 14)):02d}:00"
        people.append(
            NamedAgent.model_validate(
                {
                    "id": f"a{i:05d}",
                    "name": f"Agent {i}",
                    "skills": dict(prof.skills),
                    "time_zone": prof.time_zone,
                    "contract": "full-time" if rng.random() < FULL_TIME_SHARE else "part-time",
                    "preferred_days_off": OFF_CHOICES[int(rng.integers(len(OFF_CHOICES)))],
                    "preferred_start": start,
                }
            )
        )
    req = WeekRequirement(MONDAY.timestamp(), 15, agents, first_day=MONDAY.date())
    return WeekWorld(req, plans, profiles, people)
