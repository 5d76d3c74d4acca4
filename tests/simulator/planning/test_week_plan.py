"""A week planned end to end: one continuous run, weekly patterns and people, the report's files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reports.capacity_report import write_report
from simulator.planning import PlanOptions, SearchSettings, plan_capacity
from simulator.planning.shifts import weekly_roster_groups
from simulator.planning.staffing_groups import staffing_groups
from simulator.planning.targets import interval_misses, segment_verdicts
from simulator.scenario import NamedAgent, Scenario
from tests.factories import exponential, group, make_scenario, segment

FAST = SearchSettings(horizon_h=1.0, warmup_h=0.25, replications=2, max_replications=4, max_steps=40)


def small_week() -> Scenario:
    """One chat segment at 20/h on weekdays, half that at weekends, from Sunday 23:00 with an
    hour of warm-up: the week measured is Monday to Monday."""
    return make_scenario(
        start="2026-11-29T23:00:00",
        duration_h=168,
        warmup_h=1,
        interval_min=60,
        demand=[
            segment(arrivals_per_hour=20, day_of_week={"sat": 0.5, "sun": 0.5}, patience=exponential(300))
        ],
        roster=[group(count=3)],
        routing={"relaxation": []},
    )


def test_a_week_is_one_run_then_weekly_patterns_then_the_roster_files(tmp_path: Path) -> None:
    s = small_week()
    plan = plan_capacity(s, PlanOptions(replications=1, search=FAST, shift_time_limit_s=2.0))
    assert plan.interval_start_s.size == 168  # one continuous week after the warm-up
    weekly = plan.weekly_roster
    assert weekly is not None
    people = sum(p.count for p in weekly.patterns.patterns)
    assert people > 0
    assert plan.recommended_headcount == dict(weekly.patterns.headcount)  # people, not shifts
    for p in weekly.patterns.patterns:
        assert p.days_worked <= 7 - s.labour_rules.min_consecutive_days_off
    weekend = plan.required["agents"].reshape(7, 24)[5:].sum()
    weekday = plan.required["agents"].reshape(7, 24)[:2].sum()
    assert weekend <= weekday  # half the weekend demand never needs more agents
    assert any("Weekly roster" in n for n in plan.notes)
    written = write_report(plan, tmp_path)
    assert {"roster.csv", "patterns.csv", "hires.csv", "charts/week_heatmap.png"} <= set(written)
    html = written["report.html"].read_text(encoding="utf-8")
    assert "Weekly patterns and people" in html
    assert "charts/week_heatmap.svg" in html
    assert np.all(np.isfinite(plan.required["agents"]))


def test_the_week_s_closed_loop_simulates_the_published_weekly_roster() -> None:
    """A week publishes weekly patterns and the people on them, so that is the roster the closed
    loop simulates: the simulator's own count of agents on shift per interval is what the
    patterns schedule, every simulated agent is a person of the week (not a day's shift), the
    named people work with their own skills, and the verdicts and misses are that run's."""
    skills = {"general": 3, "billing": 2}
    people = [{"id": f"p{i}", "skills": skills} for i in range(4)]
    s = small_week().model_copy(update={"people": [NamedAgent.model_validate(p) for p in people]})
    plan = plan_capacity(s, PlanOptions(replications=2, search=FAST, shift_time_limit_s=2.0))
    weekly, verified = plan.weekly_roster, plan.recommended
    assert weekly is not None
    assert verified is not None
    simulated = list(verified.scenario.roster)
    assert simulated == weekly_roster_groups(weekly, staffing_groups(s), s.people)
    assert sum(g.count for g in simulated) == sum(weekly.patterns.headcount.values())  # people, not shifts
    assert sum(g.count for g in simulated if g.skills == skills) == len(weekly.roster.assignments) > 0
    # no shrinkage: every agent on shift is on the queue, as the simulator counted them
    assert np.allclose(plan.scheduled_recommended["agents"], weekly.patterns.coverage["agents"])
    assert repr(plan.segment_verdicts) == repr(segment_verdicts(verified, s))
    assert plan.misses == tuple(interval_misses(verified, s))
    assert "weekly roster" in plan.verified_roster
    assert plan.verified_roster in plan.method["verification"]
