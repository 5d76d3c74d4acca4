"""Section 7, the recommended shifts: the coverage chart, how the schedule was reached, and every
shift with its local start."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from reports.html_parts import chart, html_table
from reports.report_text import local_time
from simulator.planning.result import CapacityPlan

__all__ = ["render"]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The chart, the solver's status, and the shifts table; or that there is no schedule."""
    sched = plan.schedule
    if sched is None:
        return chart("shift_coverage", pngs) + "<p>No shift schedule was produced for this plan.</p>"
    sc = plan.scenario
    info = (
        f"<p>Schedule status <b>{escape(sched.status.value)}</b> (method {escape(sched.method)}) · "
        f"paid hours {sched.paid_hours:,.1f} · cost {sched.cost:,.2f}</p>"
        f"<p class=note>Solver: {escape(sched.message)}</p>"
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
    return chart("shift_coverage", pngs) + info + "<h3>Recommended shifts</h3>" + table
