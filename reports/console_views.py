"""Rich renderings of simulation results for the terminal."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from simulator.planning.result import CapacityPlan
from simulator.replications import Estimate, Replications

#: (metric, label, kind) in the order a planner reads them.
HEADLINE = (
    ("offered", "offered", "count"),
    ("accepted", "accepted by an agent", "count"),
    ("service_level", "service level (accepted within threshold / offered)", "share"),
    ("service_level_answered", "service level of accepted", "share"),
    ("abandon_rate", "abandoned", "share"),
    ("deferral_rate", "deferred (callback / ticket)", "share"),
    ("p_wait", "P(wait): not offered on arrival", "share"),
    ("asa_s", "ASA (mean handoff time)", "seconds"),
    ("p50_handoff_s", "p50 handoff time", "seconds"),
    ("p95_handoff_s", "p95 handoff time", "seconds"),
    ("occupancy", "occupancy (slots)", "share"),
)


def format_value(value: float, kind: str) -> str:
    if not math.isfinite(value):
        return "-"
    if kind == "share":
        return f"{100 * value:.1f} %"
    if kind == "seconds":
        return f"{value:.1f} s"
    return f"{value:,.1f}"


def format_estimate(e: Estimate, kind: str) -> tuple[str, str]:
    if e.ci95 is None:
        return format_value(e.mean, kind), "-"
    lo, hi = e.ci95
    return format_value(e.mean, kind), f"{format_value(lo, kind)} .. {format_value(hi, kind)}"


def print_summary(result: Replications, console: Console) -> None:
    """The overall metrics with 95 % CIs, the verdict against the target, and a per-segment table."""
    sc = result.scenario
    target = sc.service_level
    table = Table(
        title=f"{sc.name}: {len(result.runs)} replication(s), seed {result.seed}, "
        f"{sc.duration_h:g} h after {sc.warmup_h:g} h warm-up",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95 % CI", justify="right")
    for metric, label, kind in HEADLINE:
        mean, ci = format_estimate(result.overall(metric), kind)
        table.add_row(label, mean, ci)
    console.print(table)

    sl = result.overall("service_level")
    goal = f"{100 * target.target:.0f} % within {target.threshold_s:g} s"
    if sl.ci95 is not None and sl.ci95[0] >= target.target:
        console.print(f"[bold green]target met[/]: {goal} (the whole 95 % CI is above it)")
    elif sl.ci95 is not None and sl.ci95[1] < target.target:
        console.print(f"[bold red]target missed[/]: {goal} (the whole 95 % CI is below it)")
    elif math.isfinite(sl.mean):
        verdict = "met" if sl.mean >= target.target else "missed"
        console.print(
            f"[bold yellow]target {verdict} on the mean, not clearly[/]: {goal}; "
            "run more replications to settle it"
        )

    segments = Table(title="per segment", title_justify="left")
    segments.add_column("segment", no_wrap=True)
    for col in ("offered", "SL", "abandoned", "deferred", "ASA", "p95 handoff"):
        segments.add_column(col, justify="right")
    for name in result.runs[0].segments:
        segments.add_row(
            name,
            format_value(result.segment(name, "offered").mean, "count"),
            format_value(result.segment(name, "service_level").mean, "share"),
            format_value(result.segment(name, "abandon_rate").mean, "share"),
            format_value(result.segment(name, "deferral_rate").mean, "share"),
            format_value(result.segment(name, "asa_s").mean, "seconds"),
            format_value(result.segment(name, "p95_handoff_s").mean, "seconds"),
        )
    console.print(segments)


def print_plan(plan: CapacityPlan, console: Console) -> None:
    """The headline of a capacity plan: the verdict, headcount per group, and what still misses."""
    sc = plan.scenario
    goal = f"{100 * sc.service_level.target:.0f} % within {sc.service_level.threshold_s:g} s"
    verified = plan.recommended or plan.current
    sl = verified.overall("service_level")
    mean, ci = format_estimate(sl, "share")
    if plan.meets_target:
        console.print(
            f"[bold green]The recommended roster meets {goal} in every interval[/] (overall {mean}, {ci})."
        )
    else:
        intervals = len({m.interval_start_s for m in plan.misses})
        console.print(
            f"[bold yellow]The recommended roster misses a target in {intervals} interval(s)[/] "
            f"(overall service level {mean}, {ci}; {goal}); the report names them."
        )
    table = Table(title="headcount per group", title_justify="left")
    for col in ("group", "current", "recommended", "change", "agent-hours now", "recommended"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for name, now in plan.current_headcount.items():
        rec = plan.recommended_headcount.get(name, 0)
        table.add_row(
            name,
            str(now),
            str(rec),
            f"{rec - now:+d}",
            f"{plan.current_agent_hours.get(name, 0.0):,.0f}",
            f"{plan.recommended_agent_hours.get(name, 0.0):,.0f}",
        )
    console.print(table)
    for note in plan.notes:
        console.print(f"- {note}", highlight=False)
