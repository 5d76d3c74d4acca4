"""Proposing fixes: measure every candidate on the gaps, combine the cheapest, verify by re-planning.

:func:`propose_fixes` takes a scenario whose plan has coverage gaps and:

1. builds the candidates (:func:`simulator.planning.fixes.candidates.candidate_fixes`) and measures
   each on the gaps: :func:`simulator.planning.fixes.gaps.find_gaps` on the fixed scenario says
   which gap cells (segment part x interval) it closes; candidates that close none are dropped;
2. adds the cheapest **combination** that closes every gap cell it can: a greedy weighted set
   cover, each step taking the candidate with the most newly closed escalations per unit of
   estimated cost (the classic ln(n)-approximation);
3. verifies the ``verify`` most promising fixes (the combination first, then by escalations closed
   and estimated cost) by re-planning the fixed scenario with the same options
   (:func:`simulator.planning.plan_capacity`: the staffing search through the production
   dispatcher, the shifts, the closed loop) -- so ``--apply-fix N`` gives exactly the plan fix N
   was verified with;
4. ranks the verified fixes: those that leave fewer escalations without service first, then
   fewer intervals that clearly miss a target, then the lower total cost (one-off cost plus the
   change in shift cost over the horizon).

:func:`plan_with_fixes` is the whole job behind ``handoff plan``: the plan, then its fixes, and
optionally fix N applied.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from simulator.planning.fixes.candidates import Candidate, candidate_fixes, estimated_cost
from simulator.planning.fixes.fix import StructuralFix, apply_fix
from simulator.planning.fixes.gaps import Gaps, find_gaps
from simulator.planning.plan import PlanOptions, Progress, plan_capacity
from simulator.planning.result import CapacityPlan
from simulator.scenario import Scenario

__all__ = [
    "DEFAULT_VERIFIED_FIXES",
    "FixVerification",
    "ProposedFix",
    "check_fix_number",
    "plan_with_fixes",
    "propose_fixes",
]

# each costs a re-plan of the scenario, about as long as the plan itself: by default the fixes are
# priced by estimate and the planner verifies the ones worth it (--verify-fixes K, --apply-fix N)
DEFAULT_VERIFIED_FIXES = 0

Cell = tuple[str, str, str, int]


@dataclass(frozen=True, slots=True)
class FixVerification:
    """What the re-plan with a fix applied reached.

    ``service_level``: share within the threshold over the horizon (mean of the replications);
    ``segment_service_level``: per segment; ``meets_target``: every target in every interval, up
    to the simulation's noise (:attr:`~simulator.planning.result.CapacityPlan.meets_target`);
    ``intervals_missing`` / ``clear_misses``: intervals where some target still misses (on the mean)
    and misses whose whole 95 % interval is on the wrong side. ``shift_cost`` is the re-planned
    published roster's cost (the shifts, or a week's patterns), ``shift_cost_change`` its change
    from the plan without the fix (same horizon);
    ``people``: headcount of every new roster group; ``one_off_cost``: new sites' fixed cost plus
    training for the people of trained groups; ``total_cost`` = one-off + shift cost change.
    """

    service_level: float
    segment_service_level: dict[str, float]
    meets_target: bool
    intervals_missing: int
    clear_misses: int
    escalations_left: float
    shift_cost: float
    shift_cost_change: float
    people: dict[str, int]
    one_off_cost: float
    total_cost: float


@dataclass(frozen=True, slots=True)
class ProposedFix:
    """A fix with what it closes (``closes_h``: segment -> hours of gap it closes entirely;
    ``escalations_closed``: expected escalations of the gaps it makes servable), its first price
    (``estimated_cost`` and ``estimated_people``) and, when verified, the re-plan's verdict."""

    fix: StructuralFix
    closes_h: dict[str, float]
    escalations_closed: float
    estimated_cost: float
    estimated_people: int
    verification: FixVerification | None = None


@dataclass(frozen=True, slots=True)
class _Measured:
    candidate: Candidate
    closed: dict[Cell, float]
    cost: float
    people: int


def _measure(scenario: Scenario, base: Gaps, fix: StructuralFix) -> tuple[dict[Cell, float], Gaps]:
    """Gap cells ``fix`` closes (with their escalations), and the gaps left."""
    left = find_gaps(apply_fix(scenario, fix))
    after = left.cells()
    return {k: v for k, v in base.cells().items() if k not in after}, left


