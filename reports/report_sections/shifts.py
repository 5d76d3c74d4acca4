"""Section 7, the recommended shifts: the coverage chart, the week heatmap (several days), how the
schedule was reached with its paid hours against the LP bound, the weekly patterns and named
people (a week), and every shift with its local start."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from reports.html_parts import chart, html_table
from reports.report_text import local_time
from simulator.planning.result import CapacityPlan

__all__ = ["bound_text", "render", "weekly_text"]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The chart, the solver's status, and the shifts table; or that there is no schedule."""
    sched = plan.schedule
    if sched is None:
        return chart("shift_coverage", pngs) + "<p>No shift schedule was produced for this plan.</p>"
    sc = plan.scenario
    info = (
        f"<p>Schedule status <b>{escape(sched.status.value)}</b> (method {escape(sched.method)}) · "
        f"paid hours {sched.paid_hours:,.1f} · cost {sched.cost:,.2f}</p>"
        + bound_text(plan)
        + f"<p class=note>Solver: {escape(sched.message)}</p>"
    )
    rows = []
    for s in sorted(sched.shifts, key=lambda s: (s.group, s.start_s, s.template)):
        brk = (
            ""
            if s.break_start is None or s.break_end is None
            else f"{s.break_start:%H:%M}–{s.break_end:%H:%M}"
        )
        rows.append(
            (
                s.group,
                s.template,
                f"{s.start:%a %H:%M}",
                f"{s.end:%a %H:%M}",
                s.time_zone,
                str(s.count),
                brk,
                local_time(s.start_s, sc),
            )
        )
    table = html_table(
        ("group", "template", "start", "end", "time zone", "agents", "break", f"start in {sc.time_zone}"),
        rows,
        numeric_from=5,
    )
    return (
        chart("shift_coverage", pngs)
        + chart("week_heatmap", pngs)
        + info
        + weekly_text(plan)
        + "<h3>Recommended shifts</h3>"
        + table
    )


def weekly_text(plan: CapacityPlan) -> str:
    """The week's patterns and people as HTML (empty without a weekly roster): the pattern
    stage's status and paid hours, people per pattern, and what the named people leave to hire."""
    weekly = plan.weekly_roster
    if weekly is None:
        return ""
    p, roster = weekly.patterns, weekly.roster
    people = sum(x.count for x in p.patterns)
    lead = (
        f"<h3>Weekly patterns and people</h3><p>{people} people on {len(p.patterns)} weekly "
        f"patterns under the labour rules (status <b>{escape(p.status.value)}</b>, {escape(p.method)}): "
        f"{p.paid_hours:,.1f} paid hours a week, cost {p.cost:,.2f}. Named people assigned: "
        f"{len(roster.assignments)}; to hire: {sum(h.count for h in roster.hires)}.</p>"
        f"<p class=note>{escape(p.message)} {escape(roster.message)} Files: <code>roster.csv</code>, "
        "<code>patterns.csv</code>, <code>hires.csv</code>, one <code>calendars/*.ics</code> per "
        "person.</p>"
    )
    rows = [
        (x.group, x.contract, x.template, x.label, str(x.count), f"{x.paid_h:g}")
        for x in sorted(
            p.patterns, key=lambda x: (x.group, x.contract, [-1 if m is None else m for m in x.starts_min])
        )
    ]
    return lead + html_table(
        ("group", "contract", "template", "week (local starts)", "people", "paid h each"),
        rows,
        numeric_from=4,
        cls="small",
    )


def _gap(gap: float | None) -> str:
    return "n/a" if gap is None else f"{100 * gap:.1f} %"


def bound_text(plan: CapacityPlan) -> str:
    """Paid hours and cost against the LP relaxation's lower bound and the gap, as HTML; empty
    without a schedule or a bound."""
    sched = plan.schedule
    if sched is None or sched.lower_bound_paid_hours is None or sched.lower_bound_cost is None:
        return ""
    return (
        f"<p>Paid hours <b>{sched.paid_hours:,.1f}</b> against a lower bound of "
        f"{sched.lower_bound_paid_hours:,.1f} (gap {_gap(sched.paid_hours_gap)}); cost "
        f"{sched.cost:,.2f} against {sched.lower_bound_cost:,.2f} (gap {_gap(sched.cost_gap)}).</p>"
        "<p class=note>The bound is the LP relaxation of the shift-covering problem (fractional "
        "agents per shift, the same templates, limits and required agents per group, no more short "
        "than this schedule): no schedule for these requirements pays less. The required agents per "
        "group come from the staffing search, which splits them between groups by the cost of an "
        "agent on the queue.</p>"
    )
