"""Section 6, results per interval: the chart, and the intervals that still miss a target (each
segment against its own targets, the pool targets over all escalations)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from reports.html_parts import chart, html_table
from reports.plan_data import ROSTER_LABELS, verified
from reports.report_text import local_time
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan

__all__ = ["SHOWN_MISSES", "render"]

#: Misses listed in the HTML; ``tables/misses.csv`` holds every one (a week can have thousands).
SHOWN_MISSES: Final = 200


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The chart, then the misses (interval, segment, metric, simulated, target, short by), the
    first :data:`SHOWN_MISSES` of them, or that there are none."""
    sc = plan.scenario
    if not plan.misses:
        which = ROSTER_LABELS[verified(plan)[0]]
        return (
            chart("interval_performance", pngs) + f"<p>The {which} meets every target in every interval.</p>"
        )
    fmt = "%H:%M" if sc.duration_h + sc.warmup_h <= 24 else "%a %H:%M"
    misses = sorted(plan.misses, key=lambda m: (m.interval_start_s, m.metric, m.segment or ""))
    rows = []
    for miss in misses[:SHOWN_MISSES]:
        m = metric(miss.metric)
        end = miss.interval_start_s + sc.interval_s
        rows.append(
            (
                f"{local_time(miss.interval_start_s, sc, fmt)}–{local_time(end, sc)}",
                miss.segment or "all segments",
                m.label,
                m.text(miss.value),
                m.text(miss.target),
                m.delta_text(miss.shortfall).lstrip("+"),
            )
        )
    more = ""
    if len(misses) > SHOWN_MISSES:
        more = (
            f"<p class=note>The first {SHOWN_MISSES} of {len(misses)} misses; every one is in "
            "<code>tables/misses.csv</code>.</p>"
        )
    header = ("interval (local)", "segment", "metric", "simulated", "target", "short by")
    return (
        chart("interval_performance", pngs)
        + "<h3>Intervals that still miss a target</h3>"
        + html_table(header, rows, numeric_from=3)
        + more
    )
