"""The simulator's commands: ``handoff simulate``, ``handoff erlang`` and ``handoff scenario``.

Command functions carry their Typer annotations; :mod:`reports.cli` registers them. Only Typer and
the standard library load at import time: everything heavy (numpy, pydantic models, SimPy, rich
tables) loads inside the command that needs it, so ``handoff --help`` starts at once.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer

from routing.cli import fail, usage

__all__ = ["erlang", "erlang_problem", "scenario_app", "simulate"]


# ------------------------------------------------------------------------------------ simulate
def simulate(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    replications: Annotated[int, typer.Option("--replications", "-r", min=1, help="Independent runs.")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Seed of every random stream.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Write summary.json, intervals.csv and records.csv here.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes to run replications in (default: one per core).")
    ] = None,
    records: Annotated[bool, typer.Option(help="Write records.csv (one row per escalation).")] = True,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            "--dask-scheduler",
            help="Run replications on Dask: 'local' or a scheduler address (summaries only, no records.csv).",
        ),
    ] = None,
) -> None:
    """Simulate a scenario through the production router; print metrics with 95 % CIs."""
    from rich.console import Console

    from routing.errors import InvalidInput
    from simulator.console import print_replay_comparison, print_summary, progress_bar
    from simulator.output import write_results
    from simulator.process_memory import return_large_arrays_to_the_os
    from simulator.replay_check import compare_replay
    from simulator.replications import default_workers, run_replications
    from simulator.scaleout import replication_pool
    from simulator.scenario import load_scenario

    return_large_arrays_to_the_os()
    console = Console()
    try:
        scenario = load_scenario(file)
    except InvalidInput as exc:
        fail(exc)
    n_workers = workers or min(default_workers(), replications)
    with progress_bar("simulating", scenario.name, total=replications) as advance:
        try:
            with replication_pool(n_workers, dask) as pool:
                result = run_replications(
                    scenario,
                    replications,
                    seed,
                    workers=n_workers,
                    keep_records=out is not None and records,
                    progress=lambda done: advance(completed=done),
                    pool=pool,
                )
        except InvalidInput as exc:  # a forecast or replay file read at run time
            fail(exc)
        except RuntimeError as exc:
            usage(str(exc))
    print_summary(result, console)
    comparison = compare_replay(result)
    if comparison is not None:
        print_replay_comparison(comparison, console)
    if out is not None:
        paths = write_results(result, out)
        if comparison is not None:
            paths["replay_vs_measured"] = out / "replay_vs_measured.json"
            paths["replay_vs_measured"].write_text(
                json.dumps(comparison.as_dict(), indent=2) + "\n", encoding="utf-8"
            )
        console.print("wrote " + ", ".join(str(p) for p in paths.values()), highlight=False)


# -------------------------------------------------------------------------------------- erlang
def erlang_problem(
    arrivals_per_hour: float,
    aht_s: float,
    patience_s: float | None,
    agents: int | None,
    target_sl: float | None,
    threshold_s: float,
    shrinkage: float | None,
    max_abandon: float | None,
) -> str | None:
    """The first bad option of ``handoff erlang``, as a message naming it, or None."""
    if not (math.isfinite(arrivals_per_hour) and arrivals_per_hour >= 0):
        return f"--arrivals-per-hour must be a number >= 0, got {arrivals_per_hour}"
    if not (math.isfinite(aht_s) and aht_s > 0):
        return f"--aht-s must be a number > 0, got {aht_s}"
    if patience_s is not None and not patience_s > 0:
        return f"--patience-s must be > 0 (leave it out for infinite patience), got {patience_s}"
    if not (math.isfinite(threshold_s) and threshold_s >= 0):
        return f"--threshold-s must be a number >= 0, got {threshold_s}"
    if (agents is None) == (target_sl is None):
        return "give exactly one of --agents (evaluate) or --target-sl (staff to a target)"
    if agents is not None and agents < 1:
        return f"--agents must be >= 1, got {agents}"
    if target_sl is not None and not 0 < target_sl < 1:
        return f"--target-sl must be between 0 and 1 (e.g. 0.8), got {target_sl}"
    if shrinkage is not None and not 0 <= shrinkage < 1:
        return f"--shrinkage must be in [0, 1) (e.g. 0.3), got {shrinkage}"
    if max_abandon is not None and not 0 < max_abandon <= 1:
        return f"--max-abandon must be in (0, 1] (e.g. 0.05), got {max_abandon}"
    if max_abandon is not None and agents is not None:
        return "--max-abandon applies only with --target-sl"
    load = arrivals_per_hour * aht_s / 3600
    if agents is not None and patience_s is None and load >= agents * (1 - 1e-12):
        return (
            f"--agents {agents} cannot keep up with an offered load of {load:g} erlangs: without "
            "--patience-s (Erlang C) the queue grows forever; use more agents or give --patience-s"
        )
    return None


def erlang(
    arrivals_per_hour: Annotated[float, typer.Option(help="Offered contacts per hour.")],
    aht_s: Annotated[float, typer.Option(help="Mean handle time, seconds.")],
    patience_s: Annotated[
        float | None,
        typer.Option(help="Mean patience before abandoning, seconds (Erlang A); omit for Erlang C."),
    ] = None,
    agents: Annotated[int | None, typer.Option(help="Agents on the queue: evaluate them.")] = None,
    target_sl: Annotated[
        float | None, typer.Option(help="Target service level (0-1): find the fewest agents.")
    ] = None,
    threshold_s: Annotated[float, typer.Option(help="Service-level threshold, seconds.")] = 30.0,
    shrinkage: Annotated[
        float | None, typer.Option(help="Share of paid time off the queue (0-1): adds agents_gross.")
    ] = None,
    max_abandon: Annotated[
        float | None, typer.Option(help="With --target-sl: also cap the abandonment rate (0-1).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Exact Erlang C / Erlang A metrics for a staffing level, or the fewest agents for a target."""
    problem = erlang_problem(
        arrivals_per_hour, aht_s, patience_s, agents, target_sl, threshold_s, shrinkage, max_abandon
    )
    if problem:
        usage(problem)
    from simulator.queueing import gross_agents, per_hour, queue_metrics, staff_for_target

    rate = per_hour(arrivals_per_hour)
    try:
        if agents is not None:
            metrics = queue_metrics(rate, aht_s, agents, threshold_s, patience_s=patience_s)
        else:
            assert target_sl is not None
            metrics = staff_for_target(
                rate, aht_s, target_sl, threshold_s, patience_s=patience_s, max_abandon=max_abandon
            )
    except ValueError as exc:
        usage(str(exc))
    out: dict[str, float | int] = {
        "p_wait": metrics.p_wait,
        "abandon_rate": metrics.abandon_rate,
        "service_level": metrics.service_level,
        "service_level_answered": metrics.service_level_answered,
        "asa_s": metrics.asa_s,
        "occupancy": metrics.occupancy,
        "agents": metrics.agents,
    }
    if shrinkage is not None:
        out["agents_gross"] = gross_agents(metrics.agents, shrinkage)
    if as_json:
        typer.echo(json.dumps(out))
        return
    from rich.console import Console
    from rich.table import Table

    model = "Erlang C" if patience_s is None else "Erlang A"
    table = Table(
        title=f"{model}, {arrivals_per_hour:g}/h", caption=f"AHT {aht_s:g} s, SL in {threshold_s:g} s"
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in out.items():
        table.add_row(name, str(value) if isinstance(value, int) else f"{value:.6g}")
    Console().print(table)


# ------------------------------------------------------------------------------------ scenario
scenario_app = typer.Typer(help="Validate scenario files and export their JSON Schema.", no_args_is_help=True)


@scenario_app.command("check")
def scenario_check(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
) -> None:
    """Validate a scenario file; print a summary, or every problem with its place (exit 2)."""
    from rich.console import Console

    from routing.errors import InvalidInput
    from simulator.scenario import load_scenario

    try:
        scenario = load_scenario(file)
    except InvalidInput as exc:
        fail(exc)
    agents = sum(g.count for g in scenario.roster)
    Console().print(
        f"[green]ok[/] {file}: scenario {scenario.name!r}, {scenario.duration_h:g} h after "
        f"{scenario.warmup_h:g} h warm-up in {scenario.interval_min}-min intervals, "
        f"{len(scenario.demand)} demand segment(s), {len(scenario.roster)} group(s), {agents} agents",
        highlight=False,
    )


@scenario_app.command("schema")
def scenario_schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion)."""
    from simulator.scenario import scenario_json_schema

    typer.echo(scenario_json_schema())
