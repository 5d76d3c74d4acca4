"""``handoff route``: read a roster and some escalations, replay them, print each decision and why.

The command's I/O and printing only; the replay itself is :mod:`routing.replay`. Like every command
module, only Typer and the standard library load at import time; the routing core, pydantic and
rich load inside the command, so ``handoff --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from routing.decisions import Decision
    from routing.errors import InvalidInput
    from routing.explanation import Explanation

__all__ = ["fail", "route_command", "run_route", "usage"]


def fail(exc: InvalidInput) -> NoReturn:
    """Print every problem of ``exc`` (its source, then one line each) to stderr and exit 2.

    Raise ``typer.Exit(code=2)``, always.
    """
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    err.print(
        f"[bold red]error:[/] {escape(exc.source or 'input')} is not valid:", soft_wrap=True, highlight=False
    )
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def usage(message: str) -> NoReturn:
    """Print a one-line error for a bad option or argument to stderr and exit 2, like any usage
    error. Raise ``typer.Exit(code=2)``, always."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def route_command(
    file: Annotated[
        Path, typer.Argument(help="JSON or YAML with agents, escalations and optional settings.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the decisions as JSON.")] = False,
) -> None:
    """Replay a roster and escalations through the router and show every decision and why.

    Raise ``typer.Exit(code=2)`` after printing the problems (see :func:`fail`) if the file is
    missing or not valid.
    """
    from rich.console import Console

    from routing.errors import InvalidInput

    try:
        run_route(file, as_json, Console())
    except InvalidInput as exc:
        fail(exc)


def run_route(path: Path, as_json: bool, console: Console) -> None:
    """Load, replay and print on ``console``: a table and every decision's explanation in words,
    or the decisions as JSON (each explanation with its ``lines`` in words): each row is
    when the decision was made (``occurred_at``, ISO 8601 UTC; ``occurred_at_s``, epoch seconds;
    ``elapsed_s``, seconds since the first decision, the table's ``t+s``) and the decision
    (:func:`~routing.decisions.decision_as_dict`), times as :mod:`routing.timestamps` says.

    Raise :class:`~routing.errors.InvalidInput` if the file is missing or not valid.
    """
    from rich.table import Table

    from routing.decisions import Offer, decision_as_dict
    from routing.replay import replay
    from routing.schemas import RouteRequest, load_document, parse
    from routing.timestamps import epoch_s, iso

    request = parse(RouteRequest, load_document(path), source=str(path))
    decisions = replay(request)
    start_s = decisions[0][0] if decisions else 0.0
    if as_json:
        rows = [
            {"occurred_at": iso(at), "occurred_at_s": epoch_s(at), "elapsed_s": round(at - start_s, 3)}
            | decision_as_dict(d)
            for at, d in decisions
        ]
        console.print_json(json.dumps(rows, default=str))
        return
    table = Table(title=f"Routing decisions for {path.name}", show_lines=False)
    for col in ("t+s", "escalation", "decision", "agent", "detail", "why"):
        table.add_column(col, overflow="fold")
    for at, d in decisions:
        detail = f"expires t+{d.expires_at_s - start_s:.0f}s" if isinstance(d, Offer) else _detail(d)
        table.add_row(
            f"{at - start_s:.0f}",
            getattr(d, "escalation_id", ""),
            d.kind,
            getattr(d, "agent_id", ""),
            detail,
            _summary(getattr(d, "explanation", None)),
        )
    console.print(table)
    _explanations(decisions, start_s, console)


def _summary(explanation: Explanation | None) -> str:
    """The table's "why" column: eligible of considered, and the winner's cost total."""
    if explanation is None:
        return ""
    parts = [f"eligible {explanation.eligible}/{explanation.considered}"]
    if explanation.winner_cost is not None:
        parts.append(f"cost {explanation.winner_cost.total:.2f}")
    if explanation.relaxation:
        parts.append("relaxed")
    return "; ".join(parts)


def _explanations(decisions: list[tuple[float, Decision]], start_s: float, console: Console) -> None:
    """Below the table: every explained decision, then its explanation's lines, indented."""
    from routing.decisions import Deferred, Offer, Queued

    explained = [
        (at, d, d.explanation)
        for at, d in decisions
        if isinstance(d, Offer | Queued | Deferred) and d.explanation is not None
    ]
    if not explained:
        return
    console.print()
    console.print("Why", style="bold")
    for at, d, explanation in explained:
        who = f" {d.agent_id}" if isinstance(d, Offer) else ""
        console.print(f"t+{at - start_s:.0f}s {d.escalation_id} {d.kind}{who}", markup=False, highlight=False)
        for line in explanation.lines():
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


def _detail(decision: Decision) -> str:
    """The detail column of a decision other than an offer (an offer's is relative to the start)."""
    from routing.decisions import AgentStatusChanged, Deferred, OfferRevoked, Queued, Relaxed
    from routing.timestamps import iso

    if isinstance(decision, Queued):
        eta = "unknown" if decision.eta_s is None else f"{decision.eta_s:.0f} s"
        return f"position {decision.position}, ETA {eta}: {decision.reason}"
    if isinstance(decision, Deferred):
        when = (
            iso(decision.next_open_at_s, timespec="minutes")
            if decision.next_open_at_s is not None
            else "no opening this week"
        )
        return f"{decision.mode.value}, next opening {when}: {decision.reason}"
    if isinstance(decision, OfferRevoked):
        return decision.reason
    if isinstance(decision, Relaxed):
        return decision.step
    if isinstance(decision, AgentStatusChanged):
        return f"{decision.status.value}: {decision.reason}"
    return ""
