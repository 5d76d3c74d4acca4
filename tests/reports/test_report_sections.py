"""The report's sections, one at a time: each renders for a full plan and for one that recommends
nothing, reads its labels from the metric catalogue and its targets from the scenario."""

from __future__ import annotations

import dataclasses
import re

import pytest
from matplotlib.axes import Axes
from rich.console import Console

from reports.charts import CHARTS, interval_performance, render_charts, segment_breakdown
from reports.console_views import print_plan
from reports.report_html import SECTIONS
from reports.report_tables import KPI_METRICS, SEGMENT_METRICS
from reports.report_text import goal_text, target_text
from simulator.metric_catalogue import metric
from simulator.planning.result import CapacityPlan
from simulator.scenario import ServiceLevelTarget

RENDER = {key: render for key, _, render in SECTIONS}
#: The chart each section embeds.
CHART_OF = {
    "demand": "demand_vs_staffing",
    "handoff": "handoff_distribution",
    "intervals": "interval_performance",
    "shifts": "shift_coverage",
    "segments": "segment_breakdown",
    "eta": "eta_calibration",
    "comparison": "comparison",
}
#: Second charts of a section (the week heatmap beside the shift coverage, for several days).
ALSO_CHARTS = {"shifts": "week_heatmap"}
FAKE_PNGS = {name: b"\x89PNG fake" for name, _ in CHARTS}


def with_targets(plan: CapacityPlan, **targets: float | None) -> CapacityPlan:
    scenario = plan.scenario.model_copy(update={"service_level": ServiceLevelTarget(**targets)})
    return dataclasses.replace(plan, scenario=scenario)


def test_sections_are_numbered_in_order_and_every_chart_has_one() -> None:
    assert [int(title.split(".")[0]) for _, title, _ in SECTIONS] == list(range(1, len(SECTIONS) + 1))
    assert sorted([*CHART_OF.values(), *ALSO_CHARTS.values()]) == sorted(name for name, _ in CHARTS)


@pytest.mark.parametrize("key", list(RENDER))
@pytest.mark.parametrize("which", ["plan", "bare_plan"])
def test_every_section_renders_with_and_without_a_recommendation(
    key: str, which: str, request: pytest.FixtureRequest
) -> None:
    plan: CapacityPlan = request.getfixturevalue(which)
    html = RENDER[key](plan, FAKE_PNGS)
    assert html.strip()
    assert not re.search(r"\bnan\b|\bNone\b", html, re.IGNORECASE), html
    if key in CHART_OF:
        assert f"charts/{CHART_OF[key]}.svg" in html
        assert CHART_OF[key] not in RENDER[key](plan, {})  # a chart the plan lacks is left out
    if key in ALSO_CHARTS and plan.schedule is not None:
        assert f"charts/{ALSO_CHARTS[key]}.svg" in html


def test_a_plan_without_recommendation_says_what_is_missing(bare_plan: CapacityPlan) -> None:
    assert "No shift schedule was produced" in RENDER["shifts"](bare_plan, {})
    assert "Nothing to compare" in RENDER["comparison"](bare_plan, {})
    assert "the current roster meets" in RENDER["headline"](bare_plan, {}).lower()
    kpis = RENDER["kpis"](bare_plan, {})
    assert "current roster" in kpis
    assert "recommended roster" not in kpis
    assert "change" not in kpis
    assert set(render_charts(bare_plan)) == {
        "demand_vs_staffing",
        "handoff_distribution",
        "interval_performance",
        "segment_breakdown",
        "eta_calibration",
    }


def test_tables_are_labelled_by_the_catalogue(plan: CapacityPlan) -> None:
    kpis = RENDER["kpis"](plan, {})
    for name in KPI_METRICS:
        assert f"<td>{metric(name).label}</td>" in kpis, name
    segments = RENDER["segments"](plan, {})
    for name in SEGMENT_METRICS:
        assert f'<th class="num">{metric(name).label}</th>' in segments, name


@pytest.mark.parametrize(
    "targets",
    [
        {},
        {"target": 0.9, "threshold_s": 20, "max_p95_handoff_s": 60},
        {"max_abandon_rate": 0.05, "max_occupancy": 0.85, "max_p95_handoff_s": 45},
    ],
)
def test_headline_and_assumptions_list_the_scenarios_targets(
    bare_plan: CapacityPlan, targets: dict[str, float]
) -> None:
    plan = with_targets(bare_plan, **targets)
    service_level = plan.scenario.service_level
    expected = [target_text(t, service_level.threshold_s) for t in service_level.targets]
    for key in ("headline", "assumptions"):
        html = RENDER[key](plan, {})
        positions = [html.index(text) for text in expected]
        assert positions == sorted(positions), key  # in the targets' own order
    assert "at most" not in RENDER["assumptions"](with_targets(bare_plan), {})


def test_target_lines_follow_the_scenarios_targets(plan: CapacityPlan) -> None:
    def target_lines(fig_axes: list[Axes]) -> list[int]:
        return [sum(line.get_label() == "target / cap" for line in ax.get_lines()) for ax in fig_axes]

    assert target_lines(interval_performance(plan).get_axes()) == [1, 1, 1]
    assert target_lines(segment_breakdown(plan).get_axes()) == [1, 0, 1]
    only_sl = with_targets(plan, target=0.8)
    assert target_lines(interval_performance(only_sl).get_axes()) == [1, 0, 0]
    assert target_lines(segment_breakdown(only_sl).get_axes()) == [1, 0, 0]


def test_the_console_headline_uses_the_catalogues_formats(bare_plan: CapacityPlan) -> None:
    console = Console(record=True, width=160)
    print_plan(bare_plan, console)
    text = console.export_text()
    assert goal_text(bare_plan.scenario.service_level) in text
    assert metric("service_level").text(bare_plan.current.overall("service_level").mean) in text
    assert "±0" in text  # headcount unchanged: the catalogue's signed count


def test_eta_section_says_yes_or_no_against_the_bar_and_lists_every_segment(plan: CapacityPlan) -> None:
    from reports.plan_data import verified_eta_pairs
    from reports.report_sections.eta import GOOD_RELATIVE
    from simulator.eta_accuracy import ALL, eta_accuracy_by_segment

    pairs = verified_eta_pairs(plan)
    assert pairs is not None
    by_segment = eta_accuracy_by_segment(pairs)
    html = RENDER["eta"](plan, FAKE_PNGS)
    if by_segment[ALL].measured:
        expected = "Yes" if by_segment[ALL].relative_error <= GOOD_RELATIVE else "No"
        assert f"<b>{expected}</b>" in html
        for segment in by_segment:
            assert f"<td>{segment}</td>" in html
    else:
        assert "no ETA to check" in html
