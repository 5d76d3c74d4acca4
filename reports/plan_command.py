"""``handoff plan``: size staffing, choose shifts, verify by simulation, write the capacity report.

The command function carries its Typer annotations; :mod:`reports.cli` registers it. Only Typer
and the standard library load at import time: the planner (numpy, OR-Tools, SimPy), the report
(matplotlib) and rich's progress bar load inside the command, so ``handoff --help`` starts at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routing.cli import fail, usage

if TYPE_CHECKING:
    from simulator.planning import Progress as ProgressCallback

__all__ = ["plan", "planning_progress"]


@contextmanager
def planning_progress(name: str, *, quiet: bool) -> Iterator[ProgressCallback]:
    """A transient progress bar on stderr while a plan is made (none when ``quiet``); yields the
    ``progress(stage, done, total)`` callback :func:`simulator.planning.plan_capacity` takes."""
    from simulator.console import progress_bar

    with progress_bar("planning", name, quiet=quiet) as advance:

        def show(stage: str, done: int, total: int) -> None:
            advance(description=stage, completed=done, total=total)

        yield show


def plan(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    out: Annotated[
        Path, typer.Option(help="Directory for report.html, charts, tables and plan.json.")
    ] = Path("report"),
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=2, help="Replications of each verification run.")
    ] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Seed of every random stream.")] = 1,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes for the verification runs (default: one per core).")
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(help="Another scenario to simulate and compare in the report.")
    ] = None,
    search_hours: Annotated[
        float, typer.Option(min=0.5, help="Simulated hours per staffing candidate in the search.")
    ] = 2.0,
    shift_time_limit_s: Annotated[
        float,
        typer.Option(
            min=1,
            help="CP-SAT budget for choosing shifts, in its deterministic seconds (about seconds on "
            "an idle machine; the same budget gives the same shifts on every run).",
        ),
    ] = 20.0,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            "--dask-scheduler",
            help="Run the search's simulations on Dask: 'local' (a LocalCluster of --workers) or a "
            "scheduler address such as tcp://host:8786.",
        ),
    ] = None,
    verify_fixes: Annotated[
        int,
        typer.Option(
            min=0,
            help="When some hours have no group that can be on shift: how many structural fixes to "
            "verify by re-planning with each applied (each takes about as long as the plan; 0, the "
            "default: list them priced by estimate).",
        ),
    ] = 0,
    apply_fix: Annotated[
        int | None,
        typer.Option(
            help="Re-plan with fix N of the report applied (its number in the list the same "
            "--verify-fixes gives) and report that plan.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or summary; print the report path.")
    ] = False,
) -> None:
    """Size staffing per interval, choose shifts (CP-SAT), verify them by simulation, and write the
    capacity report."""
    from rich.console import Console

    from reports.capacity_report import write_report
    from reports.console_views import print_plan
    from reports.fix_text import print_fixes
    from routing.errors import InvalidInput
    from simulator.planning import PlanOptions, SearchSettings
    from simulator.planning.fixes import check_fix_number, plan_with_fixes
    from simulator.replications import default_workers
    from simulator.scenario import load_scenario

    try:
        scenario = load_scenario(file)
        other = load_scenario(compare) if compare is not None else None
    except InvalidInput as exc:
        fail(exc)
    if apply_fix is not None:
        try:
            check_fix_number(scenario, apply_fix, verify_fixes)
        except ValueError as exc:
            usage(str(exc))
    options = PlanOptions(
        replications=replications,
        seed=seed,
        workers=workers or min(default_workers(), replications),
        search=SearchSettings(horizon_h=search_hours),
        shift_time_limit_s=shift_time_limit_s,
        compare=other,
        dask=dask,
    )
    with planning_progress(scenario.name, quiet=quiet) as progress:
        try:
            result = plan_with_fixes(
                scenario, options, verify=verify_fixes, apply=apply_fix, progress=progress
            )
        except (ValueError, RuntimeError) as exc:
            usage(str(exc))
    console = Console()
    if not quiet:
        print_plan(result, console)
        print_fixes(result, console)
    paths = write_report(result, out)
    if quiet:
        typer.echo(out / "report.html")
        return
    console.print(f"report: {out / 'report.html'} ({len(paths)} files in {out})", highlight=False)
