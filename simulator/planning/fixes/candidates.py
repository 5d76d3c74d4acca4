"""Candidate fixes for coverage gaps, and a first price for each (before verification).

For the gaps of :func:`simulator.planning.fixes.gaps.find_gaps`, :func:`candidate_fixes` builds
every fix of three kinds that could close some of them:

1. **A new shift template at an existing site**: a group that serves the gap but whose shift plan
   does not reach it gains templates like its own (length, break, pay), with start times inside its
   site's allowed local hours (:meth:`simulator.scenario.fix_rules.FixRules.hours_of`) that put
   someone on duty in the gap.
2. **Cross-training**: a group on shift in the gap that lacks only skills is trained in the
   segment's required skills, at the segment's minimum proficiency (the eligibility rules of the
   skill graph decide whether skills alone are enough: tier, language and channel are not
   trained).
3. **A new site**: a profile that serves the gap opens a site in one of the scenario's
   ``new_site_time_zones`` (not its own), with its own templates inside that site's hours; in a
   zone where the roster has a site already, it is a new team there and costs no opening.

:func:`estimated_cost` prices a candidate from the demand it would serve: Erlang C agents per
interval for that demand, on duty after shrinkage, paid at the template's rate, plus the one-off
costs. It only orders the candidates for verification; the verified price is the re-plan's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray

from routing.shifts import zone
from simulator.planning.demand_levels import availability
from simulator.planning.fixes.fix import FixChanges, StructuralFix
from simulator.planning.fixes.gaps import CoverageGap, Gaps
from simulator.planning.shifts import shift_plans_for
from simulator.planning.skill_graph import build_skill_graph
from simulator.planning.staffing_groups import StaffingGroup, staffing_groups
from simulator.queueing import staff_for_target
from simulator.scenario import AgentGroup, Scenario, ShiftPlan, ShiftTemplate
from simulator.scenario.fix_rules import DayWindow

__all__ = ["Candidate", "candidate_fixes", "covering_templates", "estimated_cost"]

BoolArray = NDArray[np.bool_]
_DAY_MIN = 24 * 60


@dataclass(frozen=True, slots=True)
class Candidate:
    """A fix and what its price estimate rests on: the profile that would serve (``slots``
    per agent, ``shrinkage``) and one shift of its templates (``paid_h`` at
    ``cost_per_paid_hour``); ``training_cost_per_person`` when its people must be trained."""

    fix: StructuralFix
    slots: int
    shrinkage: float
    paid_h: float
    cost_per_paid_hour: float
    training_cost_per_person: float = 0.0


def covering_templates(
    template: ShiftTemplate,
    time_zone: str,
    window: DayWindow,
    scenario: Scenario,
    intervals: BoolArray,
    name: str,
    *,
    new_starts_only: bool = True,
) -> list[ShiftTemplate]:
    """Copies of ``template`` (length, break, days, pay) named after ``name`` whose start windows
    hold every start the template does not allow already (any start when not ``new_starts_only``:
    a new site), every ``start_every_min`` inside ``window`` (local hours in ``time_zone``, the
    shift ending by its ``latest_end``), that puts someone on duty at the midpoint of one of
    ``intervals`` (a mask over the scenario's interval grid). One template, or two when a night
    window's starts run past midnight (the second named ``{name}-after-midnight``: a template's
    start window stays within a day); none when no such start exists. Raises nothing for a
    validated template and window."""
    length = template.length_min
    step = template.start_every_min
    first = -(-window.start_min // step) * step
    last = window.end_min - length
    if last < first or not intervals.any():
        return []
    mids = scenario.interval_starts_s[intervals] + scenario.interval_s / 2
    tz = zone(time_zone)
    day = datetime.fromtimestamp(float(mids.min()) - length * 60, tz).date() - timedelta(days=2)
    end_day = datetime.fromtimestamp(float(mids.max()), tz).date()
    useful: set[int] = set()  # minutes after the local midnight the window opens on (may be >= 24 h)
    # at its own site, starts the template allows already are no fix
    allowed = set(template.start_minutes()) if new_starts_only else set()
    while day <= end_day:
        midnight = datetime(day.year, day.month, day.day)
        for minute in range(first, last + 1, step):
            start = midnight + timedelta(minutes=minute)
            if minute % _DAY_MIN in allowed or (
                template.days is not None and start.weekday() not in template.days
            ):
                continue
            start_s = start.replace(tzinfo=tz).timestamp()
            if np.any((mids >= start_s) & (mids < start_s + length * 60)):
                useful.add(minute)
        day += timedelta(days=1)
    out = []
    today = {m for m in useful if m < _DAY_MIN}
    tomorrow = {m - _DAY_MIN for m in useful if m >= _DAY_MIN}
    for part, suffix in ((today, ""), (tomorrow, "-after-midnight")):
        if not part:
            continue
        lo, hi = min(part), max(part)
        # a copy keeps every other field of the template (its break, days, pay); the new start
        # window is inside the old template's rules by construction (lo <= hi, same length)
        out.append(
            template.model_copy(
                update={
                    "name": name + suffix,
                    "earliest_start": time(lo // 60, lo % 60),
                    "latest_start": time(hi // 60, hi % 60),
                    "min_count": 0,
                    "max_count": None,
                }
            )
        )
    return out


def _window_text(templates: list[ShiftTemplate]) -> str:
    return ", ".join(
        f"{t.length_h:g} h starting {t.earliest_start:%H:%M}"
        + ("" if t.latest_start == t.earliest_start else f"-{t.latest_start:%H:%M}")
        for t in templates
    )


def _served_mask(gaps: Gaps, group: str, n: int) -> BoolArray:
    """The gap intervals of every kind ``group`` could serve."""
    out = np.zeros(n, bool)
    for gap in gaps.gaps:
        if group in gap.servers:
            out |= gap.intervals
    return out


def _basis(profile: AgentGroup, plan: ShiftPlan, fix: StructuralFix, training: float = 0.0) -> Candidate:
    longest = max(plan.templates, key=lambda t: t.paid_h)
    return Candidate(
        fix, profile.slots, profile.shrinkage, longest.paid_h, longest.cost_per_paid_hour, training
    )


def _template_fixes(
    scenario: Scenario, gaps: Gaps, groups: list[StaffingGroup], plans: Mapping[str, ShiftPlan]
) -> list[Candidate]:
    rules = scenario.fix_rules
    member_of = {m: g.name for g in groups for m in g.members}
    own = {member_of[p.group]: p.group for p in scenario.shift_plans}  # staffing group -> roster group
    out: list[Candidate] = []
    for g in groups:
        if g.name not in own:
            continue  # the default plan reaches every hour: no gap is this group's
        plan = plans[g.name]
        mask = _served_mask(gaps, g.name, scenario.intervals)
        window = rules.hours_of(plan.time_zone)
        names = {t.name for t in plan.templates}
        new = []
        for t in plan.templates:
            name = f"{t.name}-extended"
            while name in names:
                name += "'"
            for made in covering_templates(t, plan.time_zone, window, scenario, mask, name):
                if made.name not in names:
                    new.append(made)
                    names.add(made.name)
        if not new:
            continue
        fix = StructuralFix(
            kind="shift_template",
            title=f"New shift templates for {g.name} ({plan.time_zone}): {_window_text(new)} local",
            changes=FixChanges(templates=tuple((own[g.name], t) for t in new)),
        )
        out.append(_basis(g.profile, plan, fix))
    return out


def _trained_skills(gap: CoverageGap, scenario: Scenario, group: StaffingGroup) -> dict[str, int] | None:
    """The skills ``group`` must be trained in (skill -> proficiency) to serve ``gap``'s kind, or
    None when skills alone are not enough (or it has them already)."""
    seg = next(s for s in scenario.demand if s.segment == gap.segment)
    have = group.profile.skills
    need = {s: p for s, p in seg.skills.items() if have.get(s, 0) < p}
    if not need:
        return None
    trained = group.profile.model_copy(update={"skills": {**have, **need}})
    graph = build_skill_graph([seg], [trained], scenario.effective_routing, relaxation_level="full")
    for kind, servers in zip(graph.kinds, graph.serves, strict=True):
        if kind.language == gap.kind.language and kind.customer_tier == gap.kind.customer_tier:
            return need if servers else None
    return None


def _training_fixes(
    scenario: Scenario,
    gaps: Gaps,
    groups: list[StaffingGroup],
    plans: Mapping[str, ShiftPlan],
    on_shift: Mapping[str, BoolArray],
) -> list[Candidate]:
    taken = {g.group for g in scenario.roster}
    seen: set[tuple[str, tuple[tuple[str, int], ...]]] = set()
    out: list[Candidate] = []
    for gap in gaps.gaps:
        for g in groups:
            if g.name in gap.servers or not (on_shift[g.name] & gap.intervals).any():
                continue
            need = _trained_skills(gap, scenario, g)
            if need is None:
                continue
            key = (g.name, tuple(sorted(need.items())))
            if key in seen:
                continue
            seen.add(key)
            name = f"{g.name}+{'+'.join(sorted(need))}"
            while name in taken:
                name += "'"
            taken.add(name)
            profile = g.profile.model_copy(
                update={"group": name, "count": 0, "skills": {**g.profile.skills, **need}, "shifts": None}
            )
            plan = plans[g.name].model_copy(update={"group": name})
            skills = ", ".join(f"{s} {p}" for s, p in sorted(need.items()))
            fix = StructuralFix(
                kind="cross_training",
                title=f"Cross-train {g.name} people in {skills} (as group {name}, on {g.name}'s shifts)",
                changes=FixChanges(groups=(profile,), plans=(plan,)),
                trained_groups=(name,),
                skills={name: dict(need)},
            )
            out.append(_basis(profile, plan, fix, scenario.fix_rules.training_cost_per_person))
    return out


def _site_name(profile: str, time_zone: str) -> str:
    return f"{profile}-{time_zone.rsplit('/', 1)[-1].lower().replace('_', '-')}"


def _site_fixes(
    scenario: Scenario, gaps: Gaps, groups: list[StaffingGroup], plans: Mapping[str, ShiftPlan]
) -> list[Candidate]:
    rules = scenario.fix_rules
    taken = {g.group for g in scenario.roster}
    sites = {g.time_zone for g in scenario.roster}  # zones with a site already: no opening cost
    out: list[Candidate] = []
    for g in groups:
        mask = _served_mask(gaps, g.name, scenario.intervals)
        if not mask.any():
            continue
        for tz in rules.new_site_time_zones:
            if tz == g.profile.time_zone:
                continue  # the same profile in its own zone is this site, not a new one
            window = rules.hours_of(tz)
            templates = [
                made
                for t in plans[g.name].templates
                for made in covering_templates(t, tz, window, scenario, mask, t.name, new_starts_only=False)
            ]
            if not templates:
                continue
            name = _site_name(g.name, tz)
            while name in taken:
                name += "'"
            taken.add(name)
            profile = g.profile.model_copy(
                update={"group": name, "count": 0, "time_zone": tz, "shifts": None}
            )
            plan = ShiftPlan(group=name, time_zone=tz, templates=templates)
            where = f"A team at the {tz} site" if tz in sites else f"New site in {tz}"
            fix = StructuralFix(
                kind="new_site",
                title=f"{where} with {g.name}'s profile: {_window_text(templates)} local",
                changes=FixChanges(groups=(profile,), plans=(plan,)),
                fixed_cost=0.0 if tz in sites else rules.new_site_fixed_cost,
                site_time_zone=tz,
            )
            out.append(_basis(profile, plan, fix))
    return out


def candidate_fixes(scenario: Scenario, gaps: Gaps) -> list[Candidate]:
    """Every candidate fix for ``gaps`` (of ``scenario``): new templates, then cross-training, then
    new sites (see the module docstring). A candidate may close none of the gaps in the end
    (:func:`simulator.planning.fixes.proposals.propose_fixes` measures it). Raises nothing for a
    loaded scenario."""
    if not gaps:
        return []
    groups = staffing_groups(scenario)
    plan_list = shift_plans_for(scenario, groups)
    plans = {p.group: p for p in plan_list}
    on_shift = availability(scenario, groups, plan_list)
    return [
        *_template_fixes(scenario, gaps, groups, plans),
        *_training_fixes(scenario, gaps, groups, plans, on_shift),
        *_site_fixes(scenario, gaps, groups, plans),
    ]


def estimated_cost(
    scenario: Scenario, candidate: Candidate, closed: Mapping[tuple[str, str, str, int], float]
) -> tuple[float, int]:
    """(cost, people) a first estimate of ``candidate`` serving the ``closed`` gap cells
    ((segment, language, tier, interval) -> expected escalations): per interval, Erlang C agents
    for that demand at the scenario's service level, divided by the profile's slots and by
    ``1 - shrinkage``; the paid hours are the larger of those agent-hours and whole shifts for
    ``people`` (the most agents on duty at once) across the closed hours; plus the fixed cost and the
    training of ``people``. Raises nothing."""
    aht = {s.segment: s.handle_time.mean for s in scenario.demand}
    per_interval: dict[int, list[tuple[float, float]]] = {}
    for (segment, _lang, _tier, i), escalations in closed.items():
        per_interval.setdefault(i, []).append((escalations, aht[segment]))
    target = scenario.service_level
    on_duty: list[float] = []
    for items in per_interval.values():
        count = sum(e for e, _ in items)
        if count <= 0:
            continue
        rate = count / scenario.interval_s
        mean_s = sum(e * a for e, a in items) / count
        try:
            servers = staff_for_target(rate, mean_s, target.target, target.threshold_s).agents
        except ValueError:  # a target of 1.0, or beyond the model's reach: the load plus one
            servers = math.ceil(rate * mean_s) + 1
        on_duty.append(math.ceil(servers / max(candidate.slots, 1)) / (1.0 - candidate.shrinkage))
    if not on_duty:
        return candidate.fix.fixed_cost, 0
    people = math.ceil(max(on_duty) - 1e-9)
    agent_h = sum(on_duty) * scenario.interval_s / 3600.0
    shifts_each = math.ceil(len(on_duty) * scenario.interval_s / 3600.0 / max(candidate.paid_h, 1e-9))
    paid_h = max(agent_h, people * shifts_each * candidate.paid_h)
    cost = (
        paid_h * candidate.cost_per_paid_hour
        + candidate.fix.fixed_cost
        + people * candidate.training_cost_per_person
    )
    return cost, people