def _closes_h(base: Gaps, left: Gaps) -> dict[str, float]:
    """Per segment, the hours of gap the fix closes for every part of the segment."""
    before = base.segment_intervals()
    after = left.segment_intervals()
    out: dict[str, float] = {}
    for seg, mask in before.items():
        rest = after.get(seg)
        closed = mask & ~rest if rest is not None else mask
        if closed.any():
            out[seg] = float(closed.sum()) * base.interval_h
    return out


def _value(m: _Measured, open_cells: frozenset[Cell]) -> float:
    """Escalations ``m`` newly closes per unit of its estimated cost."""
    return sum(v for c, v in m.closed.items() if c in open_cells) / max(m.cost, 1e-9)


def _greedy_cover(measured: list[_Measured]) -> list[_Measured]:
    """A cheap set of candidates that together close every cell any of them closes: each step the
    most newly closed escalations per unit of estimated cost; then, dearest first, parts whose
    cells the others close are dropped."""
    open_cells = {c for m in measured for c in m.closed}
    chosen: list[_Measured] = []
    while open_cells:
        still = frozenset(open_cells)
        best = max((m for m in measured if m not in chosen), key=lambda m: _value(m, still), default=None)
        if best is None or _value(best, still) <= 0:
            break
        chosen.append(best)
        open_cells -= set(best.closed)
    # reverse delete: drop the dearest parts whose cells the others close anyway
    for m in sorted(chosen, key=lambda m: -m.cost):
        others = {c for o in chosen if o is not m for c in o.closed}
        if set(m.closed) <= others:
            chosen.remove(m)
    return chosen


def _verification(
    fixed: CapacityPlan, base: CapacityPlan, fix: StructuralFix, scenario: Scenario, left: Gaps
) -> FixVerification:
    result = fixed.recommended or fixed.current
    new_groups = [g.group for g in fix.changes.groups]
    headcount = fixed.recommended_headcount
    people = {name: int(headcount.get(name, 0)) for name in new_groups}
    trained = sum(people.get(name, 0) for name in fix.trained_groups)
    one_off = fix.fixed_cost + trained * scenario.fix_rules.training_cost_per_person
    shift_cost = fixed.recommended_cost
    base_cost = base.recommended_cost
    segments = [s.segment for s in scenario.demand]
    return FixVerification(
        service_level=float(result.overall("service_level").mean),
        segment_service_level={s: float(result.segment(s, "service_level").mean) for s in segments},
        meets_target=fixed.meets_target,
        intervals_missing=len({m.interval_start_s for m in fixed.misses}),
        clear_misses=len({m.interval_start_s for m in fixed.misses if m.clear}),
        escalations_left=left.escalations(),
        shift_cost=shift_cost,
        shift_cost_change=shift_cost - base_cost,
        people=people,
        one_off_cost=one_off,
        total_cost=one_off + shift_cost - base_cost,
    )


def propose_fixes(
    scenario: Scenario,
    base: CapacityPlan,
    options: PlanOptions,
    *,
    verify: int = DEFAULT_VERIFIED_FIXES,
    pick: int | None = None,
    progress: Progress | None = None,
) -> tuple[tuple[ProposedFix, ...], dict[int, CapacityPlan]]:
    """The fixes for ``scenario``'s coverage gaps (see the module docstring), ``base`` being its plan
    without a fix (planned with ``options``). Returns the proposals -- the verified ones ranked
    first, then the rest by escalations closed and estimated cost -- and the re-plan of each
    verified proposal by its index in that tuple. No gaps: no proposals. With ``pick`` (0-based,
    ``verify`` 0) only the proposal of that rank by estimate is verified, and the ranking by
    estimate is kept (the numbers a plan without verification showed).

    Raise a ValueError for ``verify`` < 0, a ``pick`` beyond the proposals, and as
    :func:`plan_capacity` does."""
    if verify < 0:
        raise ValueError(f"verify(={verify}) must be >= 0.")
    gaps = find_gaps(scenario)
    if not gaps:
        return (), {}
    measured: list[_Measured] = []
    lefts: dict[int, Gaps] = {}
    for cand in candidate_fixes(scenario, gaps):
        closed, left = _measure(scenario, gaps, cand.fix)
        if not closed:
            continue
        cost, people = estimated_cost(scenario, cand, closed)
        measured.append(_Measured(cand, closed, cost, people))
        lefts[id(cand.fix)] = left
    proposals: list[tuple[ProposedFix, Gaps]] = []
    for m in measured:
        left = lefts[id(m.candidate.fix)]
        proposals.append(
            (
                ProposedFix(m.candidate.fix, _closes_h(gaps, left), sum(m.closed.values()), m.cost, m.people),
                left,
            )
        )
    proposals.sort(key=lambda p: (-round(p[0].escalations_closed, 6), p[0].estimated_cost))
    cover = _greedy_cover(measured)
    if len(cover) > 1:
        combined = StructuralFix.combine(tuple(m.candidate.fix for m in cover))
        closed, left = _measure(scenario, gaps, combined)
        proposals.insert(
            0,
            (
                ProposedFix(
                    combined,
                    _closes_h(gaps, left),
                    sum(closed.values()),
                    sum(m.cost for m in cover),
                    sum(m.people for m in cover),
                ),
                left,
            ),
        )
    if pick is not None:
        if not 0 <= pick < len(proposals):
            raise ValueError(f"--apply-fix {pick + 1}: the plan proposes {len(proposals)} fix(es)")
        proposal, left = proposals[pick]
        fixed = plan_capacity(apply_fix(scenario, proposal.fix), options, progress=progress)
        check = _verification(fixed, base, proposal.fix, scenario, left)
        ranked = [p for p, _ in proposals]
        ranked[pick] = dataclasses.replace(proposal, verification=check)
        return tuple(ranked), {pick: fixed}
    verified: list[tuple[ProposedFix, CapacityPlan]] = []
    for k, (proposal, left) in enumerate(proposals[:verify]):
        say = _prefixed(progress, f"verifying fix {k + 1}/{min(verify, len(proposals))}")
        fixed = plan_capacity(apply_fix(scenario, proposal.fix), options, progress=say)
        check = _verification(fixed, base, proposal.fix, scenario, left)
        verified.append((dataclasses.replace(proposal, verification=check), fixed))
    verified.sort(key=lambda p: _rank(p[0]))
    rest = [p for p, _ in proposals[verify:]]
    return tuple([p for p, _ in verified] + rest), {k: plan for k, (_, plan) in enumerate(verified)}


