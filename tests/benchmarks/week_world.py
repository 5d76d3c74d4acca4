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
from datetime import UTC, datetime, timedelta

import numpy as np

from routing.schemas import AgentProfile
from simulator.planning.rostering import WeekRequirement
from simulator.planning.shifts import default_shift_plan
from simulator.planning.staffing_groups import StaffingGroup
from simulator.scenario import AgentGroup, NamedAgent, Scenario, ShiftPlan

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


def _group_of(person: NamedAgent, profiles: dict[str, AgentProfile]) -> str:
    """The site group whose skills and time zone the person has (``build`` draws them so)."""
    return next(
        g for g, p in profiles.items() if p.skills == person.skills and p.time_zone == person.time_zone
    )


#: Escalations per hour of one segment from one region's customers at the curve's value 1.
REGION_RATE_PER_H = 5.0


def week_scenario(people_total: int = 500, seed: int = 7) -> Scenario:
    """The same world as a whole scenario for ``handoff plan``: 10 chat segments whose demand is
    the sum of the 8 regions' business-hours curves (weekdays 100 %, Saturday 60 %, Sunday 40 %),
    the 16 site groups as the current roster (each its named people on a 09:00-17:00 weekday
    shift in the site's time zone), ``people_total`` named agents, default shift templates and
    labour rules."""
    world = build(people_total, seed=seed)
    week = np.zeros(7 * 96)
    for _, offset in SITES.values():
        week += _curve(offset)
    demand = []
    for i, segment in enumerate(SEGMENTS):
        weight = 0.7 + 0.6 * ((i * 7919) % 10) / 9  # segments differ in volume, deterministically
        volumes = np.round(REGION_RATE_PER_H * weight * week / 4, 3)  # per quarter-hour
        demand.append(
            {
                "segment": segment,
                "channel": "chat",
                "skills": {segment: 1},
                "volume_per_interval": volumes.tolist(),
                "handle_time": {"distribution": "lognormal", "mean_s": 420, "cv": 0.7},
                "patience": {"distribution": "lognormal", "mean_s": 240, "cv": 1.0},
            }
        )
    members: dict[str, int] = {}
    for person in world.people:
        group = _group_of(person, world.profiles)
        members[group] = members.get(group, 0) + 1
    roster = [
        {
            "group": name,
            "count": members.get(name, 0),
            "skills": dict(profile.skills),
            "channels": {"chat": 2},
            "time_zone": profile.time_zone,
            "shifts": [{"days": "mon-fri", "start": "09:00", "end": "17:00"}],
        }
        for name, profile in world.profiles.items()
    ]
    people = [
        {**p.model_dump(mode="json", exclude_defaults=True), "groups": [_group_of(p, world.profiles)]}
        for p in world.people
    ]
    return Scenario.model_validate(
        {
            "name": f"bench-week-{people_total}-people",
            "time_zone": "UTC",
            "start": (MONDAY.replace(tzinfo=None) - timedelta(hours=1)).isoformat(),
            "warmup_h": 1,
            "duration_h": 168,
            "interval_min": 15,
            "service_level": {"threshold_s": 30, "target": 0.8, "max_abandon_rate": 0.05},
            "demand": demand,
            "roster": roster,
            "people": people,
            "routing": {"relaxation": []},
        }
    )
