"""Section 9, ETA accuracy: whether the wait the router tells a queued customer comes true.

Measured on the verified roster's queued escalations (:mod:`simulator.eta_accuracy`): the verdict
against the bar this report holds ETAs to (median absolute error at most :data:`GOOD_RELATIVE` of
the median wait), the calibration chart, and the figures per segment."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from reports.html_parts import chart, html_table
from reports.plan_data import ROSTER_LABELS, verified, verified_eta_pairs
from reports.report_tables import ETA_TABLE_METRICS
from simulator.eta_accuracy import ALL, EtaAccuracy, eta_accuracy_by_segment
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan

__all__ = ["GOOD_RELATIVE", "render"]

#: ETAs are good enough when the median absolute error is at most this share of the median wait.
GOOD_RELATIVE = 0.3


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The verdict, the chart, the table, and how ETAs are made and measured."""
    pairs = verified_eta_pairs(plan)
    if pairs is None:
        return "<p>No records were kept, so ETA accuracy was not measured.</p>"
    key, _ = verified(plan)
    by_segment = eta_accuracy_by_segment(pairs)
    overall = by_segment[ALL]
    if overall.measured == 0:
        return (
            f"<p>No escalation was queued on arrival with the {escape(ROSTER_LABELS[key])} "
            f"(after warm-up), so there is no ETA to check ({overall.queued:,} queued).</p>"
        )
    header = (
        "segment",
        "queued",
        "no ETA",
        "left before an offer",
        *(metric(m).label for m in ETA_TABLE_METRICS),
    )
    rows = [
        (
            segment,
            f"{acc.queued:,}",
            f"{acc.unknown:,}",
            f"{acc.censored:,}",
            *(metric(name).text(value) for name, value in acc.metrics().items() if name in ETA_TABLE_METRICS),
        )
        for segment, acc in by_segment.items()
    ]
    return (
        _verdict(overall, by_segment, ROSTER_LABELS[key])
        + chart("eta_calibration", pngs)
        + html_table(header, rows, numeric_from=1)
        + _NOTE
    )


def _verdict(overall: EtaAccuracy, by_segment: dict[str, EtaAccuracy], roster: str) -> str:
    rel, err, wait = (
        metric("eta_relative_error"),
        metric("eta_median_abs_error_s"),
        metric("eta_median_wait_s"),
    )
    good = overall.relative_error <= GOOD_RELATIVE
    head = (
        f'<p class="verdict {"ok" if good else "miss"}"><b>{"Yes" if good else "No"}</b>: '
        f"with the {escape(roster)}, "
        f"the ETA told to a queued customer was off by a median {err.text(overall.median_abs_error_s)} "
        f"against a median wait of {wait.text(overall.median_wait_s)} "
        f"({rel.text(overall.relative_error)}; good is at most {rel.text(GOOD_RELATIVE)}), and "
        f"{metric('eta_within_30s').text(overall.within_30s)} of ETAs came within +-30 s.</p>"
    )
    rough = [
        (s, acc)
        for s, acc in by_segment.items()
        if s != ALL and acc.measured >= 10 and acc.relative_error > GOOD_RELATIVE
    ]
    if rough:
        listed = ", ".join(
            f"<b>{escape(s)}</b> ({err.text(acc.median_abs_error_s)} off against a median wait of "
            f"{wait.text(acc.median_wait_s)})"
            for s, acc in rough
        )
        head += (
            f"<p>ETAs are rough for {listed}: when the next agent frees up is hard to foresee there "
            "(few agents, or long and variable handle times). Tell those customers a range rather "
            "than a time, or offer a callback once the ETA passes a few minutes.</p>"
        )
    return head


_NOTE = (
    "<p class=note>Each escalation queued on arrival after warm-up, pooled over replications: the "
    "ETA the router gave at that moment against its wait to a first offer. Bias is the median of "
    "predicted minus actual (positive: ETAs promise longer waits than happen). Escalations given "
    "no ETA (nobody who may take them due within the deferral horizon) and those that left or were "
    "deferred before an offer are counted, not measured. The router predicts from who may take "
    "the escalation and when (now, after a relaxation step, at a shift or break start, back from "
    "away), when their current work is expected to end (the learned handle time of that kind of "
    "work), and how many wait ahead; it does not foresee customers ahead who leave or later, "
    "higher-priority arrivals who overtake.</p>"
)
