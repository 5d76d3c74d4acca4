"""The capacity report as one HTML page: a header, the contents, then every section of
:data:`SECTIONS` (one module of :mod:`reports.report_sections` each); styles inline, charts
embedded, prints on A4."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Final

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

_CSS = """
:root { --ok: #1a7f37; --miss: #b42318; --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.verdict { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 8px 0 12px; }
.verdict.ok { background: #dafbe1; color: var(--ok); border-left: 6px solid var(--ok); }
.verdict.miss { background: #ffebe9; color: var(--miss); border-left: 6px solid var(--miss); }
.verdict.warn { background: #fff8c5; color: #7d4e00; border-left: 6px solid #bf8700; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; width: 100%; }
table.headcount { width: auto; min-width: 60%; }
table.small { font-size: 12px; }
table.kpi td:first-child { min-width: 13em; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { text-align: right; }
tbody tr:last-child td { border-bottom: 1px solid #8c959f; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
figure { margin: 10px 0 16px; } figure img { width: 100%; height: auto; display: block; }
figcaption, .note { color: var(--muted); font-size: 12px; }
code { font-size: 12px; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
nav ol { columns: 2; margin: 4px 0 0; padding-left: 0; list-style: none; }
@page { size: A4; margin: 12mm 11mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section { break-before: page; }
  section#headline { break-before: auto; }
  h2, h3 { break-after: avoid; }
  figure, .verdict, tr, dl.facts { break-inside: avoid; }
  figure img { max-height: 245mm; object-fit: contain; }
  table { font-size: 9.5pt; }
  a { color: inherit; text-decoration: none; }
  .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def render_html(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The whole report as one HTML document; ``pngs`` maps a chart name to the PNG bytes to embed
    (a chart missing from it is left out). The HTML formats the plan for people; the CSV tables
    hold the same figures for machines."""
    sc = plan.scenario
    nav = "".join(f'<li><a href="#{key}">{escape(title)}</a></li>' for key, title, _ in SECTIONS)
    sections = "".join(
        f'<section id="{key}"><h2>{escape(title)}</h2>{render(plan, pngs)}</section>'
        for key, title, render in SECTIONS
    )
    title = f"Capacity report: {sc.name}"
    sub = (
        f"{scenario_start(sc):%a %d %b %Y} · {sc.time_zone} · target {goal_text(sc.service_level)} · "
        f"{plan.replications} replications, seed {plan.seed}"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p class=sub>{escape(sub)}</p>"
        "<p class=note>Files beside this report: <code>plan.json</code> (for machines), "
        "<code>charts/</code> (PNG and SVG), <code>tables/</code> (CSV).</p>"
        f"<nav><ol>{nav}</ol></nav></header>{sections}"
        "</body></html>\n"
    )
