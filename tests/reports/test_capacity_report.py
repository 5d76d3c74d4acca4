"""The capacity report: files, plan.json, CSV tables, a self-contained HTML and its charts."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from reports import charts
from reports.capacity_report import render_charts, render_html, write_report
from reports.charts.shifts import schedule_required
from reports.plan_document import PlanDocument
from reports.report_tables import INTERVAL_METRICS, KPI_METRICS, SEGMENT_METRICS, TABLE_NAMES, build_tables
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan
from simulator.replications import SUMMARY_METRICS
from tests.reports.plan_fixture import build_plan, small_scenario

CHART_NAMES = [name for name, _ in charts.CHARTS if name != "week_heatmap"]  # the fixture plans a day
TABLE_HEADERS = {
    "requirements": [
        "interval_start",
        "group",
        "required",
        "lower_bound",
        "scheduled_current",
        "scheduled_recommended",
    ],
    "shifts": [
        "group",
        "template",
        "start",
        "end",
        "time_zone",
        "count",
        "break_start",
        "break_end",
        "paid_h",
    ],
    "misses": ["interval_start", "segment", "metric", "value", "target", "shortfall"],
    "segment_verdicts": [
        "segment",
        "own_targets",
        "metric",
        "goal",
        "bound",
        "value",
        "ci_low",
        "ci_high",
        "met",
    ],
}
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def no_nan(text: str) -> Any:
    def reject(name: str) -> None:
        raise AssertionError(f"plan.json holds {name}")

    return json.loads(text, parse_constant=reject)


# ------------------------------------------------------------------------------------------- files
def test_every_file_is_written(report: dict[str, Path]) -> None:
    expected = {"report.html", "plan.json"}
    expected |= {f"charts/{n}.{ext}" for n in CHART_NAMES for ext in ("png", "svg")}
    expected |= {f"tables/{n}.csv" for n in TABLE_NAMES}
    assert set(report) == expected
    for key, path in report.items():
        assert path.is_file(), key
        assert path.stat().st_size > 0, key
        assert path.relative_to(report["report.html"].parent).as_posix() == key
    assert report["charts/demand_vs_staffing.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in report["charts/comparison.svg"].read_bytes()[:2000]


def test_the_report_stays_small(report: dict[str, Path]) -> None:
    assert report["report.html"].stat().st_size < 3_000_000


# --------------------------------------------------------------------------------------- plan.json
def test_plan_json_validates_and_has_the_issue_shape(plan: CapacityPlan, report: dict[str, Path]) -> None:
    text = report["plan.json"].read_text(encoding="utf-8")
    data = no_nan(text)
    doc = PlanDocument.model_validate_json(text)
    for key in (
        "requirements",
        "shifts",
        "recommended_headcount",
        "verification",
        "current_headcount",
        "meets_target",
        "misses",
        "notes",
        "scenario",
        "seed",
        "replications",
        "schedule",
    ):
        assert key in data, key

    groups, n = list(plan.required), plan.interval_start_s.size
    assert len(doc.requirements) == len(groups) * n
    first = data["requirements"][0]
    assert {"interval_start", "group", "required"} <= set(first)
    assert ISO_WITH_OFFSET.match(first["interval_start"]), first["interval_start"]
    assert first["interval_start"].endswith("-05:00")  # America/New_York in December
    assert [r.required for r in doc.requirements if r.group == groups[0]] == plan.required[groups[0]].tolist()

    assert plan.schedule is not None
    assert len(data["shifts"]) == len(plan.schedule.shifts)
    for shift in data["shifts"]:
        assert {"group", "start", "end", "time_zone", "count"} <= set(shift)
        assert ISO_WITH_OFFSET.match(shift["start"])
        assert ISO_WITH_OFFSET.match(shift["end"])
    assert {s["time_zone"] for s in data["shifts"]} == {"America/New_York", "Europe/Dublin"}
    assert data["recommended_headcount"] == plan.recommended_headcount
    assert data["headcount_change"] == {
        g: plan.recommended_headcount[g] - plan.current_headcount[g] for g in plan.current_headcount
    }
    assert data["meets_target"] is plan.meets_target
    assert data["seed"] == plan.seed
    assert data["replications"] == plan.replications

    # verification: the summary.json shape of the recommended roster, overall and per interval
    assert plan.recommended is not None
    summary = plan.recommended.summary()
    verification = data["verification"]
    assert set(summary) <= set(verification)
    assert set(verification["metrics"]) == set(SUMMARY_METRICS)
    assert verification["metrics"]["service_level"]["mean"] == pytest.approx(
        summary["metrics"]["service_level"]["mean"]
    )
    assert verification["roster"] == summary["roster"]
    assert len(verification["intervals"]) == n
    interval = verification["intervals"][0]
    assert set(SUMMARY_METRICS) <= set(interval["metrics"])
    assert {f"staffed_{g}" for g in groups} <= set(interval["metrics"])
    assert set(interval["metrics"]["service_level"]) == {"mean", "ci95"}
    assert data["baseline"]["roster"] == plan.current.counts
    assert data["comparison"]["scenario"] == plan.compare.scenario.name if plan.compare else True


def test_intervals_without_data_are_null_in_json_and_gaps_in_charts(tmp_path: Path) -> None:
    # no escalations 08:30-09:30: service level and handoff times do not exist there; the report
    # must say null (never NaN) and draw without a warning (warnings are errors here)
    quiet = build_plan(small_scenario("quiet-start", quiet_start=True), compare=False)
    written = write_report(quiet, tmp_path)
    data = no_nan(written["plan.json"].read_text(encoding="utf-8"))
    rows_json = data["verification"]["intervals"]
    assert [r["metrics"]["offered"]["mean"] for r in rows_json[:4]] == [0.0] * 4
    for name in ("service_level", "asa_s", "p95_handoff_s"):
        assert [r["metrics"][name] for r in rows_json[:4]] == [{"mean": None, "ci95": None}] * 4
        assert rows_json[5]["metrics"][name]["mean"] is not None
    header, rows = read_csv(written["tables/intervals.csv"])
    assert len(rows) == quiet.interval_start_s.size
    assert rows[0][header.index("service_level_current")] == ""
    doc = PlanDocument.model_validate_json(written["plan.json"].read_text(encoding="utf-8"))
    assert doc.verification is not None
    assert doc.comparison is None


# ------------------------------------------------------------------------------------------ tables
def test_csv_tables_have_their_headers_and_rows(plan: CapacityPlan, report: dict[str, Path]) -> None:
    n, groups = plan.interval_start_s.size, list(plan.required)
    assert plan.schedule is not None
    counts = {
        "requirements": n * len(groups),
        "shifts": len(plan.schedule.shifts),
        "kpis": len(KPI_METRICS),
        "segments": len(plan.current.runs[0].segments) * 3,  # current, recommended, compare
        "intervals": n,
        "misses": len(plan.misses),
        "segment_verdicts": sum(len(v.checks) for v in plan.segment_verdicts),
    }
    assert [v.segment for v in plan.segment_verdicts] == [d.segment for d in plan.scenario.demand]
    for name, rows_expected in counts.items():
        header, rows = read_csv(report[f"tables/{name}.csv"])
        assert len(rows) == rows_expected, name
        assert all(len(r) == len(header) for r in rows), name
        if name in TABLE_HEADERS:
            assert header == TABLE_HEADERS[name]
    header, rows = read_csv(report["tables/kpis.csv"])
    assert header[:6] == ["metric", "label", "unit", "current_mean", "current_ci_low", "current_ci_high"]
    assert {"recommended_change", "compare_change"} <= set(header)
    assert [r[0] for r in rows] == list(KPI_METRICS)
    assert [(r[1], r[2]) for r in rows] == [(metric(m).label, metric(m).unit) for m in KPI_METRICS]
    header, _ = read_csv(report["tables/segments.csv"])
    assert header[:2] == ["segment", "roster"]
    assert all(m in header for m in SEGMENT_METRICS)
    header, rows = read_csv(report["tables/intervals.csv"])
    assert [f"{m}_current" for m in INTERVAL_METRICS] == [h for h in header[7:] if h.endswith("_current")]
    assert all(ISO_WITH_OFFSET.match(r[0]) for r in rows)
    required = [float(r[header.index("required")]) for r in rows]
    assert required == pytest.approx(sum(np.asarray(v, dtype=float) for v in plan.required.values()).tolist())


def test_misses_are_named_with_by_how_much(plan: CapacityPlan, report: dict[str, Path]) -> None:
    from simulator.planning.result import IntervalMiss

    start = float(plan.interval_start_s[3])
    missing = dataclasses.replace(
        plan, misses=(IntervalMiss(start, "service_level", 0.71, 0.8, 0.09, None, "general"),)
    )
    tables = build_tables(missing)
    assert tables["misses"].rows == (
        ("2026-12-01T09:15:00-05:00", "general", "service_level", "0.71", "0.8", "0.09"),
    )
    html = render_html(missing, {})
    assert "No: the recommended roster misses the 30-s handoff target in 1 of 20 intervals." in html
    assert f"<td>09:15–09:30</td><td>general</td><td>{metric('service_level').label}</td>" in html
    assert '<td class="num">9.0 pp</td>' in html

    abandon = IntervalMiss(start, "abandon_rate", 0.11, 0.08, 0.03)
    html = render_html(dataclasses.replace(plan, misses=(abandon,)), {})
    assert (
        "Yes on the 30-s handoff target in every interval, but the recommended roster still misses other "
        "targets: abandoned / offered in 1 of 20 intervals." in html
    )
    met = tuple(
        dataclasses.replace(v, checks=tuple(dataclasses.replace(c, value=c.goal) for c in v.checks))
        for v in plan.segment_verdicts
    )
    html = render_html(dataclasses.replace(plan, misses=(), segment_verdicts=met), {})
    assert "Yes: the recommended roster meets the 30-s handoff target and every other target" in html
    noise = IntervalMiss(start, "service_level", 0.78, 0.8, 0.02, (0.6, 0.95), "general")
    html = render_html(dataclasses.replace(plan, misses=(noise,), segment_verdicts=met), {})
    assert "noise: 1 interval(s) fall short on the mean by less than their 95 % interval" in html
    one_run = dataclasses.replace(noise, ci95=None)  # one replication: nothing tells noise apart
    html = render_html(dataclasses.replace(plan, misses=(one_run,), segment_verdicts=met, replications=1), {})
    assert "No: the recommended roster misses the 30-s handoff target in 1 of 20 intervals." in html
    # several replications, one of which had escalations there: noise again
    html = render_html(dataclasses.replace(plan, misses=(one_run,), segment_verdicts=met, replications=3), {})
    assert "or in the one replication that had escalations there" in html
    first = met[0]
    wrong = tuple(
        dataclasses.replace(c, value=c.goal - 0.5 if c.higher_is_better else c.goal + 0.5)
        for c in first.checks
    )
    short = (dataclasses.replace(first, checks=wrong), *met[1:])
    html = render_html(dataclasses.replace(plan, misses=(), segment_verdicts=short), {})
    assert f"No: over the peak day, the recommended roster misses the targets of {first.segment} (" in html


def test_each_segment_is_judged_against_its_own_target_in_the_report(
    plan: CapacityPlan, report: dict[str, Path]
) -> None:
    """billing-chat promises 85 % in 20 s, general-chat has the scenario's 80 % in 30 s: the verdict
    table, segment_verdicts.csv and plan.json say so, with each segment's own goal."""
    by_segment = {v.segment: v for v in plan.segment_verdicts}
    assert by_segment["billing-chat"].own
    assert not by_segment["general-chat"].own
    assert by_segment["billing-chat"].threshold_s == 20
    assert by_segment["general-chat"].threshold_s == 30
    sl = {name: next(c for c in v.checks if c.metric == "service_level") for name, v in by_segment.items()}
    assert (sl["billing-chat"].goal, sl["general-chat"].goal) == (0.85, 0.8)
    assert plan.recommended is not None
    assert sl["billing-chat"].value == plan.recommended.segment("billing-chat", "service_level").mean
    html = report["report.html"].read_text(encoding="utf-8")
    assert "Verdict per segment" in html
    verdicts_html = html[html.index("Verdict per segment") :]
    row = verdicts_html[verdicts_html.index("<td>billing-chat</td>") :]
    assert row.index("at least 85.0 % (threshold 20 s)</td>") < row.index("</tr>")
    doc = no_nan(report["plan.json"].read_text(encoding="utf-8"))
    verdicts = {v["segment"]: v for v in doc["segment_verdicts"]}
    assert verdicts["billing-chat"]["own"] is True
    assert {c["metric"]: c["goal"] for c in verdicts["billing-chat"]["checks"]} == {
        "service_level": 0.85,
        "abandon_rate": 0.08,
    }
    _, rows = read_csv(report["tables/segment_verdicts.csv"])
    assert rows[2][:5] == ["billing-chat", "1", "service_level", "0.85", "min"]


