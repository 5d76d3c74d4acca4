"""Section 8, per segment: each segment against its own targets (the verdict table), the chart,
the segment that waits longest, and each of :data:`reports.report_tables.SEGMENT_METRICS` per
segment and roster."""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape

from reports.html_parts import chart, html_table
from reports.plan_data import ROSTER_LABELS, rosters, verified
from reports.report_tables import SEGMENT_METRICS
from reports.report_text import target_text
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan, SegmentVerdict
from simulator.scenario import Target

__all__ = ["render", "verdict_table"]


def _check_cells(verdict: SegmentVerdict) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for check in verdict.checks:
        m = metric(check.metric)
        target = Target(check.metric, check.goal, check.higher_is_better, "segment")
        ci = "" if check.ci95 is None else f"{m.text(check.ci95[0])}–{m.text(check.ci95[1])}"
        rows.append(
            (
                verdict.segment,
                target_text(target, verdict.threshold_s) + ("" if verdict.own else " (scenario's)"),
                m.text(check.value),
                ci,
                "meets" if check.met else "misses",
            )
        )
    return rows


def verdict_table(plan: CapacityPlan) -> str:
    """The per-segment verdicts as HTML: one row per segment and target, with the verified
    roster's mean over the horizon, its 95 % interval and whether it meets the target; a line
    saying how many segments meet theirs. Empty when the plan has no verdicts."""
    if not plan.segment_verdicts:
        return ""
    key, _ = verified(plan)
    met = sum(v.meets for v in plan.segment_verdicts)
    total = len(plan.segment_verdicts)
    lead = (
        f"<p>Each segment against its own targets over the horizon ({escape(ROSTER_LABELS[key])}): "
        f"<b>{met} of {total}</b> segments meet all of theirs.</p>"
    )
    rows = [row for v in plan.segment_verdicts for row in _check_cells(v)]
    header = ("segment", "target", "mean", "95 % CI", "verdict")
    return lead + html_table(header, rows, numeric_from=2, cls="small")


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The verdict table, the chart, the longest wait (ASA) under the last verified roster, and
    the table of metrics per segment and roster."""
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
    verdicts = verdict_table(plan)
    if verdicts:
        verdicts = "<h3>Verdict per segment</h3>" + verdicts
    return verdicts + chart("segment_breakdown", pngs) + text + html_table(header, rows, numeric_from=2)
