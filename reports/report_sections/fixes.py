"""Section: fixes for what staffing alone cannot cover -- the verified fixes ranked, with the hours
they close, their cost and the service level they reach, then the fixes only priced."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Final

from reports.fix_text import (
    FIX_KIND_LABELS,
    VERIFIED_HEADER,
    closes_text,
    considered_fixes,
    cost_text,
    reaching_text,
)
from reports.fix_text import verified_rows as fix_rows
from reports.html_parts import html_table
from simulator.planning.result import CapacityPlan

__all__ = ["CONSIDERED_ROWS", "render"]

CONSIDERED_ROWS: Final = 10  # fixes priced but not verified, shown before "and N more"


def render(plan: CapacityPlan, _pngs: Mapping[str, bytes]) -> str:
    """The applied fix (if any), the verified fixes table and how to apply one, and the fixes only
    priced by estimate; or that every segment has someone who can be on shift."""
    if not plan.fixes:
        return (
            "<p>Every segment has a group with its skills that can be on shift whenever it has "
            "demand: staffing alone can cover this scenario, no structural fix is needed.</p>"
        )
    parts: list[str] = []
    if plan.applied_fix is not None:
        applied = plan.fixes[plan.applied_fix - 1]
        parts.append(
            f'<p class="verdict warn">This plan was made with fix {plan.applied_fix} applied: '
            f"{escape(applied.fix.title)}.</p>"
        )
    rows = fix_rows(plan)
    parts.append(
        "<p>Some segments have hours in which no group that can serve them can be on shift (or no "
        "group has their skills), so no staffing fills them. Each fix below was verified by "
        "re-planning the scenario with it applied (staffing search, shifts, closed loop, same "
        "seeds). Costs are in the unit of the shift templates' cost per paid hour: the one-off "
        "cost (new sites, training the people the plan puts in a trained group) plus the change "
        "in shift cost over the horizon.</p>"
    )
    if rows:
        parts.append(html_table(VERIFIED_HEADER, rows, numeric_from=5))
        parts.append(
            "<p class=note>Re-plan with one applied: <code>handoff plan SCENARIO --apply-fix N</code> "
            "(the same options give the plan the fix was verified with).</p>"
        )
    parts.append(f"<p><b>{escape(reaching_text(plan))}</b></p>")
    considered = considered_fixes(plan)
    if considered:
        shown = considered[:CONSIDERED_ROWS]
        table = html_table(
            ("kind", "what", "closes", "escalations served", "estimated people", "estimated cost"),
            [
                (
                    FIX_KIND_LABELS[p.fix.kind],
                    p.fix.title,
                    closes_text(p.closes_h),
                    f"{p.escalations_closed:,.1f}",
                    str(p.estimated_people),
                    cost_text(p.estimated_cost),
                )
                for p in shown
            ],
            numeric_from=3,
            cls="small",
        )
        more = len(considered) - len(shown)
        parts.append(
            "<h3>Also considered (priced by estimate, not verified)</h3>"
            + table
            + (f"<p class=note>… and {more} more in <code>plan.json</code>.</p>" if more > 0 else "")
        )
    return "".join(parts)
