"""``handoff plan`` end to end, and the command line's assembly: every command registered from
its home module, and a start-up that loads nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from reports import analytics_command, cli, forecast_command, plan_command
from routing import cli as routing_cli
from routing.service import admin_cli, history_cli
from routing.service import cli as service_cli
from simulator import cli as simulator_cli
from tests.factories import scenario_data

runner = CliRunner()


def test_every_command_is_registered_from_its_home_module() -> None:
    assert list(typer.main.get_group(cli.app).commands) == [
        "route",
        "erlang",
        "simulate",
        "serve",
        "deliver",
        "plan",
        "forecast",
        "analytics",
        "scenario",
        "tenants",
        "keys",
        "history",
        "roster",
    ]
    assert [c.callback for c in cli.app.registered_commands] == [
        routing_cli.route_command,
        simulator_cli.erlang,
        simulator_cli.simulate,
        service_cli.serve,
        service_cli.deliver,
        plan_command.plan,
        forecast_command.forecast,
        analytics_command.analytics,
    ]
    assert [g.typer_instance for g in cli.app.registered_groups] == [
        simulator_cli.scenario_app,
        admin_cli.tenants_app,
        admin_cli.keys_app,
        history_cli.history_app,
        history_cli.roster_app,
    ]


def test_help_loads_no_command_body() -> None:
    code = (
        "import sys; from reports.cli import main; sys.argv = ['handoff', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('numpy', 'pydantic', 'matplotlib', 'ortools', 'simpy', 'scipy', 'simulator.planning')\n"
        "print(' '.join(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "plan" in done.stdout
    assert done.stderr.strip() == ""


def test_plan_writes_the_report_and_prints_its_path(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.json"
    scenario.write_text(json.dumps(scenario_data(name="tiny-plan")), encoding="utf-8")
    out = tmp_path / "report"
    args = ["plan", str(scenario), "--out", str(out), "-r", "2", "--workers", "1"]
    result = runner.invoke(cli.app, [*args, "--search-hours", "0.5", "--shift-time-limit-s", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out / "report.html")
    assert {p.name for p in out.iterdir()} == {"report.html", "plan.json", "charts", "tables"}
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["scenario"]["name"] == "tiny-plan"


def test_plan_names_the_problem_of_a_bad_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(scenario_data(duration_h=-1)), encoding="utf-8")
    result = runner.invoke(cli.app, ["plan", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output
    assert "duration_h" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
