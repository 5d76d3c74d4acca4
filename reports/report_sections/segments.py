"""Section 8, per segment: the chart, the segment that waits longest, and each of
:data:`reports.report_tables.SEGMENT_METRICS` per segment and roster."""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape

from reports.html_parts import chart, html_table
from reports.plan_data import rosters
from reports.report_tables import SEGMENT_METRICS
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan

__all__ = ["render"]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The chart, the longest wait (ASA) under the last verified roster, and the table."""
    runs = rosters(plan)[:2]  # the compared scenario may have other segments
    segments = plan.current.runs[0].segments
    rows = [
        (seg, key, *(metric(name).text(r.segment(seg, name).mean) for name in SEGMENT_METRICS))
        for seg in segments
        for key, r in runs
    ]
    last_key, last = runs[-1]

    def asa(segment: str) -> float:
        value = last.segment(segment, "asa_s").mean
        return value if math.isfinite(value) else -1.0

    worst = max(segments, key=asa, default=None)
    text = ""
    if worst is not None:
        text = (
            f"<p>Longest wait ({escape(last_key)} roster): <b>{escape(worst)}</b>, ASA "
            f"{metric('asa_s').text(last.segment(worst, 'asa_s').mean)}.</p>"
        )
    header = ("segment", "roster", *(metric(name).label for name in SEGMENT_METRICS))
    return chart("segment_breakdown", pngs) + text + html_table(header, rows, numeric_from=2)
