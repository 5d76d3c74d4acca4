"""``handoff route`` end to end on the example scenario, and its errors on bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from reports.cli import app
from routing.cli import fail, route_command, usage
from routing.errors import FieldProblem, InvalidInput

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "route_example.yaml"
ENDINGS = {"assigned", "deferred", "queued"}


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["route", *args])


def route_json(path: Path) -> list[dict[str, Any]]:
    result = invoke(str(path), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows


def last_decision(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Escalation id -> its last decision (rows are in time order)."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        if "escalation_id" in row:
            out[row["escalation_id"]] = row
    return out


def test_route_example_shows_offers() -> None:
    result = invoke(str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "Routing decisions for route_example.yaml" in result.stdout
    assert "offer" in result.stdout
    assert "esc-1001" in result.stdout
    assert "Traceback" not in result.output


def test_route_example_json() -> None:
    rows = route_json(EXAMPLE)
    escalation_ids = {e["id"] for e in yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["escalations"]}
    assert {row["escalation_id"] for row in rows if "escalation_id" in row} == escalation_ids
    assert [row["elapsed_s"] for row in rows] == sorted(row["elapsed_s"] for row in rows)
    assert rows[0]["elapsed_s"] == 0
    assert rows[0]["occurred_at"] == "2026-12-01T09:00:00.000Z"  # ISO 8601 UTC, routing.timestamps
    assert any(row["kind"] == "offer" for row in rows)


def test_every_example_escalation_ends_assigned_deferred_or_queued() -> None:
    last = last_decision(route_json(EXAMPLE))
    assert len(last) == 7
    assert {esc: row["kind"] for esc, row in last.items() if row["kind"] not in ENDINGS} == {}


def test_example_legal_voice_call_is_deferred_to_a_callback() -> None:
    rows = route_json(EXAMPLE)
    esc_1004 = [row for row in rows if row.get("escalation_id") == "esc-1004"]
    assert [row["kind"] for row in esc_1004] == ["deferred"]
    assert esc_1004[0]["mode"] == "callback"


def test_example_offer_declined_goes_to_someone_else() -> None:
    rows = route_json(EXAMPLE)
    offers = [
        row["agent_id"] for row in rows if row.get("escalation_id") == "esc-1001" and row["kind"] == "offer"
    ]
    assert offers[0] == "ben"  # the scenario makes ben decline esc-1001
    assert last_decision(rows)["esc-1001"]["kind"] == "assigned"
    assert last_decision(rows)["esc-1001"]["agent_id"] != "ben"


def test_bad_proficiency_exits_2_naming_the_field(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["agents"][3]["skills"]["billing"] = 7
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = invoke(str(path))
    assert result.exit_code == 2
    assert "agents[3].skills.billing: proficiency must be 1-5, got 7" in result.output
    assert "got 7" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("as_json", [False, True])
def test_missing_file_exits_2(tmp_path: Path, as_json: bool) -> None:
    result = invoke(str(tmp_path / "nope.yaml"), *(["--json"] if as_json else []))
    assert result.exit_code == 2
    assert "file not found" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_invalid_yaml_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("agents: []\nescalations: @\n", encoding="utf-8")
    result = invoke(str(path))
    assert result.exit_code == 2
    assert "line 2: invalid YAML" in result.stderr


def test_the_route_command_stands_on_its_own() -> None:
    """``routing.cli.route_command`` carries its Typer annotations: any app can register it."""
    app = typer.Typer()
    app.command("route")(route_command)
    app.command("other")(lambda: None)
    own = CliRunner().invoke(app, ["route", str(EXAMPLE), "--json"])
    assert own.exit_code == 0, own.output
    assert json.loads(own.stdout) == route_json(EXAMPLE)


def test_fail_prints_every_problem_and_exits_2() -> None:
    app = typer.Typer()

    @app.command()
    def broken() -> None:
        fail(
            InvalidInput(
                [FieldProblem("agents[0].tier", "must be 1-3"), FieldProblem("", "and more")], "x.yaml"
            )
        )

    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["broken"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: x.yaml is not valid:",
        "  agents[0].tier: must be 1-3",
        "  and more",
    ]


def test_usage_prints_brackets_as_written_and_exits_2() -> None:
    """A message naming an extra (``handoff[service]``) or a path with brackets is not markup."""
    app = typer.Typer()

    @app.command()
    def broken() -> None:
        usage("pip install 'handoff[service]' for [bold]this[/bold]")

    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["broken"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: pip install 'handoff[service]' for [bold]this[/bold]"


def test_route_example_explains_each_decision_in_words() -> None:
    result = invoke(str(EXAMPLE))
    assert result.exit_code == 0, result.output
    why = result.stdout[result.stdout.index("\nWhy\n") :].splitlines()
    first = why.index("t+0s esc-1001 offer ben")
    assert why[first + 1 : first + 4] == [
        "  eligible 2 of 5; rejected 3: 2 off shift (also: 1 without billing, 1 tier outside 1-2, "
        "1 outside region eu), 1 without billing (also: 1 tier outside 1-2)",
        "  cost 2.12 = 1 other skill (general 4): +1.12, idle 0 s: +1.00",
        "  runners-up: ana 2.93 (lost on proficiency surplus billing 4 vs 2 needed, +0.50)",
    ]
    assert "  priority 5.20 = customer tier vip: +4.00, urgency 0.6 x 2: +1.20" in why
    deferred = why.index("t+20s esc-1004 deferred")
    assert why[deferred + 1].startswith("  eligible 0 of 5; rejected 5: 2 off shift")
    relaxed = why.index("t+70s esc-1006 offer ben")
    assert why[relaxed + 4] == (
        "  relaxed: after 10s: preferred skills no longer required; "
        "after 30s: minimum proficiency lowered by 1 (needed for this offer)"
    )


def test_route_example_json_explanations_add_up() -> None:
    rows = route_json(EXAMPLE)
    explained = [row for row in rows if row.get("explanation")]
    assert {row["kind"] for row in explained} == {"offer", "queued", "deferred"}
    for row in explained:
        e = row["explanation"]
        assert e["lines"]
        assert e["lines"][0].startswith(f"eligible {e['eligible']} of {e['considered']}")
        assert sum(p["value"] for p in e["priority_parts"]) == pytest.approx(e["priority"], abs=1e-3)
        assert sum(g["count"] for g in e["rejections"]) == sum(e["rejected_counts"].values())
        if row["kind"] == "offer":
            total = sum(p["contribution"] for p in e["cost_parts"])
            assert total == pytest.approx(e["winner_cost"]["total"], abs=1e-3)
    ben_first = next(row for row in rows if row["kind"] == "offer")["explanation"]
    assert [(r["agent_id"], r["lost_on"]) for r in ben_first["runners_up"]] == [
        ("ana", "proficiency_surplus")
    ]
