"""Section 1, the headline: does the roster meet the handoff target on the peak day, and with how
many people per group."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from reports.fix_text import reaching_text
from reports.html_parts import html_table
from reports.plan_data import ROSTER_LABELS, verified
from reports.report_text import AGENT_HOURS, HEADCOUNT, local_time, targets_text
from simulator.console import estimate_text
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan
from simulator.replications import Estimate

__all__ = ["render"]

#: Missed intervals named in the headline before it says "…".
_NAMED = 12


def _verdict(plan: CapacityPlan, which: str, misses_by_metric: Mapping[str, list[float]]) -> tuple[str, str]:
    """(sentence, CSS class) of the verdict on roster ``which``: ok, warn (the handoff target
    holds, another target misses) or miss."""
    n = plan.interval_start_s.size
    handoff = f"the {plan.scenario.service_level.threshold_s:g}-s handoff target"
    sl_missed = len(misses_by_metric.get("service_level", ()))
    if plan.meets_target:
        noise = plan.noise_misses
        return (
            f"Yes: the {which} meets {handoff} and every other target in every interval of the "
            f"{'peak day' if plan.scenario.duration_h <= 24 else 'horizon'}"
            + (
                f", within the simulation's noise: {noise} interval(s) fall short on the mean by less "
                "than their 95 % interval, or in the one replication that had escalations there "
                "(more replications would tell)."
                if noise
                else "."
            ),
            "ok",
        )
    short = [v.segment for v in plan.segment_verdicts if not v.meets]
    if not misses_by_metric and short:
        return (
            f"No: over the {'peak day' if plan.scenario.duration_h <= 24 else 'horizon'}, the {which} "
            f"misses the targets of {', '.join(short)} (table of segments below).",
            "miss",
        )
    if sl_missed == 0:
        others = "; ".join(
            f"{metric(k).label} in {len(v)} of {n} intervals" for k, v in misses_by_metric.items()
        )
        return (
            f"Yes on {handoff} in every interval, but the {which} still misses other targets: {others}.",
            "warn",
        )
    verdict = f"No: the {which} misses {handoff} in {sl_missed} of {n} intervals."
    missed = len({m.interval_start_s for m in plan.misses})
    if missed > sl_missed:
        verdict += f" Counting every target, {missed} of {n} intervals miss."
    clear = len({m.interval_start_s for m in plan.misses if m.clear})
    if any(m.ci95 is not None for m in plan.misses) and clear < missed:
        verdict += (
            f" {clear} of them miss clearly (the whole 95 % interval on the wrong side); the rest are "
            "within the simulation's noise."
        )
    return verdict, "miss"


def _service_level(e: Estimate, bold: bool = False) -> str:
    """A service-level estimate as HTML: the mean (in bold if ``bold``), then its 95 % CI if any."""
    mean, ci = (escape(t) for t in estimate_text(e, "service_level"))
    text = f"<b>{mean}</b>" if bold else mean
    return f"{text} (95 % CI {ci})" if e.ci95 is not None else text


def _headcount(plan: CapacityPlan) -> str:
    groups = list(dict.fromkeys([*plan.current_headcount, *plan.recommended_headcount]))

    def hours(table: dict[str, float], g: str | None) -> str:
        if not table:
            return "-"
        return AGENT_HOURS.text(sum(table.values()) if g is None else table.get(g, 0.0))

    def row(name: str, cur: int, rec: int, g: str | None) -> tuple[str, ...]:
        return (
            name,
            HEADCOUNT.text(cur),
            HEADCOUNT.text(rec),
            HEADCOUNT.delta_text(rec - cur),
            hours(plan.current_agent_hours, g),
            hours(plan.recommended_agent_hours, g),
        )

    current = {g: plan.current_headcount.get(g, 0) for g in groups}
    recommended = {g: plan.recommended_headcount.get(g, current[g]) for g in groups}
    rows = [row(g, current[g], recommended[g], g) for g in groups]
    rows.append(row("all groups", sum(current.values()), sum(recommended.values()), None))
    header = (
        "group",
        "current headcount",
        "recommended headcount",
        "change",
        "current agent-hours on duty",
        "recommended agent-hours on duty",
    )
    return html_table(header, rows, cls="headcount")


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The verdict, the targets, the day's service level, headcount per group, the findings and
    the intervals that still miss (named, local time)."""
    sc = plan.scenario
    by_metric: dict[str, list[float]] = {}  # metric -> intervals where some segment (or the pool) misses
    for m in sorted(plan.misses, key=lambda m: m.interval_start_s):
        starts = by_metric.setdefault(m.metric, [])
        if not starts or starts[-1] != m.interval_start_s:
            starts.append(m.interval_start_s)
    key, result = verified(plan)
    which = ROSTER_LABELS[key]
    verdict, klass = _verdict(plan, which, by_metric)
    span = "the day" if sc.duration_h <= 24 else f"the {sc.duration_h / 24:g} days"
    day = f"Service level over {span}: {which} {_service_level(result.overall('service_level'), bold=True)}"
    if plan.recommended is not None:
        day += f"; current roster {_service_level(plan.current.overall('service_level'))}"
    lines = [f"<p>Targets: {escape(targets_text(sc.service_level))}.</p>", f"<p>{day}.</p>"]
    if plan.verified_roster:
        lines.append(f"<p>Verified by simulating {escape(plan.verified_roster)}.</p>")
    own = [d.segment for d in sc.demand if d.service_level is not None]
    if own:
        lines.append(f"<p>Segments with their own targets: {escape(', '.join(own))} (section 8).</p>")
    if plan.segment_verdicts:
        failing = [v.segment for v in plan.segment_verdicts if not v.meets]
        lines.append(
            "<p>Per segment over the horizon, each against its own targets: "
            + (
                "every segment meets them."
                if not failing
                else f"{len(failing)} of {len(plan.segment_verdicts)} miss ({escape(', '.join(failing))})."
            )
            + "</p>"
        )
    for name, starts in by_metric.items():
        fmt = "%H:%M" if sc.duration_h + sc.warmup_h <= 24 else "%a %H:%M"
        names = ", ".join(local_time(t, sc, fmt) for t in starts[:_NAMED])
        names += " …" if len(starts) > _NAMED else ""
        lines.append(
            f"<p>Intervals that still miss on {escape(metric(name).label)} (local start): {escape(names)}; "
            "see section 6.</p>"
        )
    if plan.fixes and not plan.meets_target:  # what would close what staffing cannot
        lines.append(
            f"<p>Fixes for the hours no staffing covers (last section): {escape(reaching_text(plan))}</p>"
        )
    notes = ""
    if plan.notes:
        notes = "<h3>Findings</h3><ul>" + "".join(f"<li>{escape(n)}</li>" for n in plan.notes) + "</ul>"
    return (
        f'<div class="verdict {klass}">{escape(verdict)}</div>'
        + "".join(lines)
        + "<h3>Headcount per group</h3>"
        + _headcount(plan)
        + notes
    )
