"""``handoff analytics`` end to end on the hand-computed log of :mod:`tests.routing.test_analytics`:
the files, the figures in them, missing inputs, bad rows and bad options, and the page in
headless Chromium."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reports.analytics_command import GROUPINGS
from reports.cli import app
from reports.escalation_review import CHARTS, SECTIONS, TABLE_NAMES
from routing.analytics import DIMENSIONS
from routing.history import write_history, write_volume
from tests.browser import headless_chromium
from tests.routing.test_analytics import LOG, VOLUME
from tests.service.conftest import make_api
from tests.service.test_history_export import a_day

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["analytics", *args])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("history")
    write_history(folder / "log.csv.gz", LOG)
    write_volume(folder / "volume.csv", VOLUME)
    return folder / "log.csv.gz", folder / "volume.csv"


@pytest.fixture(scope="module")
def written(inputs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    log, volume = inputs
    out = tmp_path_factory.mktemp("review")
    args = [
        str(log),
        "--volume",
        str(volume),
        "--out",
        str(out),
        "--group-by",
        "trigger",
        "--group-by",
        "channel",
    ]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert (
        "week of 2026-11-30: 66.7 % of 3 decided escalations accepted within 30 s, misses the 80.0 % target"
        in (result.output)
    )
    return out


def test_the_groupings_offered_are_the_analytics_dimensions() -> None:
    assert tuple(DIMENSIONS) == GROUPINGS


def test_files_and_figures(written: Path) -> None:
    names = {p.relative_to(written).as_posix() for p in written.rglob("*") if p.is_file()}
    expected = {"report.html", "review.json"} | {f"tables/{t}.csv" for t in TABLE_NAMES}
    expected |= {f"charts/{c}.{ext}" for c, _ in CHARTS for ext in ("png", "svg")}
    assert names == expected

    summary = json.loads((written / "review.json").read_text())
    assert summary["source"] == "log.csv.gz"
    assert summary["verdict"] == {
        "week_start": "2026-11-30",
        "service_level": pytest.approx(2 / 3),
        "meets_target": False,
        "change": pytest.approx(2 / 3 - 1 / 4),
    }
    assert summary["total"]["service_level"] == {
        "value": pytest.approx(3 / 7),
        "n": 7,
        "change": None,
        "missing": None,
    }
    assert summary["weeks"][1]["metrics"]["escalation_rate"]["value"] == pytest.approx(4 / 70)
    assert set(summary["groups"]) == {"trigger", "channel"}
    assert [t["trigger"] for t in summary["triggers"]["too_late"]] == ["legal", "loop"]
    assert summary["heatmap"]["escalations"][0][9] == 4

    with (written / "tables" / "weekly.csv").open() as f:
        weekly = list(csv.DictReader(f))
    assert [row["week_start"] for row in weekly] == ["2026-11-23", "2026-11-30", "all"]
    assert weekly[0]["service_level"] == "0.25"
    assert weekly[1]["service_level_change"] == "0.4167"
    assert weekly[2]["asa_s"] == "35"
    assert weekly[1]["time_to_escalation_p50_s"] == ""  # none recorded in week 2: empty, not 0
    with (written / "tables" / "groups.csv").open() as f:
        groups = list(csv.DictReader(f))
    chat = next(
        r for r in groups if r["dimension"] == "channel" and r["group"] == "chat" and r["week_start"] == "all"
    )
    assert chat["escalations"] == "6"
    with (written / "tables" / "triggers.csv").open() as f:
        triggers = {r["trigger"]: r for r in csv.DictReader(f)}
    assert triggers["loop"]["ai_could_have_handled_rate"] == "0.6667"
    assert triggers["loop"]["rank_too_early"] == "1"
    assert triggers["legal"]["rank_too_late"] == "1"

    html = (written / "report.html").read_text()
    assert (
        "No: in the week of 2026-11-30 (part of the week), 66.7 % of 3 decided escalations were accepted"
        in html
    )


def test_missing_volume_and_columns_say_so(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    log = tmp_path / "bare.csv"
    log.write_text(
        "escalation_id,created_at,channel,outcome,accepted_at\ne1,2026-11-23T09:00:00Z,chat,completed,2026-11-23T09:00:12Z\n"
    )
    result = run(*[str(log), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "review.json").read_text())
    assert summary["total"]["escalation_rate"] == {
        "value": None,
        "n": 0,
        "change": None,
        "missing": "needs the AI platform's conversation volume",
    }
    assert summary["total"]["csat_mean"]["missing"] == "needs csat (no escalation in the log has it)"
    html = (tmp_path / "out" / "report.html").read_text()
    assert "needs the AI platform&#x27;s conversation volume" in html
    assert (
        "Yes: in the week of 2026-11-23 (part of the week), 100.0 % of 1 decided escalation was accepted"
        in html
    )


def test_bad_rows_name_line_and_column(tmp_path: Path) -> None:
    log = tmp_path / "bad.csv"
    log.write_text(
        "escalation_id,created_at,channel,outcome,csat\n"
        "e1,2026-11-23T09:00:00Z,chat,completed,4\n"
        "e2,2026-11-23T09:00:00Z,chat,completed,9\n"
    )
    result = run(*[str(log), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "line 3, csat: must be 1-5, got 9" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group-by", "queue"], "--group-by: unknown grouping 'queue'"),
        (
            ["--from", "23/11/2026"],
            "--from: expected a date (2026-01-05) or an instant (2026-01-05T09:00Z), got '23/11/2026'",
        ),
        (
            ["--from", "2026-11-30", "--to", "2026-11-23"],
            "--to (2026-11-23) must be after --from (2026-11-30)",
        ),
        (["--from", "2026-12-10"], "no escalation was created in the period"),
        (["--target", "1.5"], "--target: Input should be less than or equal to 1"),
        (["--time-zone", "Mars/Olympus"], "unknown IANA time zone 'Mars/Olympus'"),
        (["--time-zone", "Europe"], "--time-zone: unknown IANA time zone 'Europe'"),
    ],
)
def test_bad_options_are_usage_errors(
    inputs: tuple[Path, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(*[str(inputs[0]), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_period_selects_days_in_the_time_zone(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(str(inputs[0]), "--out", str(out), "--from", "2026-11-30", "--to", "2026-11-30", "-q")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "review.json").read_text())
    assert summary["total"]["escalations"]["value"] == 2  # b1 and b2, Monday 30 November
    every = run(str(inputs[0]), "--out", str(tmp_path / "all"), "--group-by", "all", "-q")
    assert every.exit_code == 0, every.output
    assert list(json.loads((tmp_path / "all" / "review.json").read_text())["groups"]) == list(GROUPINGS)
    assert summary["period"] == {
        "start_at": "2026-11-30T00:00:00.000Z",
        "end_at": "2026-12-01T00:00:00.000Z",
        "time_zone": "UTC",
    }


def test_the_service_database_is_reviewed_through_its_history_export(tmp_path: Path) -> None:
    service = make_api(f"sqlite:///{tmp_path / 'handoff.db'}", sqlite_synchronous="NORMAL")
    api = next(service)
    try:
        a_day(api)  # 2026-01-01: e1 accepted after 4 s, e2 after 3 s, e3 abandoned, e4 cancelled
        out = tmp_path / "out"
        result = run("--database", api.service.db.url, "--tenant", "acme", "--out", str(out), "-q")
        assert result.exit_code == 0, result.output
        summary = json.loads((out / "review.json").read_text())
        assert summary["source"] == "tenant acme of the service's database"
        assert summary["total"]["escalations"]["value"] == 4
        assert summary["total"]["service_level"] == {
            "value": pytest.approx(2 / 3),
            "n": 3,
            "change": None,
            "missing": None,
        }
        assert summary["total"]["csat_mean"]["value"] == 2.0
        unknown = run("--database", api.service.db.url, "--tenant", "nobody", "--out", str(out))
        assert unknown.exit_code == 2
        assert "no tenant 'nobody'" in unknown.output
    finally:
        service.close()
    both = run(str(tmp_path / "log.csv"), "--database", "x.db", "--tenant", "acme")
    assert both.exit_code == 2
    assert "either a history log or --database" in both.output
    assert "--database needs --tenant" in run("--database", "x.db").output


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium("1200,900") as driver:
        yield driver


def test_report_renders_in_chromium(browser: Any, written: Path) -> None:
    browser.get((written / "report.html").as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title == "Escalation review"
    images = browser.execute_script(
        "return Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, "
        "width: i.naturalWidth, shown: i.getBoundingClientRect().width}))"
    )
    assert len(images) == len(CHARTS)
    for img in images:
        assert img["complete"], img["alt"]
        assert img["width"] > 0, img["alt"]
        assert img["shown"] > 500, img["alt"]
    headings = browser.execute_script(
        "return Array.from(document.querySelectorAll('h2')).map(h => h.innerText)"
    )
    assert headings == [heading for _, heading, _ in SECTIONS]
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
