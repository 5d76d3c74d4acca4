"""Staffing groups: roster groups that differ only by their shifts, sized as one.

Roster groups with one profile (``dublin-early``, ``dublin-late``) are one *staffing group*
(``dublin``): the staffing search sizes profiles, the scheduler then chooses their shifts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simulator.scenario import AgentGroup, Scenario

__all__ = ["StaffingGroup", "always_on", "staffing_groups"]


@dataclass(frozen=True, slots=True)
class StaffingGroup:
    """Roster groups with one profile (skills, tier, languages, caps, zone, shrinkage)."""

    name: str
    members: tuple[str, ...]
    profile: AgentGroup  # the first member, as the template of the profile

    @property
    def headcount_key(self) -> str:
        """The key of this group in headcounts: its name."""
        return self.name


def _profile_key(g: AgentGroup) -> tuple[Any, ...]:
    return (
        tuple(sorted(g.skills.items())),
        g.tier,
        tuple(sorted(g.languages)),
        tuple(sorted((c.value, n) for c, n in g.channels.items())),
        g.max_total,
        g.time_zone,
        tuple(sorted(g.regions)),
        g.shrinkage,
        g.away_episode_min,
    )


def _common_name(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    prefix = os.path.commonprefix(list(names)).rstrip("-_ .#@")  # noqa: RUF071 -- characters meant
    return prefix or f"{names[0]}+{len(names) - 1}"


def staffing_groups(scenario: Scenario) -> list[StaffingGroup]:
    """Roster groups merged by profile, in roster order; names are the members' common prefix.

    Raises nothing: an empty roster gives no groups."""
    by_key: dict[tuple[Any, ...], list[AgentGroup]] = {}
    for g in scenario.roster:
        by_key.setdefault(_profile_key(g), []).append(g)
    out: list[StaffingGroup] = []
    taken: set[str] = set()
    for members in by_key.values():
        names = tuple(m.group for m in members)
        name = _common_name(names)
        while name in taken:
            name += "'"
        taken.add(name)
        out.append(StaffingGroup(name, names, members[0]))
    return out


def always_on(group: StaffingGroup, count: int) -> AgentGroup:
    """The profile on the queue all the time (no shifts, no shrinkage): requirements are agents on
    the queue; shifts and shrinkage come back in scheduling.

    Raises nothing; ``count`` is not validated (``model_copy`` does not validate)."""
    return group.profile.model_copy(
        update={"group": group.name, "count": count, "shifts": None, "shrinkage": 0.0}
    )