# -------------------------------------------------------------------------------------------- HTML
def test_html_is_self_contained(report: dict[str, Path]) -> None:
    html = report["report.html"].read_text(encoding="utf-8")
    text = re.sub(r"data:[^\"' >]*", "data:", html)  # base64 could hold any 4 letters by chance
    assert "http" not in text
    assert 'src="/' not in text
    refs = re.findall(r'(?:src|href)\s*=\s*["\']?([^"\' >]+)', html)
    assert refs
    for ref in refs:
        assert ref.startswith(("data:", "#")), ref
    assert html.count('<img src="data:image/png;base64,') == len(CHART_NAMES)
    assert "@media print" in html
    assert "break-before: page" in html
    assert "size: A4" in html


def test_html_sections_read_in_a_managers_order(report: dict[str, Path]) -> None:
    html = report["report.html"].read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(\d)\. ", html)
    assert headings == [str(i) for i in range(1, 10)]
    for text in (
        "current headcount",
        "recommended headcount",
        "95 % CI",
        "Recommended shifts",
        "p95 handoff",
        "shrinkage",
        "accept delay",
        "model: scheduling",
        "seed 7",
    ):
        assert text in html, text


def test_scenario_strings_are_escaped(plan: CapacityPlan) -> None:
    evil = "<script>alert('x')</script>"
    scenario = plan.scenario.model_copy(update={"name": evil, "description": '<img src=x onerror="y">'})
    hostile = dataclasses.replace(plan, scenario=scenario, notes=(f"note {evil}",), method={"staffing": evil})
    html = render_html(hostile, {})
    assert "<script" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_a_plan_without_schedule_or_recommendation_still_reports(
    bare_plan: CapacityPlan, tmp_path: Path
) -> None:
    written = write_report(bare_plan, tmp_path)
    assert "charts/shift_coverage.png" not in written
    assert "charts/comparison.png" not in written
    data = no_nan(written["plan.json"].read_text(encoding="utf-8"))
    assert data["verification"] is None
    assert data["shifts"] == []
    assert data["schedule"] is None
    html = written["report.html"].read_text(encoding="utf-8")
    assert "No shift schedule was produced" in html
    _, rows = read_csv(written["tables/shifts.csv"])
    assert rows == []


