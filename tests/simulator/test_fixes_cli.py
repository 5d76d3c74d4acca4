"""``handoff plan --apply-fix N``: a fix number that cannot name a verified fix is a usage error
before any planning; a good one re-plans with the fix applied and says what was applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reports import cli
from tests.simulator.test_fixes import night_gap_data

runner = CliRunner()
FAST = ["-r", "2", "--workers", "1", "--search-hours", "0.5", "--shift-time-limit-s", "2"]


def plan(tmp_path: Path, *args: str, **over: Any) -> Any:
    scenario = tmp_path / "night.json"
    scenario.write_text(json.dumps(night_gap_data(**over)), encoding="utf-8")
    return runner.invoke(
        cli.app,
        ["plan", str(scenario), "--out", str(tmp_path / "out"), *FAST, *args],
        env={"COLUMNS": "200", "NO_COLOR": "1"},
    )


@pytest.mark.parametrize(
    ("args", "over", "message"),
    [
        (["--apply-fix", "0"], {}, "--apply-fix must be >= 1 (a fix's number in the report), got 0"),
        (
            ["--apply-fix", "3", "--verify-fixes", "2"],
            {},
            "--apply-fix 3: only 2 fix(es) are verified (--verify-fixes 2)",
        ),
        (["--apply-fix", "1"], {"shift_plans": []}, "has no hours without a group on shift"),
    ],
)
def test_a_fix_number_that_names_no_verified_fix_is_a_usage_error(
    tmp_path: Path, args: list[str], over: dict[str, Any], message: str
) -> None:
    result = plan(tmp_path, *args, **over)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # rejected before planning


def test_apply_fix_replans_with_the_fix_and_says_what_was_applied(tmp_path: Path) -> None:
    result = plan(tmp_path, "--apply-fix", "1", "--verify-fixes", "1")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Fix 1 applied: New shift templates for dublin (Europe/Dublin)" in text
    doc = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert doc["applied_fix"] == 1
    fix = doc["fixes"][0]
    assert (fix["number"], fix["kind"], fix["closes_h"]) == (1, "shift_template", {"support": 2.5})
    assert fix["verification"]["escalations_left"] == 0.0
    # the plan's shifts use the new template, which starts before the site's usual 06:00
    assert any(s["template"] == "day-extended" for s in doc["shifts"])
    assert doc["notes"][0].startswith("Fix 1 applied")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "This plan was made with fix 1 applied" in html


def test_the_command_verifies_as_many_fixes_as_the_planner_does_by_default() -> None:
    import inspect

    from reports.plan_command import plan as command
    from simulator.planning.fixes import DEFAULT_VERIFIED_FIXES

    assert inspect.signature(command).parameters["verify_fixes"].default == DEFAULT_VERIFIED_FIXES


def test_apply_fix_without_verifying_takes_the_fix_of_that_rank_by_estimate(tmp_path: Path) -> None:
    for sub in "abc":
        (tmp_path / sub).mkdir()
    listed = plan(tmp_path / "a")  # the default: fixes priced by estimate, none verified
    assert listed.exit_code == 0, listed.output
    doc = json.loads((tmp_path / "a" / "out" / "plan.json").read_text(encoding="utf-8"))
    first = doc["fixes"][0]
    assert first["verification"] is None
    applied = plan(tmp_path / "b", "--apply-fix", "1")
    assert applied.exit_code == 0, applied.output
    doc = json.loads((tmp_path / "b" / "out" / "plan.json").read_text(encoding="utf-8"))
    assert doc["applied_fix"] == 1
    assert doc["fixes"][0]["title"] == first["title"]  # the number the list without verifying showed
    assert doc["fixes"][0]["verification"]["escalations_left"] == 0.0
    beyond = plan(tmp_path / "c", "--apply-fix", str(len(doc["fixes"]) + 1))
    assert beyond.exit_code == 2
    assert f"the plan proposes {len(doc['fixes'])} fix(es)" in " ".join(beyond.output.split())
