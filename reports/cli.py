"""The ``handoff`` command line: assembly only, as the FastAPI template's ``api/main.py`` only
includes routers. Every command lives in its home module and carries its own Typer annotations:

* ``route`` -- replay escalations through the router (:mod:`routing.cli`);
* ``erlang``, ``scenario check|schema``, ``simulate`` -- the simulator's (:mod:`simulator.cli`);
* ``serve``, ``deliver`` -- the routing service and its webhook sender (:mod:`routing.service.cli`);
* ``tenants create|list``, ``keys create|list|revoke`` -- its administration
  (:mod:`routing.service.admin_cli`);
* ``history export``, ``roster export`` -- its history log and its agents as a scenario roster
  (:mod:`routing.service.history_cli`);
* ``plan`` -- the capacity plan and its report (:mod:`reports.plan_command`);
* ``forecast`` -- interval volume from a history log, and a scenario on it
  (:mod:`reports.forecast_command`);
* ``analytics`` -- the weekly escalation review of a history log or of the service's database
  (:mod:`reports.analytics_command`).

It sits in ``reports`` because that is the top of the dependency chain (routing <- simulator <-
reports). Command modules import only Typer and the standard library at module level (their
heavy imports wait inside the command), so ``handoff --help`` starts in well under 0.3 s.
"""

from __future__ import annotations

import sys

import typer

from reports.analytics_command import analytics
from reports.forecast_command import forecast
from reports.plan_command import plan
from routing.cli import route_command
from routing.service.admin_cli import keys_app, tenants_app
from routing.service.cli import deliver, serve
from routing.service.history_cli import history_app, roster_app
from simulator.cli import erlang, scenario_app, simulate

__all__ = ["app", "main"]


app = typer.Typer(
    name="handoff",
    help="Skills-based routing and capacity planning for AI-to-human support handoffs.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("route")(route_command)
app.command()(erlang)
app.add_typer(scenario_app, name="scenario")
app.command()(simulate)
app.command()(serve)
app.command()(deliver)
app.add_typer(tenants_app, name="tenants")
app.add_typer(keys_app, name="keys")
app.add_typer(history_app, name="history")
app.add_typer(roster_app, name="roster")
app.command()(plan)
app.command()(forecast)
app.command()(analytics)


@app.callback()
def _root() -> None:
    """Skills-based routing and capacity planning for AI-to-human support handoffs."""


def main() -> None:
    """The ``handoff`` console script."""
    app(prog_name="handoff", args=sys.argv[1:])