# ------------------------------------------------------------------------------------------ charts
@pytest.fixture(scope="module")
def figures(plan: CapacityPlan) -> dict[str, Figure]:
    return render_charts(plan)


def _has_data(ax: Any) -> bool:
    return bool(ax.lines or ax.patches or ax.collections or ax.images)


@pytest.mark.parametrize("name", CHART_NAMES)
def test_charts_have_titles_axis_labels_legends_and_data(figures: dict[str, Figure], name: str) -> None:
    fig = figures[name]
    assert fig.get_figwidth() == pytest.approx(charts.WIDTH_IN)
    axes = [ax for ax in fig.get_axes() if ax.get_visible()]
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    assert suptitle or any(ax.get_title(loc="left") for ax in axes)
    if name != "comparison":  # categorical bars named by the legend; every panel has a y unit
        assert any(ax.get_xlabel() for ax in axes)
    assert any(ax.get_ylabel() for ax in axes)
    assert all(_has_data(ax) for ax in axes), "an empty panel"
    assert fig.legends or any(ax.get_legend() for ax in axes)
    for ax in axes:  # units in the labels: (s), (%), per N min, or a time zone
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            if label:
                assert re.search(r"\(|per |seconds|%|escalations|agents|segment", label), label


def test_time_axes_are_in_the_scenario_time_zone(figures: dict[str, Figure]) -> None:
    ax = figures["demand_vs_staffing"].get_axes()[0]
    assert "America/New_York" in ax.get_xlabel()
    fig = figures["demand_vs_staffing"]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "09:00" in ticks
    assert "13:00" in ticks


def test_charts_leave_matplotlibs_global_state_alone(plan: CapacityPlan) -> None:
    backend = matplotlib.get_backend()
    params = dict(matplotlib.rcParams)
    render_charts(plan)
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == params


def test_shift_chart_matches_the_schedule_grid_by_time(plan: CapacityPlan) -> None:
    # the planner may schedule on a longer grid (warm-up included): align by interval start
    assert plan.schedule is not None
    step = plan.scenario.interval_s
    starts = plan.schedule.interval_starts_s
    longer = dataclasses.replace(
        plan.schedule,
        interval_starts_s=np.concatenate((starts[0] - step * np.arange(2, 0, -1), starts)),
        required={
            g: np.concatenate(([99.0, 99.0], np.asarray(r, dtype=float)))
            for g, r in plan.schedule.required.items()
        },
    )
    shifted = dataclasses.replace(plan, schedule=longer)
    for group in plan.required:
        expected = np.asarray(plan.schedule.required[group], dtype=float)
        assert np.array_equal(schedule_required(shifted, group), expected)
    fig = charts.shift_coverage(shifted)
    assert all(ax.get_ylim()[1] < 99 for ax in fig.get_axes() if ax.get_visible())
