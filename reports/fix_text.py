"""The structural fixes in words, shared by the report's fixes section and the console.

A plan's :attr:`~simulator.planning.result.CapacityPlan.fixes` are numbered 1, 2, ... in rank order
(the verified ones; ``handoff plan --apply-fix N`` names them); the fixes considered but not
verified follow, unnumbered. Metric formats are the catalogue's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, NamedTuple

from reports.report_text import HEADCOUNT
from simulator.metric_catalogue import metric
from simulator.planning.fixes import FixKind, ProposedFix
from simulator.planning.result import CapacityPlan

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "FIX_KIND_LABELS",
    "VERIFIED_HEADER",
    "FixRow",
    "closes_text",
    "considered_fixes",
    "cost_text",
    "print_fixes",
    "reaching_text",
    "verified_rows",
]

#: What planners call each kind of fix.
FIX_KIND_LABELS: Final[dict[FixKind, str]] = {
    "shift_template": "new shift template",
    "cross_training": "cross-training",
    "new_site": "new site",
    "combined": "combination",
}

VERIFIED_HEADER: Final = (
    "fix",
    "kind",
    "what",
    "closes",
    "people",
    "one-off cost",
    "shift cost change",
    "total cost",
    "service level",
    "verdict",
)


class FixRow(NamedTuple):
    """One verified fix as text cells, in :data:`VERIFIED_HEADER` order."""

    number: str
    kind: str
    what: str
    closes: str
    people: str
    one_off_cost: str
    shift_cost_change: str
    total_cost: str
    service_level: str
    verdict: str


def closes_text(closes_h: Mapping[str, float]) -> str:
    """``technical 9 h, legal 4.5 h``; ``no whole hour`` when it closes parts only."""
    return ", ".join(f"{seg} {hours:g} h" for seg, hours in closes_h.items()) or "no whole hour"


def cost_text(value: float, *, signed: bool = False) -> str:
    """A cost in the scenario's unit: ``1,234.5``, signed (``+12.0``) for a change."""
    return f"{value:+,.1f}" if signed else f"{value:,.1f}"


def verified_rows(plan: CapacityPlan) -> list[FixRow]:
    """Every verified fix of ``plan`` as a :class:`FixRow`, by its number."""
    rows: list[FixRow] = []
    for number, proposal in enumerate(plan.fixes, start=1):
        v = proposal.verification
        if v is None:
            break
        people = ", ".join(f"{g}: {HEADCOUNT.text(n)}" for g, n in v.people.items()) or "none new"
        if v.meets_target:
            verdict = "meets every target"
        else:
            verdict = f"misses in {v.intervals_missing} interval(s), {v.clear_misses} clearly"
        if v.escalations_left > 0:
            verdict += f"; {v.escalations_left:,.1f} escalations still without anyone on shift"
        rows.append(
            FixRow(
                number=str(number) + (" (applied)" if plan.applied_fix == number else ""),
                kind=FIX_KIND_LABELS[proposal.fix.kind],
                what=proposal.fix.title,
                closes=closes_text(proposal.closes_h),
                people=people,
                one_off_cost=cost_text(v.one_off_cost),
                shift_cost_change=cost_text(v.shift_cost_change, signed=True),
                total_cost=cost_text(v.total_cost),
                service_level=metric("service_level").text(v.service_level),
                verdict=verdict,
            )
        )
    return rows


def reaching_text(plan: CapacityPlan) -> str:
    """Which priced fixes reach every target, in one sentence: the verified ones that do (number
    and total cost, cheapest first), or that none of the verified ones does and by how much the
    best misses, or, with none verified, how to verify the first. Empty without fixes."""
    if not plan.fixes:
        return ""
    verified = [(n, p.verification) for n, p in enumerate(plan.fixes, start=1) if p.verification is not None]
    if not verified:
        return (
            "No fix was verified: handoff plan SCENARIO --verify-fixes 1 re-plans with the first "
            f"({plan.fixes[0].fix.title}, estimated cost {cost_text(plan.fixes[0].estimated_cost)}) "
            "and tells whether it reaches every target; each fix verified takes about as long as "
            "the plan."
        )
    reaching = sorted((v.total_cost, n) for n, v in verified if v.meets_target)
    if reaching:
        listed = "; ".join(f"fix {n}, total cost {cost_text(cost)}" for cost, n in reaching)
        return f"Verified to reach every target: {listed}."
    n, best = min(verified, key=lambda nv: (nv[1].clear_misses, nv[1].intervals_missing))
    return (
        f"None of the {len(verified)} verified fix(es) reaches every target: the closest, fix {n}, "
        f"still misses clearly in {best.clear_misses} interval(s) (service level "
        f"{metric('service_level').text(best.service_level)}); verify more with --verify-fixes K."
    )


def considered_fixes(plan: CapacityPlan) -> list[ProposedFix]:
    """The fixes measured and priced by estimate but not verified, best first."""
    return [p for p in plan.fixes if p.verification is None]


def print_fixes(plan: CapacityPlan, console: Console) -> None:
    """The verified fixes in the terminal (number, what, closes, total cost, service level,
    verdict), the applied one marked, and how many more were priced. Prints nothing without
    fixes."""
    from rich.table import Table

    if not plan.fixes:
        return
    rows = verified_rows(plan)
    if rows:
        table = Table(title="fixes for hours staffing cannot cover (verified)", title_justify="left")
        for col in ("fix", "what", "closes", "total cost", "service level", "verdict"):
            table.add_column(col, justify="right" if col in ("total cost", "service level") else "left")
        for r in rows:
            table.add_row(r.number, r.what, r.closes, r.total_cost, r.service_level, r.verdict)
        console.print(table)
    console.print(f"- {reaching_text(plan)}", highlight=False)
    more = len(considered_fixes(plan))
    if more:
        console.print(f"- {more} more fix(es) priced by estimate in the report.", highlight=False)
    if plan.applied_fix is None and rows:
        console.print("- Re-plan with one applied: handoff plan SCENARIO --apply-fix N", highlight=False)
