"""The report's fixes section and ``plan.json``'s ``fixes``: verified fixes numbered in rank order
with what they close, their cost and the service level they reach; fixes only priced follow,
unnumbered; an applied fix is named; scenario text is escaped."""

from __future__ import annotations

import dataclasses

from reports.fix_text import reaching_text
from reports.plan_document import build_plan_document
from reports.report_html import SECTIONS
from reports.report_sections import fixes as section
from reports.report_sections import headline
from simulator.planning.fixes import FixChanges, FixVerification, ProposedFix, StructuralFix
from simulator.planning.result import CapacityPlan, IntervalMiss
from simulator.scenario import ShiftTemplate

TEMPLATE = ShiftTemplate(name="early", length_h=8, earliest_start="04:00", latest_start="05:30")


def proposal(title: str, *, verified: bool, cost: float = 100.0, sl: float = 0.85) -> ProposedFix:
    fix = StructuralFix(
        kind="shift_template",
        title=title,
        changes=FixChanges(templates=(("generalists", TEMPLATE),)),
    )
    check = FixVerification(
        service_level=sl,
        segment_service_level={"general-chat": sl},
        meets_target=sl >= 0.8,
        intervals_missing=0 if sl >= 0.8 else 3,
        clear_misses=0 if sl >= 0.8 else 2,
        escalations_left=0.0,
        shift_cost=cost + 50,
        shift_cost_change=cost,
        people={},
        one_off_cost=0.0,
        total_cost=cost,
    )
    return ProposedFix(fix, {"general-chat": 2.5}, 30.0, cost * 0.9, 2, check if verified else None)


def with_fixes(plan: CapacityPlan, applied: int | None = None) -> CapacityPlan:
    fixes = (
        proposal("Early <b>shifts</b>", verified=True),
        proposal("Later shifts", verified=True, cost=300.0, sl=0.7),
        proposal("A site far away", verified=False, cost=2000.0),
    )
    return dataclasses.replace(plan, fixes=fixes, applied_fix=applied)


def test_the_section_is_registered_last() -> None:
    assert SECTIONS[-1][0] == "fixes"
    assert SECTIONS[-1][2] is section.render


def test_a_plan_without_gaps_says_no_fix_is_needed(plan: CapacityPlan) -> None:
    assert "no structural fix is needed" in section.render(plan, {})


def test_verified_fixes_are_numbered_with_cost_and_service_level(plan: CapacityPlan) -> None:
    html = section.render(with_fixes(plan), {})
    assert "Early &lt;b&gt;shifts&lt;/b&gt;" in html  # escaped
    assert "<b>shifts</b>" not in html
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert [r.split("</td>")[0].removeprefix("<td>") for r in rows] == ["1", "2"]
    assert "general-chat 2.5 h" in rows[0]
    assert "+100.0" in rows[0]
    assert "85.0 %" in rows[0]
    assert "meets every target" in rows[0]
    assert "misses in 3 interval(s), 2 clearly" in rows[1]
    assert "Also considered" in html
    assert "A site far away" in html
    assert "1,800.0" in html
    assert "--apply-fix N" in html


def test_the_applied_fix_is_named(plan: CapacityPlan) -> None:
    html = section.render(with_fixes(plan, applied=2), {})
    assert "This plan was made with fix 2 applied: Later shifts." in html
    assert "<td>2 (applied)</td>" in html


def test_plan_json_numbers_only_verified_fixes(plan: CapacityPlan) -> None:
    doc = build_plan_document(with_fixes(plan, applied=1)).model_dump(mode="json")
    assert doc["applied_fix"] == 1
    assert [f["number"] for f in doc["fixes"]] == [1, 2, None]
    first = doc["fixes"][0]
    assert first["changes"][0]["change"] == "template"
    assert first["changes"][0]["group"] == "generalists"
    assert first["changes"][0]["templates"][0]["earliest_start"] == "04:00:00"
    assert first["verification"]["total_cost"] == 100.0
    assert doc["fixes"][2]["verification"] is None


def test_the_section_and_the_headline_say_which_priced_fixes_reach_every_target(plan: CapacityPlan) -> None:
    fixed = with_fixes(plan)
    assert reaching_text(fixed) == "Verified to reach every target: fix 1, total cost 100.0."
    assert "Verified to reach every target: fix 1, total cost 100.0." in section.render(fixed, {})
    start = float(plan.interval_start_s[0])
    missing = dataclasses.replace(
        fixed, misses=(IntervalMiss(start, "service_level", 0.5, 0.8, 0.3, (0.4, 0.6)),)
    )
    assert not missing.meets_target
    assert "Verified to reach every target: fix 1" in headline.render(missing, {})
    none_reach = dataclasses.replace(fixed, fixes=fixed.fixes[1:])
    assert reaching_text(none_reach).startswith("None of the 1 verified fix(es) reaches every target")
    assert "misses clearly in 2 interval(s)" in reaching_text(none_reach)
    unverified = dataclasses.replace(fixed, fixes=fixed.fixes[2:])
    assert "--verify-fixes 1 re-plans with the first (A site far away" in reaching_text(unverified)
    assert reaching_text(plan) == ""
