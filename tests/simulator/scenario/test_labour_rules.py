"""Labour rules and named people in the scenario file: defaults, and errors that name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from routing.errors import InvalidInput
from routing.schemas import AgentProfile
from simulator.scenario import LabourRules, NamedAgent, load_scenario
from tests.factories import make_scenario, scenario_data

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def _problems(tmp_path: Path, **over: Any) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_data(**over)), encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_a_scenario_without_labour_rules_gets_the_defaults() -> None:
    rules = make_scenario().labour_rules
    assert rules == LabourRules()
    assert [c.name for c in rules.contracts] == ["full-time", "part-time"]
    assert [c.template for c in rules.contracts] == ["full-time-8h", "part-time-4h"]  # default shift plan's
    assert (rules.min_rest_h, rules.min_consecutive_days_off, rules.max_start_variation_min) == (11.0, 2, 120)
    assert rules.weekly_cap_h(rules.contract("part-time")) == 20.0
    assert make_scenario().people == []


def test_people_load_with_their_contract_and_preferences() -> None:
    s = make_scenario(
        people=[
            {
                "id": "ana",
                "name": "Ana",
                "skills": {"general": 3},
                "contract": "part-time",
                "preferred_days_off": "sat-sun",
                "preferred_start": "09:00",
                "groups": ["agents"],
            },
        ],
    )
    ana = s.people[0]
    assert ana.preferred_days_off == [5, 6]
    assert ana.preferred_start is not None
    assert ana.display_name == "Ana"


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        (
            {"people": [{"id": "a", "skills": {"general": 3}, "contract": "nights"}]},
            "people[0].contract: no contract named 'nights'",
        ),
        (
            {"people": [{"id": "a", "skills": {"general": 3}, "groups": ["ghosts"]}]},
            "people[0].groups: no roster group named 'ghosts'",
        ),
        (
            {"people": [{"id": "a", "skills": {"general": 3}}, {"id": "a", "skills": {"general": 3}}]},
            "people[1].id: 'a' already used",
        ),
        (
            {"people": [{"id": "a", "skills": {"general": 9}}]},
            "people[0].skills.general: proficiency must be 1-5, got 9",
        ),
        (
            {
                "labour_rules": {
                    "contracts": [
                        {"name": "x", "template": "t", "min_days_per_week": 6, "max_days_per_week": 6}
                    ]
                }
            },
            "leaves 1 days off, fewer than min_consecutive_days_off 2",
        ),
        (
            {
                "labour_rules": {
                    "contracts": [
                        {"name": "x", "template": "t", "min_days_per_week": 5, "max_days_per_week": 4}
                    ]
                }
            },
            "max_days_per_week must be >= min_days_per_week (5), got 4",
        ),
        ({"labour_rules": {"min_rest_h": -1}}, "labour_rules.min_rest_h"),
        (
            {"labour_rules": {"contracts": [{"name": "x", "template": "t"}, {"name": "x", "template": "u"}]}},
            "contracts[1].name: 'x' already used",
        ),
    ],
)
def test_bad_rules_and_people_name_the_field(tmp_path: Path, over: dict[str, Any], expected: str) -> None:
    problems = _problems(tmp_path, **over)
    assert any(expected in p for p in problems), problems


def test_can_work_needs_the_skills_languages_site_and_group() -> None:
    profile = AgentProfile.model_validate(
        {"skills": {"billing": 3}, "languages": ["en"], "time_zone": "Europe/Berlin"}
    )
    base = {
        "id": "a",
        "skills": {"billing": 4, "sales": 1},
        "languages": ["en", "de"],
        "time_zone": "Europe/Berlin",
    }
    assert NamedAgent.model_validate(base).can_work(profile, ["berlin"])
    assert not NamedAgent.model_validate({**base, "skills": {"billing": 2}}).can_work(profile, ["berlin"])
    assert not NamedAgent.model_validate({**base, "languages": ["de"]}).can_work(profile, ["berlin"])
    assert not NamedAgent.model_validate({**base, "time_zone": "UTC"}).can_work(profile, ["berlin"])
    assert not NamedAgent.model_validate({**base, "groups": ["paris"]}).can_work(profile, ["berlin"])
    assert NamedAgent.model_validate({**base, "groups": ["berlin-day"]}).can_work(
        profile, ["berlin", "berlin-day"]
    )


def test_a_scenario_with_people_survives_a_round_trip_through_its_file_format() -> None:
    scenario = load_scenario(SCENARIOS / "ai_support_week.yaml")
    assert any(p.preferred_days_off for p in scenario.people)
    document = scenario.model_dump(mode="json", exclude_defaults=True)
    jose = next(p for p in document["people"] if p["id"] == "mnl-02")
    assert jose["preferred_days_off"] == ["sat", "sun"]  # written as the file spells days
    assert type(scenario).model_validate(document) == scenario