def _rank(p: ProposedFix) -> tuple[float, int, float]:
    v = p.verification
    assert v is not None
    return (round(v.escalations_left, 6), v.clear_misses, v.total_cost)


def _prefixed(progress: Progress | None, prefix: str) -> Progress | None:
    if progress is None:
        return None

    def say(stage: str, done: int, total: int) -> None:
        progress(f"{prefix}: {stage}", done, total)

    return say


def check_fix_number(scenario: Scenario, number: int, verify: int) -> None:
    """Reject ``--apply-fix number`` before planning when it cannot name a fix: not >= 1, beyond
    the ``verify`` fixes that will be verified (``verify`` > 0: the numbers are the verified
    ranking's; 0: the ranking by estimate's, checked once the fixes are proposed), or for a
    scenario without coverage gaps (no fix is proposed). Raise a ValueError saying which."""
    if number < 1:
        raise ValueError(f"--apply-fix must be >= 1 (a fix's number in the report), got {number}")
    if verify and number > verify:
        raise ValueError(
            f"--apply-fix {number}: only {verify} fix(es) are verified (--verify-fixes {verify}); "
            f"give a number from 1 to {verify}, or verify more"
        )
    if not find_gaps(scenario):
        raise ValueError(
            f"--apply-fix {number}: {scenario.name} has no hours without a group on shift, so the plan "
            "proposes no fixes"
        )


def plan_with_fixes(
    scenario: Scenario,
    options: PlanOptions | None = None,
    *,
    verify: int = DEFAULT_VERIFIED_FIXES,
    apply: int | None = None,
    progress: Progress | None = None,
) -> CapacityPlan:
    """:func:`plan_capacity`, then :func:`propose_fixes` when the plan has coverage gaps; with
    ``apply`` (1-based, a verified fix's number) the plan returned is the re-plan with that fix
    applied, saying so in its notes. The plan carries the proposals either way.

    Raise a ValueError as :func:`check_fix_number` (``apply`` given) and :func:`plan_capacity` do,
    and if the proposals hold fewer than ``apply`` verified fixes."""
    options = options or PlanOptions()
    if apply is not None:
        check_fix_number(scenario, apply, verify)
    base = plan_capacity(scenario, options, progress=progress)
    pick = apply - 1 if apply is not None and verify == 0 else None
    proposals, plans = propose_fixes(scenario, base, options, verify=verify, pick=pick, progress=progress)
    if apply is None:
        return dataclasses.replace(base, fixes=proposals)
    if apply - 1 not in plans:
        raise ValueError(f"--apply-fix {apply}: the plan verified {len(plans)} fix(es)")
    chosen = proposals[apply - 1]
    fixed = plans[apply - 1]
    note = f"Fix {apply} applied: {chosen.fix.title}."
    return dataclasses.replace(fixed, fixes=proposals, applied_fix=apply, notes=(note, *fixed.notes))
