"""The capacity report: one self-contained HTML file a planner takes to a manager, plus its parts.

:func:`write_report` writes into ``out_dir``::

    report.html             charts embedded as base64 PNG, no external resource, prints on A4
    plan.json               the plan for machines (:mod:`reports.plan_document`)
    charts/NAME.png|.svg    every chart (:data:`reports.charts.CHARTS`)
    tables/NAME.csv         every table (:mod:`reports.report_tables`)
    roster.csv, patterns.csv, hires.csv, calendars/ID.ics
                            for a week's plan: the named roster, the weekly patterns, the hires
                            and one iCalendar file per person (:mod:`reports.roster_files`)

The HTML (:mod:`reports.report_html`) reads in a manager's order, one module of
:mod:`reports.report_sections` per section: 1 headline (does the roster meet the handoff target
on the peak day; headcount per group and the change), 2 assumptions, 3 KPI summary with 95 % CIs,
4 demand vs staffing, 5 handoff-time distribution, 6 service level / abandonment / occupancy per
interval and the intervals that still miss, 7 recommended shifts, 8 per-segment breakdown,
9 ETA accuracy (whether the waits told to queued customers came true),
10 comparison. Every string that comes from the scenario is HTML-escaped.
"""

from __future__ import annotations

from pathlib import Path

from reports.charts import render_charts
from reports.plan_data import scenario_start
from reports.plan_document import write_plan_json
from reports.report_files import PNG_DPI, save_charts, write_tables
from reports.report_html import render_html
from reports.report_tables import build_tables
from reports.roster_files import write_roster_files
from simulator.planning.result import CapacityPlan

__all__ = ["PNG_DPI", "render_charts", "render_html", "write_report"]


def write_report(plan: CapacityPlan, out_dir: Path) -> dict[str, Path]:
    """Write the capacity report of ``plan`` into ``out_dir`` (created if missing).

    Returns every file written, keyed by its path relative to ``out_dir`` (``"report.html"``,
    ``"plan.json"``, ``"charts/demand_vs_staffing.png"``, ``"tables/kpis.csv"``, ...). Charts
    whose data the plan lacks are left out (see :func:`reports.charts.render_charts`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs, written = save_charts(render_charts(plan), out_dir)
    written.update(write_tables(build_tables(plan), out_dir))

    weekly = plan.weekly_roster
    if weekly is not None:  # the calendars' DTSTAMP is the scenario's start: the same plan, the same files
        stamp = scenario_start(plan.scenario)
        written.update(write_roster_files(weekly.patterns, weekly.roster, out_dir, stamp=stamp))

    written["plan.json"] = out_dir / "plan.json"
    write_plan_json(plan, written["plan.json"])

    written["report.html"] = out_dir / "report.html"
    written["report.html"].write_text(render_html(plan, pngs), encoding="utf-8")
    return written
