"""The structural fixes in ``plan.json`` (its ``fixes`` list and ``applied_fix``).

Each :class:`FixOut` is one proposal of :attr:`simulator.planning.result.CapacityPlan.fixes`, in
rank order: ``number`` (1, 2, ... for verified fixes, what ``--apply-fix`` takes; null for fixes
only priced by estimate), the kind, the title, what it changes in the scenario (templates added to
a roster group's shift plan, new roster groups with their time zone, skills and shift plan), the
hours it closes per segment, the estimate, and the verification: the service level reached,
targets, people per new group and the costs.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from simulator.planning.fixes import ProposedFix
from simulator.planning.result import CapacityPlan

__all__ = ["FixChangeOut", "FixOut", "FixVerificationOut", "fixes_out"]

_DOC = ConfigDict(extra="forbid", frozen=True)


def _num(value: float) -> float | None:
    return value if math.isfinite(value) else None


class FixChangeOut(BaseModel):
    """One change of a fix: ``template`` added to the shift plan of roster group ``group``, or a new
    roster ``group`` (count 0, sized by the plan) with its time zone, skills and templates."""

    model_config = _DOC
    change: str  # "template" or "group"
    group: str
    time_zone: str | None = None
    skills: dict[str, int] | None = None
    templates: list[dict[str, object]]


class FixVerificationOut(BaseModel):
    """The re-plan with the fix applied (see :class:`simulator.planning.fixes.FixVerification`)."""

    model_config = _DOC
    service_level: float | None
    segment_service_level: dict[str, float | None]
    meets_target: bool
    intervals_missing: int
    clear_misses: int
    escalations_left: float
    people: dict[str, int]
    one_off_cost: float
    shift_cost: float | None
    shift_cost_change: float | None
    total_cost: float | None


class FixOut(BaseModel):
    """One proposed fix (see the module docstring)."""

    model_config = _DOC
    number: int | None
    kind: str
    title: str
    changes: list[FixChangeOut]
    closes_h: dict[str, float]
    escalations_closed: float
    fixed_cost: float
    trained: dict[str, dict[str, int]]
    estimated_cost: float
    estimated_people: int
    verification: FixVerificationOut | None


def _changes(p: ProposedFix) -> list[FixChangeOut]:
    c = p.fix.changes
    plans = {plan.group: plan for plan in c.plans}
    out = [
        FixChangeOut(change="template", group=g, templates=[t.model_dump(mode="json")])
        for g, t in c.templates
    ]
    for g in c.groups:
        plan = plans.get(g.group)
        out.append(
            FixChangeOut(
                change="group",
                group=g.group,
                time_zone=g.time_zone,
                skills=dict(g.skills),
                templates=[t.model_dump(mode="json") for t in plan.templates] if plan else [],
            )
        )
    return out


def fixes_out(plan: CapacityPlan) -> list[FixOut]:
    """``plan.fixes`` for ``plan.json``, numbered as the report numbers them."""
    out: list[FixOut] = []
    for k, p in enumerate(plan.fixes, start=1):
        v = p.verification
        out.append(
            FixOut(
                number=k if v is not None else None,
                kind=p.fix.kind,
                title=p.fix.title,
                changes=_changes(p),
                closes_h=dict(p.closes_h),
                escalations_closed=p.escalations_closed,
                fixed_cost=p.fix.fixed_cost,
                trained={g: dict(s) for g, s in p.fix.skills.items()},
                estimated_cost=p.estimated_cost,
                estimated_people=p.estimated_people,
                verification=None
                if v is None
                else FixVerificationOut(
                    service_level=_num(v.service_level),
                    segment_service_level={s: _num(x) for s, x in v.segment_service_level.items()},
                    meets_target=v.meets_target,
                    intervals_missing=v.intervals_missing,
                    clear_misses=v.clear_misses,
                    escalations_left=v.escalations_left,
                    people=dict(v.people),
                    one_off_cost=v.one_off_cost,
                    shift_cost=_num(v.shift_cost),
                    shift_cost_change=_num(v.shift_cost_change),
                    total_cost=_num(v.total_cost),
                ),
            )
        )
    return out
