"""A structural fix: what it changes in a scenario, and applying it.

A :class:`StructuralFix` is one of three kinds (or a combination of them):

* ``"shift_template"``: new shift templates in an existing group's shift plan, within its site's
  allowed local hours (:class:`simulator.scenario.fix_rules.FixRules`);
* ``"cross_training"``: a new roster group with an existing group's profile, trained in the skills
  a segment needs (the plan sizes it: its headcount is how many people to train);
* ``"new_site"``: a new roster group with an existing profile in another time zone, with its own
  shift plan inside that site's allowed hours;
* ``"combined"``: several of the above, applied together.

New roster groups join with ``count`` 0: the current roster is unchanged, the plan decides how many
people they need. :func:`apply_fix` returns the fixed scenario, validated again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from routing.schemas import check_unique
from simulator.scenario import AgentGroup, Scenario, ShiftPlan, ShiftTemplate

__all__ = ["FixChanges", "FixKind", "StructuralFix", "apply_fix"]

FixKind = Literal["shift_template", "cross_training", "new_site", "combined"]


@dataclass(frozen=True, slots=True)
class FixChanges:
    """What a fix adds to a scenario: ``templates`` as (roster group whose shift plan in the
    scenario gains it, template), new roster ``groups`` (count 0) and their shift ``plans``."""

    templates: tuple[tuple[str, ShiftTemplate], ...] = ()
    groups: tuple[AgentGroup, ...] = ()
    plans: tuple[ShiftPlan, ...] = ()

    def merged(self, other: FixChanges) -> FixChanges:
        """Both sets of changes (``other``'s after these). Raises nothing; :func:`apply_fix`
        rejects names used twice."""
        return FixChanges(
            self.templates + other.templates, self.groups + other.groups, self.plans + other.plans
        )


@dataclass(frozen=True, slots=True)
class StructuralFix:
    """One fix a planner can adopt (see the module docstring).

    ``fixed_cost``: one-off cost known up front (opening a site in ``site_time_zone``, paid once
    per zone in a combination); ``trained_groups``: the new roster
    groups whose people must be trained (``training_cost_per_person`` each, once the plan has sized
    them). ``skills``: the training, roster group -> {skill: proficiency}. ``parts``: the single
    fixes of a combination.
    """

    kind: FixKind
    title: str
    changes: FixChanges
    fixed_cost: float = 0.0
    site_time_zone: str | None = None
    trained_groups: tuple[str, ...] = ()
    skills: dict[str, dict[str, int]] = field(default_factory=dict)
    parts: tuple[StructuralFix, ...] = ()

    @staticmethod
    def combine(parts: tuple[StructuralFix, ...]) -> StructuralFix:
        """The fixes of ``parts`` applied together (the one fix itself for a single part). Raise a
        ValueError for no parts."""
        if not parts:
            raise ValueError("a combined fix needs at least one part")
        if len(parts) == 1:
            return parts[0]
        changes = FixChanges()
        for p in parts:
            changes = changes.merged(p.changes)
        return StructuralFix(
            kind="combined",
            title="; ".join(p.title for p in parts),
            changes=changes,
            fixed_cost=_fixed_cost(parts),
            trained_groups=tuple(g for p in parts for g in p.trained_groups),
            skills={g: s for p in parts for g, s in p.skills.items()},
            parts=parts,
        )


def _fixed_cost(parts: tuple[StructuralFix, ...]) -> float:
    """The one-off costs of ``parts`` together: each zone's site opens once."""
    by_zone: dict[str, float] = {}
    other = 0.0
    for p in parts:
        if p.site_time_zone is None:
            other += p.fixed_cost
        else:
            by_zone[p.site_time_zone] = max(by_zone.get(p.site_time_zone, 0.0), p.fixed_cost)
    return other + sum(by_zone.values())


def apply_fix(scenario: Scenario, fix: StructuralFix) -> Scenario:
    """``scenario`` with ``fix`` applied: its templates appended to the shift plans they name, its
    groups and plans added.

    Raise a ValueError if a template names a roster group without a shift plan in the scenario, a
    roster group, shift plan or template name would be used twice, or a new plan names no roster
    group."""
    plans = list(scenario.shift_plans)
    by_group = {p.group: i for i, p in enumerate(plans)}
    for group, template in fix.changes.templates:
        if group not in by_group:
            raise ValueError(f"fix {fix.title!r}: roster group {group!r} has no shift plan to extend")
        i = by_group[group]
        plans[i] = plans[i].model_copy(update={"templates": [*plans[i].templates, template]})
    plans.extend(fix.changes.plans)
    roster = [*scenario.roster, *fix.changes.groups]
    try:
        check_unique("roster", "group", [g.group for g in roster])
        check_unique("shift_plans", "group", [p.group for p in plans])
        for p in plans:
            check_unique(f"shift_plans[{p.group}].templates", "name", [t.name for t in p.templates])
    except ValueError as exc:
        raise ValueError(f"fix {fix.title!r}: {exc}") from None
    groups = {g.group for g in roster}
    for p in fix.changes.plans:
        if p.group not in groups:
            raise ValueError(f"fix {fix.title!r}: shift plan for {p.group!r}, which is no roster group")
    # the parts were validated when they were built (templates, plans); a copy keeps the
    # scenario's own validated fields as they are
    return scenario.model_copy(update={"roster": roster, "shift_plans": plans})
