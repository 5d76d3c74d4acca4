"""The capacity report as one HTML page: a header, the contents, then every section of
:data:`SECTIONS` (one module of :mod:`reports.report_sections` each); styles inline, charts
embedded, prints on A4."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from reports.html_parts import html_page
from reports.plan_data import scenario_start
from reports.report_sections import (
    assumptions,
    comparison,
    eta,
    fixes,
    handoff,
    headline,
    intervals,
    kpis,
    segments,
    shifts,
    staffing,
)
from reports.report_text import goal_text
from simulator.planning.result import CapacityPlan

__all__ = ["SECTIONS", "render_html"]

Render = Callable[[CapacityPlan, Mapping[str, bytes]], str]

#: (anchor, title, render) of every section, in report order.
SECTIONS: Final[tuple[tuple[str, str, Render], ...]] = (
    ("headline", "1. Headline", headline.render),
    ("assumptions", "2. Assumptions", assumptions.render),
    ("kpis", "3. KPI summary", kpis.render),
    ("demand", "4. Demand vs staffing", staffing.render),
    ("handoff", "5. Handoff-time distribution", handoff.render),
    ("intervals", "6. Service level, abandonment and occupancy per interval", intervals.render),
    ("shifts", "7. Recommended shifts", shifts.render),
    ("segments", "8. Per-segment breakdown", segments.render),
    ("eta", "9. ETA accuracy", eta.render),
    ("comparison", "10. Comparison", comparison.render),
    ("fixes", "11. Fixes for hours staffing cannot cover", fixes.render),
)


def render_html(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The whole report as one HTML document; ``pngs`` maps a chart name to the PNG bytes to embed
    (a chart missing from it is left out). The HTML formats the plan for people; the CSV tables
    hold the same figures for machines."""
    sc = plan.scenario
    sections = [(key, title, render(plan, pngs)) for key, title, render in SECTIONS]
    title = f"Capacity report: {sc.name}"
    sub = (
        f"{scenario_start(sc):%a %d %b %Y} · {sc.time_zone} · target {goal_text(sc.service_level)} · "
        f"{plan.replications} replications, seed {plan.seed}"
    )
    files = "<code>plan.json</code> (for machines), <code>charts/</code> (PNG and SVG), "
    files += "<code>tables/</code> (CSV)"
    return html_page(title, sub, files, sections)
