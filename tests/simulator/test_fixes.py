"""Structural fixes: the gaps they start from, the candidates, and the re-plan that verifies them.

One small scenario with a known night gap: a Dublin site whose shift plan starts at 06:00 at the
earliest, demand from 03:00 UTC. With a site rule allowing 02:00 starts the proposed fix (a new
template) closes the gap and the re-simulated plan meets the target; a segment needing a skill
nobody has gives a cross-training fix. Short horizons and 3 replications: seconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from simulator.planning import PlanOptions, SearchSettings
from simulator.planning.fixes import (
    StructuralFix,
    apply_fix,
    candidate_fixes,
    covering_templates,
    find_gaps,
    plan_with_fixes,
)
from simulator.scenario import Scenario
from simulator.scenario.fix_rules import DayWindow, FixRules
from tests.factories import make_scenario, scenario_data, segment

OPTIONS = PlanOptions(replications=3, seed=3, search=SearchSettings(horizon_h=1.0, replications=3))


def night_gap(**over: Any) -> Scenario:
    """:func:`night_gap_data` validated."""
    return make_scenario(**night_gap_data(**over))


def night_gap_data(**over: Any) -> dict[str, Any]:
    """The scenario document: support chat from 03:00 to 09:00 UTC (after a 30-min warm-up);
    Dublin (UTC in December) may start shifts from 06:00 only, so 03:30-06:00 has nobody on
    shift. A site rule lets Dublin start at 02:00; ``over`` replaces top-level fields."""
    data: dict[str, Any] = {
        "name": "night-gap",
        "start": "2026-12-01T03:00:00",
        "duration_h": 6,
        "warmup_h": 0.5,
        "interval_min": 30,
        "service_level": {"threshold_s": 60, "target": 0.8},
        "demand": [
            segment(
                "support",
                skills={"general": 2},
                arrivals_per_hour=12,
                handle_time={"distribution": "lognormal", "mean_s": 300, "cv": 0.5},
                patience={"distribution": "lognormal", "mean_s": 900, "cv": 0.5},
            )
        ],
        "roster": [
            {
                "group": "dublin",
                "count": 3,
                "skills": {"general": 3},
                "channels": {"chat": 2},
                "time_zone": "Europe/Dublin",
                "shifts": [{"days": "daily", "start": "06:00", "end": "12:00"}],
            }
        ],
        "shift_plans": [
            {
                "group": "dublin",
                "time_zone": "Europe/Dublin",
                "templates": [
                    {"name": "day", "length_h": 6, "earliest_start": "06:00", "latest_start": "08:00"}
                ],
            }
        ],
        "fix_rules": {"site_hours": [{"time_zone": "Europe/Dublin", "earliest_start": "02:00"}]},
        "routing": {"relaxation": []},
    }
    return scenario_data(**{**data, **over})


def gap_hours(scenario: Scenario) -> float:
    return find_gaps(scenario).hours_by_segment().get("support", 0.0)


def test_the_night_gap_is_found_from_the_shift_plan_and_the_skill_graph() -> None:
    gaps = find_gaps(night_gap())
    assert [(g.segment, g.reason, g.servers) for g in gaps.gaps] == [("support", "no_shift", ("dublin",))]
    starts = night_gap().interval_starts_s[gaps.gaps[0].intervals]
    # 03:30-06:00 UTC: five 30-min intervals after the warm-up, none in it
    assert starts[0] == night_gap().start_s + 1800
    assert starts.size == 5
    assert gaps.escalations() == pytest.approx(12 * 2.5)


def test_a_scenario_whose_groups_can_always_be_on_shift_has_no_gap() -> None:
    assert not find_gaps(night_gap(shift_plans=[]))  # default plans reach every hour


def test_a_template_stays_inside_the_site_hours_and_adds_only_new_starts() -> None:
    sc = night_gap()
    gap = find_gaps(sc).gaps[0].intervals
    template = sc.shift_plans[0].templates[0]
    (made,) = covering_templates(
        template, "Europe/Dublin", DayWindow(earliest_start="04:00"), sc, gap, "early"
    )
    # 04:00 is the earliest the site allows; 05:30 the last start before the template's own 06:00
    assert (made.earliest_start.isoformat("minutes"), made.latest_start.isoformat("minutes")) == (
        "04:00",
        "05:30",
    )
    assert made.length_h == template.length_h
    assert made.cost_per_paid_hour == template.cost_per_paid_hour
    # a site open 5 h a day fits no 6-h shift
    short = DayWindow(earliest_start="06:00", latest_end="11:00")
    assert covering_templates(template, "Europe/Dublin", short, sc, gap, "x") == []
    # a night site (22:00-08:00): starts on both sides of midnight, as two templates
    night = DayWindow(earliest_start="22:00", latest_end="08:00")
    before, after = covering_templates(template, "Europe/Dublin", night, sc, gap, "night")
    assert (before.name, before.earliest_start.hour, before.latest_start.isoformat("minutes")) == (
        "night",
        22,
        "23:30",
    )
    assert (after.name, after.earliest_start.hour, after.latest_start.isoformat("minutes")) == (
        "night-after-midnight",
        0,
        "02:00",  # the last start whose 6-h shift ends by 08:00
    )


def test_the_default_site_hours_keep_the_night_closed_and_a_site_rule_opens_it() -> None:
    rules = night_gap().fix_rules
    assert rules.hours_of("Asia/Manila") == FixRules().default_site_hours
    assert (rules.hours_of("Europe/Dublin").start_min, rules.hours_of("Europe/Dublin").end_min) == (120, 1440)
    closed = night_gap(fix_rules={})
    kinds = {c.fix.kind for c in candidate_fixes(closed, find_gaps(closed))}
    # 06:00 local is the earliest a Dublin shift may start by default, and the plan allows it
    # already: no new template can help, only a site in another time zone
    assert kinds == {"new_site"}
    for cand in candidate_fixes(closed, find_gaps(closed)):
        (plan,) = cand.fix.changes.plans
        assert plan.time_zone != "Europe/Dublin"
        for t in plan.templates:
            assert t.earliest_start.hour >= 6
            assert t.latest_start.hour * 60 + t.latest_start.minute + 360 <= 1440


def test_the_proposed_fix_closes_the_night_gap_and_the_replan_meets_the_target() -> None:
    sc = night_gap()
    plan = plan_with_fixes(sc, OPTIONS, verify=1)
    # nobody on shift at night: escalations wait for the morning, and the plan clearly misses
    assert (plan.recommended or plan.current).overall("service_level").mean < 0.8
    assert any(m.clear for m in plan.misses)
    best = plan.fixes[0]
    assert best.verification is not None
    assert best.fix.kind == "shift_template"
    assert best.closes_h == {"support": 2.5}
    assert gap_hours(apply_fix(sc, best.fix)) == 0.0
    v = best.verification
    assert v.escalations_left == 0.0
    # the re-simulated plan meets the target over the horizon, and no interval clearly misses
    # (3 replications of 6 escalations an interval: a mean may dip below 80 % by chance)
    assert v.service_level >= 0.8, v
    assert v.segment_service_level["support"] >= 0.8, v
    assert v.clear_misses == 0, v
    assert v.shift_cost_change > 0
    assert v.total_cost == pytest.approx(v.shift_cost_change)
    # applying it gives that same re-plan, and says so
    applied = plan_with_fixes(sc, OPTIONS, verify=1, apply=1)
    assert applied.applied_fix == 1
    assert applied.notes[0].startswith("Fix 1 applied: New shift templates for dublin")
    assert applied.schedule is not None
    assert applied.schedule.cost == pytest.approx(v.shift_cost)
    assert applied.recommended is not None
    assert applied.recommended.overall("service_level").mean == pytest.approx(v.service_level)
    assert not any(m.clear for m in applied.misses)


def test_a_skill_nobody_has_gives_a_cross_training_fix() -> None:
    legal = segment(
        "legal",
        skills={"legal": 3},
        arrivals_per_hour=2,
        handle_time={"distribution": "fixed", "mean_s": 600},
    )
    sc = night_gap(demand=[legal], shift_plans=[])
    gaps = find_gaps(sc)
    assert [(g.segment, g.reason) for g in gaps.gaps] == [("legal", "no_skill")]
    training = [c for c in candidate_fixes(sc, gaps) if c.fix.kind == "cross_training"]
    assert len(training) == 1
    fix = training[0].fix
    assert fix.skills == {"dublin+legal": {"legal": 3}}
    assert fix.trained_groups == ("dublin+legal",)
    assert not find_gaps(apply_fix(sc, fix))
    plan = plan_with_fixes(sc, OPTIONS, verify=1)
    v = plan.fixes[0].verification
    assert v is not None
    assert v.escalations_left == 0.0
    people = v.people["dublin+legal"]
    assert people >= 1
    assert v.one_off_cost == pytest.approx(people * sc.fix_rules.training_cost_per_person)


def test_a_fix_that_reuses_a_name_is_rejected_naming_it() -> None:
    sc = night_gap()
    fix = candidate_fixes(sc, find_gaps(sc))[0].fix
    twice = StructuralFix.combine((fix, fix))
    with pytest.raises(ValueError, match="already used"):
        apply_fix(sc, twice)


def test_fix_rules_reject_bad_hours_naming_the_field() -> None:
    with pytest.raises(ValueError, match="latest_end"):
        night_gap(fix_rules={"default_site_hours": {"latest_end": "25:00"}})
    with pytest.raises(ValueError, match="site_hours"):
        night_gap(fix_rules={"site_hours": [{"time_zone": "UTC"}, {"time_zone": "UTC"}]})
    night = DayWindow(earliest_start="22:00", latest_end="08:00")
    assert (night.start_min, night.end_min) == (22 * 60, 32 * 60)


def test_the_gap_mask_never_counts_warmup() -> None:
    sc = night_gap()
    for gap in find_gaps(sc).gaps:
        assert not np.any(gap.intervals[: sc.warmup_intervals])


def test_a_site_opens_once_and_a_team_at_an_existing_site_costs_no_opening() -> None:
    sc = night_gap(fix_rules={})  # Dublin may not start before 06:00: only other zones help
    sites = [c.fix for c in candidate_fixes(sc, find_gaps(sc)) if c.fix.kind == "new_site"]
    manila = next(f for f in sites if f.site_time_zone == "Asia/Manila")
    assert manila.fixed_cost == sc.fix_rules.new_site_fixed_cost
    assert manila.title.startswith("New site in Asia/Manila")
    # two teams in one new zone pay its opening once
    assert StructuralFix.combine((manila, manila)).fixed_cost == sc.fix_rules.new_site_fixed_cost
    kolkata = next(f for f in sites if f.site_time_zone == "Asia/Kolkata")
    assert StructuralFix.combine((manila, kolkata)).fixed_cost == 2 * sc.fix_rules.new_site_fixed_cost
    # with a (billing) group in Manila already, a support team there is a team at that site
    billing = {"group": "manila-billing", "count": 2, "skills": {"billing": 3}, "time_zone": "Asia/Manila"}
    with_site = night_gap(fix_rules={}, roster=[*night_gap_data()["roster"], billing])
    teams = [c.fix for c in candidate_fixes(with_site, find_gaps(with_site)) if c.fix.kind == "new_site"]
    team = next(f for f in teams if f.site_time_zone == "Asia/Manila")
    assert team.fixed_cost == 0.0
    assert team.title.startswith("A team at the Asia/Manila site with dublin's profile")
