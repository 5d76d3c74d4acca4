"""Staffing groups: roster groups that differ only by their shifts, sized as one.

Roster groups with one profile (``dublin-early``, ``dublin-late``) are one *staffing group*
(``dublin``): the staffing search sizes profiles, the scheduler then chooses their shifts.
:func:`queue_cost_per_h` prices one more agent of a group on the queue, what the search's
cost-aware split between groups serving the same segments weighs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simulator.scenario import AgentGroup, Scenario, ShiftPlan

__all__ = ["StaffingGroup", "always_on", "queue_cost_per_h", "staffing_groups"]


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
        g.cost_per_paid_hour,  # pay apart: the cost-aware split weighs them apart
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


def queue_cost_per_h(group: StaffingGroup, plan: ShiftPlan) -> float:
    """What one agent of ``group`` on the queue costs per hour under ``plan``: the cheapest
    template's cost per hour on duty (``cost_per_paid_hour x paid hours / hours on duty``: an
    unpaid break is off duty but not paid, a paid one is both), over ``1 - shrinkage`` (an agent
    on duty is on the queue that share of the time). The marginal cost per covered
    agent-interval is this times the interval's hours.

    Raise a ValueError if a template is on duty for no time at all (a break as long as the shift
    cannot pass the plan's validation, so never for a loaded plan)."""
    per_duty_h = []
    for tpl in plan.templates:
        rule = tpl.break_rule
        duty_h = (tpl.length_min - (rule.length_min if rule is not None else 0)) / 60
        if duty_h <= 0:
            raise ValueError(f"template {tpl.name!r} of {plan.group!r} has no time on duty")
        per_duty_h.append(tpl.cost_per_paid_hour * tpl.paid_h / duty_h)
    return min(per_duty_h) / (1.0 - group.profile.shrinkage)
