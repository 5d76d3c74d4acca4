"""Simulation results in the terminal: the headline metrics with 95 % CIs, the verdict, segments.

Labels and number formats come from the metric catalogue (:mod:`simulator.metric_catalogue`), as
in the CSV files and the capacity report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simulator.metric_catalogue import MISSING, metric
from simulator.replay_check import COMPARED, ReplayComparison
from simulator.replications import Estimate, Replications

__all__ = [
    "HEADLINE",
    "SEGMENT_COLUMNS",
    "estimate_text",
    "print_replay_comparison",
    "print_summary",
    "progress_bar",
    "verdict",
]

#: Overall metrics ``handoff simulate`` prints, in the order a planner reads them.
HEADLINE = (
    "offered",
    "accepted",
    "service_level",
    "service_level_answered",
    "abandon_rate",
    "deferral_rate",
    "p_wait",
    "asa_s",
    "p50_handoff_s",
    "p95_handoff_s",
    "occupancy",
)
#: (column heading, metric) of the per-segment table.
SEGMENT_COLUMNS = (
    ("offered", "offered"),
    ("SL", "service_level"),
    ("abandoned", "abandon_rate"),
    ("deferred", "deferral_rate"),
    ("ASA", "asa_s"),
    ("p95 handoff", "p95_handoff_s"),
)


@contextmanager
def progress_bar(
    verb: str, name: str, *, total: float | None = None, quiet: bool = False
) -> Iterator[Callable[..., None]]:
    """A transient progress bar on stderr (``verb`` in bold, then ``name``); none when ``quiet``.
    Yields ``advance(**fields)``, which updates the bar (``completed``, ``total``, ``description``)."""
    with Progress(
        TextColumn(f"[bold]{verb}[/] {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task(name, total=total)

        def advance(**fields: Any) -> None:
            bar.update(task, **fields)

        yield advance


def estimate_text(e: Estimate, name: str) -> tuple[str, str]:
    """(mean, 95 % CI) of an estimate of metric ``name`` as text; the CI is MISSING without one."""
    m = metric(name)
    if e.ci95 is None:
        return m.text(e.mean), MISSING
    return m.text(e.mean), m.interval_text(*e.ci95)


def verdict(result: Replications) -> str:
    """The service-level verdict as rich markup: met or missed, and whether the CI settles it."""
    target = result.scenario.service_level
    sl = result.overall("service_level")
    goal = f"{100 * target.target:.0f} % within {target.threshold_s:g} s"
    if sl.ci95 is not None and sl.ci95[0] >= target.target:
        return f"[bold green]target met[/]: {goal} (the whole 95 % CI is above it)"
    if sl.ci95 is not None and sl.ci95[1] < target.target:
        return f"[bold red]target missed[/]: {goal} (the whole 95 % CI is below it)"
    if not math.isfinite(sl.mean):
        return f"[bold yellow]no escalation was offered[/]: nothing to judge against {goal}"
    met = "met" if sl.mean >= target.target else "missed"
    return (
        f"[bold yellow]target {met} on the mean, not clearly[/]: {goal}; run more replications to settle it"
    )


def print_summary(result: Replications, console: Console) -> None:
    """The overall metrics with 95 % CIs, the verdict against the target, and a per-segment table."""
    sc = result.scenario
    table = Table(
        title=f"{sc.name}: {len(result.runs)} replication(s), seed {result.seed}, "
        f"{sc.duration_h:g} h after {sc.warmup_h:g} h warm-up",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95 % CI", justify="right")
    for name in HEADLINE:
        table.add_row(metric(name).label, *estimate_text(result.overall(name), name))
    console.print(table)
    console.print(verdict(result))

    segments = Table(title="per segment", title_justify="left")
    segments.add_column("segment", no_wrap=True)
    for heading, _ in SEGMENT_COLUMNS:
        segments.add_column(heading, justify="right")
    for segment in result.runs[0].segments:
        segments.add_row(
            segment, *(metric(name).text(result.segment(segment, name).mean) for _, name in SEGMENT_COLUMNS)
        )
    console.print(segments)


def print_replay_comparison(comparison: ReplayComparison, console: Console) -> None:
    """Measured (the history log's outcomes) beside simulated (mean, 95 % CI), then the notes
    that explain the difference."""
    table = Table(title="replay vs measured (the log's own outcomes)", title_justify="left")
    for heading in ("metric", "measured", "simulated", "95 % CI"):
        table.add_column(heading, justify="left" if heading == "metric" else "right")
    for name in COMPARED:
        m = metric(name)
        measured = m.text(comparison.measured.metrics[name])
        table.add_row(m.label, measured, *estimate_text(comparison.simulated[name], name))
    console.print(table)
    for note in comparison.notes:
        console.print(f"  - {note}", highlight=False, markup=False)
