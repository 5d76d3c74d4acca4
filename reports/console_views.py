"""A capacity plan in the terminal (``handoff plan``): the verdict, headcount per group, findings.

Labels and number formats come from the metric catalogue, through the same helpers as
``handoff simulate`` (:mod:`simulator.console`) and the capacity report (:mod:`reports.report_text`).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from reports.plan_data import verified
from reports.report_text import AGENT_HOURS, HEADCOUNT, goal_text
from simulator.console import estimate_text
from simulator.planning.result import CapacityPlan

__all__ = ["print_plan"]


def print_plan(plan: CapacityPlan, console: Console) -> None:
    """The headline of a capacity plan: the verdict, headcount per group, and what still misses."""
    goal = goal_text(plan.scenario.service_level)
    mean, ci = estimate_text(verified(plan)[1].overall("service_level"), "service_level")
    if plan.meets_target:
        noise = (
            f"; {plan.noise_misses} interval(s) short on the mean, within the simulation's noise"
            if plan.noise_misses
            else ""
        )
        console.print(
            f"[bold green]The recommended roster meets {goal} in every interval[/] "
            f"(overall {mean}, {ci}{noise})."
        )
    else:
        intervals = len({m.interval_start_s for m in plan.misses})
        console.print(
            f"[bold yellow]The recommended roster misses a target in {intervals} interval(s)[/] "
            f"(overall service level {mean}, {ci}; {goal}); the report names them."
        )
    if plan.verified_roster:
        console.print(f"Verified by simulating {plan.verified_roster}.", highlight=False)
    table = Table(title="headcount per group", title_justify="left")
    for col in ("group", "current", "recommended", "change", "agent-hours now", "recommended"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for name, now in plan.current_headcount.items():
        rec = plan.recommended_headcount.get(name, 0)
        table.add_row(
            name,
            HEADCOUNT.text(now),
            HEADCOUNT.text(rec),
            HEADCOUNT.delta_text(rec - now),
            AGENT_HOURS.text(plan.current_agent_hours.get(name, 0.0)),
            AGENT_HOURS.text(plan.recommended_agent_hours.get(name, 0.0)),
        )
    console.print(table)
    for note in plan.notes:
        console.print(f"- {note}", highlight=False)
