"""Boundary validation: every bad input is an InvalidInput naming the field path and the bad value."""

from __future__ import annotations

import calendar
import re
from pathlib import Path
from typing import Any

import pytest

from routing import limits
from routing.domain import Channel, WeeklyShift
from routing.errors import FieldProblem, InvalidInput
from routing.schemas import AgentIn, EscalationIn, RouteRequest, ShiftIn, load_document, parse

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "route_example.yaml"


def agent_data(agent_id: str = "a", **kw: Any) -> dict[str, Any]:
    return {"id": agent_id, "skills": {"billing": 2}, **kw}


def escalation_data(esc_id: str = "e1", **kw: Any) -> dict[str, Any]:
    return {"id": esc_id, "created_at": "2026-12-01T09:00:00+00:00", "channel": "chat", **kw}


def request_data(
    agents: list[dict[str, Any]] | None = None, escalations: list[dict[str, Any]] | None = None, **kw: Any
) -> dict[str, Any]:
    return {
        "agents": agents if agents is not None else [agent_data()],
        "escalations": escalations if escalations is not None else [escalation_data()],
        **kw,
    }


def with_shift(**shift: Any) -> dict[str, Any]:
    """A request whose only agent has one shift (Monday 09:00-17:00 unless overridden)."""
    return request_data([agent_data(shifts=[{"days": "mon", "start": "09:00", "end": "17:00", **shift}])])


def rejected(data: Any, match: str, model: type[Any] = RouteRequest) -> list[str]:
    """Parse ``data`` expecting InvalidInput whose message contains ``match``; its problems as text."""
    with pytest.raises(InvalidInput, match=re.escape(match)) as info:
        parse(model, data)
    return [str(p) for p in info.value.problems]


def test_valid_request_parses() -> None:
    request = parse(RouteRequest, request_data())
    assert [a.id for a in request.agents] == ["a"]
    assert [e.id for e in request.escalations] == ["e1"]


# -------------------------------------------------------------------------------------- exact text
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(
            request_data([agent_data(f"a{i}") for i in range(3)] + [agent_data("a3", skills={"billing": 7})]),
            "agents[3].skills.billing: proficiency must be 1-5, got 7",
            id="agent-proficiency-7",
        ),
        pytest.param(
            request_data([agent_data(skills={"billing": 2, "refunds": 0})]),
            "agents[0].skills.refunds: proficiency must be 1-5, got 0",
            id="agent-proficiency-0",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(required_skills={"legal": 6})]),
            "escalations[0].required_skills.legal: proficiency must be 1-5, got 6",
            id="required-proficiency",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(preferred_skills={"billing": -1})]),
            "escalations[0].preferred_skills.billing: proficiency must be 1-5, got -1",
            id="preferred-proficiency",
        ),
        pytest.param(
            request_data([agent_data(), agent_data("b", tier=4)]),
            "agents[1].tier: tier must be 1-3, got 4",
            id="agent-tier",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(complexity_tier=0)]),
            "escalations[0].complexity_tier: tier must be 1-3, got 0",
            id="complexity-tier",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(created_at="2026-12-01T09:00:00")]),
            "escalations[0].created_at: time needs a UTC offset (e.g. '2026-12-01T09:00:00+00:00'), "
            "got '2026-12-01T09:00:00'",
            id="naive-created-at",
        ),
        pytest.param(
            request_data(until="2026-12-01T10:00:00"),
            "until: time needs a UTC offset (e.g. '2026-12-01T09:00:00+00:00'), got '2026-12-01T10:00:00'",
            id="naive-until",
        ),
        pytest.param(
            request_data([agent_data(skils={"billing": 2})]),
            "agents[0].skils: unknown field (check the spelling)",
            id="extra-agent-field",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(context={"sumary": "x"})]),
            "escalations[0].context.sumary: unknown field (check the spelling)",
            id="extra-context-field",
        ),
        pytest.param(
            {**request_data(), "agnets": []},
            "agnets: unknown field (check the spelling)",
            id="extra-top-level-field",
        ),
        pytest.param(
            request_data(settings={"weights": {"lod": 1.0}}),
            "settings.weights.lod: unknown field (check the spelling)",
            id="extra-settings-field",
        ),
        pytest.param(
            with_shift(start="9:00"),
            "agents[0].shifts[0].start: time must be HH:MM (00:00-24:00), got '9:00'",
            id="shift-start-h-mm",
        ),
        pytest.param(
            with_shift(end="24:30"),
            "agents[0].shifts[0].end: time must be HH:MM (00:00-24:00), got '24:30'",
            id="shift-end-after-24",
        ),
        pytest.param(
            with_shift(end="17:60"),
            "agents[0].shifts[0].end: time must be HH:MM (00:00-24:00), got '17:60'",
            id="shift-end-60-minutes",
        ),
        pytest.param(
            with_shift(start="09:00", end="09:00"),
            "agents[0].shifts[0].end: end '09:00' equals start '09:00', a shift of no length; a "
            "24-hour shift is written start '00:00', end '24:00'",
            id="shift-end-equals-start",
        ),
        pytest.param(
            with_shift(start="00:00", end="00:00"),
            "agents[0].shifts[0].end: end '00:00' equals start '00:00', a shift of no length; a "
            "24-hour shift is written start '00:00', end '24:00'",
            id="shift-midnight-to-midnight",
        ),
        pytest.param(
            with_shift(start="24:00", end="08:00"),
            "agents[0].shifts[0].start: a shift starts at 00:00-23:59, got '24:00' (write '00:00' of "
            "the next day)",
            id="shift-start-24",
        ),
        pytest.param(
            with_shift(breaks=[{"start": "12:00", "end": "12:00"}]),
            "agents[0].shifts[0]: breaks[0].end: '12:00' equals its start '12:00', a break of no length",
            id="break-of-no-length",
        ),
        pytest.param(
            with_shift(breaks=[{"start": "12:00", "end": "12:30"}, {"start": "18:00", "end": "18:30"}]),
            "agents[0].shifts[0]: breaks[1]: break 18:00-18:30 is outside the shift 09:00-17:00",
            id="break-after-shift",
        ),
        pytest.param(
            with_shift(breaks=[{"start": "08:30", "end": "09:30"}]),
            "agents[0].shifts[0]: breaks[0]: break 08:30-09:30 is outside the shift 09:00-17:00",
            id="break-across-shift-start",
        ),
        pytest.param(
            with_shift(breaks=[{"start": "12:0", "end": "12:30"}]),
            "agents[0].shifts[0]: breaks[0]: time must be HH:MM (00:00-24:00), got '12:0'",
            id="break-h-mm",
        ),
        pytest.param(
            request_data([agent_data(channels={"chat": 0, "voice": 0})]),
            "agents[0].channels: an agent needs a cap above 0 on at least one channel",
            id="all-caps-zero",
        ),
        pytest.param(
            request_data([agent_data("ana"), agent_data("ben"), agent_data("ana")]),
            "agents[2].id: 'ana' already used by agents[0]",
            id="duplicate-agent",
        ),
        pytest.param(
            request_data(escalations=[escalation_data("e1"), escalation_data("e1")]),
            "escalations[1].id: 'e1' already used by escalations[0]",
            id="duplicate-escalation",
        ),
        pytest.param(
            request_data(settings={"relaxation": [{"after_s": 30}, {"after_s": 10}]}),
            "settings: relaxation steps must have strictly increasing after_s, got [30.0, 10.0]",
            id="relaxation-order",
        ),
    ],
)
def test_problem_text(data: dict[str, Any], problem: str) -> None:
    assert rejected(data, problem) == [problem]


# ------------------------------------------------------------- path and value (pydantic's wording)
@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        pytest.param(
            request_data([agent_data(time_zone="Mars/Olympus")]),
            "agents[0].time_zone",
            "unknown IANA time zone 'Mars/Olympus'",
            id="agent-time-zone",
        ),
        pytest.param(
            request_data([agent_data(time_zone="europe/paris")]),
            "agents[0].time_zone",
            "unknown IANA time zone 'europe/paris'",
            id="time-zone-case",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(customer_time_zone="Nowhere/Land")]),
            "escalations[0].customer_time_zone",
            "unknown IANA time zone 'Nowhere/Land'",
            id="customer-time-zone",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(channel="fax")]),
            "escalations[0].channel",
            "got 'fax'",
            id="escalation-channel",
        ),
        pytest.param(
            request_data([agent_data(channels={"chat": 1, "fax": 2})]),
            "agents[0].channels.fax (key)",
            "got 'fax'",
            id="agent-channel-key",
        ),
        pytest.param(
            request_data([agent_data(channels={"chat": 101})]),
            "agents[0].channels.chat",
            "got 101",
            id="channel-cap-too-high",
        ),
        pytest.param(
            request_data([agent_data(skills={"billing": "high"})]),
            "agents[0].skills.billing",
            "got 'high'",
            id="proficiency-not-a-number",
        ),
        pytest.param(
            with_shift(days="monday"),
            "agents[0].shifts[0].days",
            "unknown day 'monday'",
            id="shift-day-name",
        ),
        pytest.param(
            with_shift(days=["mon", "fri-xyz"]),
            "agents[0].shifts[0].days",
            "unknown day 'fri-xyz'",
            id="shift-day-range",
        ),
        pytest.param(
            with_shift(days=[1]),
            "agents[0].shifts[0].days",
            "got 1",
            id="shift-day-number",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(urgency=1.5)]),
            "escalations[0].urgency",
            "got 1.5",
            id="urgency-above-1",
        ),
        pytest.param(
            request_data(escalations=[escalation_data(urgency=-0.1)]),
            "escalations[0].urgency",
            "got -0.1",
            id="urgency-below-0",
        ),
        pytest.param(
            request_data([agent_data(status="on_holiday")]),
            "agents[0].status",
            "got 'on_holiday'",
            id="agent-status",
        ),
    ],
)
def test_problem_names_path_and_value(data: dict[str, Any], path: str, fragment: str) -> None:
    """Pydantic words some of these; the path must lead and the bad value must follow it."""
    [problem] = rejected(data, path)
    assert problem.startswith(f"{path}: ")
    assert fragment in problem.removeprefix(path)


def test_empty_skills_on_an_agent() -> None:
    [problem] = rejected(request_data([agent_data(skills={})]), "agents[0].skills")
    assert problem.startswith("agents[0].skills: ")
    assert "at least 1" in problem


def test_empty_shift_days() -> None:
    [problem] = rejected(with_shift(days=[]), "agents[0].shifts[0].days")
    assert "at least 1" in problem


def test_missing_required_field() -> None:
    data = request_data(escalations=[{"id": "e1", "channel": "chat"}])
    assert rejected(data, "escalations[0].created_at") == ["escalations[0].created_at: Field required"]


def test_every_problem_is_reported_with_the_source() -> None:
    data = request_data(
        [agent_data(tier=9), agent_data("b", skills={"billing": 8})],
        [escalation_data(urgency=2, channel="fax")],
    )
    with pytest.raises(InvalidInput) as info:
        parse(RouteRequest, data, source="desk.yaml")
    locations = [p.location for p in info.value.problems]
    assert sorted(locations) == sorted(
        ["agents[0].tier", "agents[1].skills.billing", "escalations[0].channel", "escalations[0].urgency"]
    )
    lines = str(info.value).splitlines()
    assert len(lines) == 4
    assert all(line.startswith("desk.yaml: ") for line in lines)
    assert "desk.yaml: agents[1].skills.billing: proficiency must be 1-5, got 8" in lines


def test_models_can_be_parsed_alone() -> None:
    assert rejected(agent_data(tier=0), "tier: tier must be 1-3, got 0", AgentIn) == [
        "tier: tier must be 1-3, got 0"
    ]
    assert rejected(escalation_data(id=""), "id", EscalationIn)[0].startswith("id: ")


# ----------------------------------------------------------------------------------- load_document
def test_load_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(InvalidInput, match="file not found") as info:
        load_document(path)
    assert info.value.source == str(path)
    assert info.value.problems == [FieldProblem("", "file not found")]
    assert str(info.value) == f"{path}: file not found"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("agents: []\nescalations: []\nsettings: @bad\n", 3),
        ("agents: []\nescalations:\n  - id: e\n   channel: chat\n", 4),
        ("\tagents: []\n", 1),
    ],
)
def test_load_invalid_yaml_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match="invalid YAML") as info:
        load_document(path)
    [problem] = info.value.problems
    assert problem.location == f"line {line}"
    assert info.value.source == str(path)


def test_load_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "agents": [],\n  "escalations": [\n}\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="invalid JSON") as info:
        load_document(path)
    [problem] = info.value.problems
    assert problem.location == "line 4"


def test_json_suffix_is_read_as_json(tmp_path: Path) -> None:
    # Valid YAML but not JSON: a .json file must be held to JSON.
    path = tmp_path / "desk.JSON"
    path.write_text("agents: []\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="invalid JSON"):
        load_document(path)
    path.write_text('{"agents": []}', encoding="utf-8")
    assert load_document(path) == {"agents": []}


@pytest.mark.parametrize(("name", "text"), [("list.yaml", "- a\n- b\n"), ("list.json", "[1, 2]")])
def test_load_top_level_list(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match="expected a mapping at the top, got list"):
        load_document(path)


def test_load_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InvalidInput, match="the file is empty"):
        load_document(path)


def test_example_scenario_is_valid() -> None:
    request = parse(RouteRequest, load_document(EXAMPLE), source=str(EXAMPLE))
    assert [a.id for a in request.agents] == ["ana", "ben", "chen", "dana", "eve"]
    assert len(request.escalations) == 7


# --------------------------------------------------------------------------------------- to_domain
def shift(**kw: Any) -> WeeklyShift:
    return parse(ShiftIn, {"days": "mon", **kw}).to_domain()


def test_shift_to_domain_in_minutes() -> None:
    assert shift(days="mon-fri", start="09:00", end="17:30") == WeeklyShift(frozenset(range(5)), 540, 1050)


def test_shift_crossing_midnight_ends_after_1440() -> None:
    assert shift(start="22:00", end="06:00") == WeeklyShift(frozenset({0}), 1320, 1800)
    assert shift(start="00:00", end="24:00") == WeeklyShift(frozenset({0}), 0, 1440)  # a whole day
    assert shift(start="18:00", end="24:00") == WeeklyShift(frozenset({0}), 1080, 1440)


def test_breaks_after_midnight_get_1440() -> None:
    got = shift(
        start="22:00",
        end="06:00",
        breaks=[{"start": "23:30", "end": "00:15"}, {"start": "02:00", "end": "02:30"}],
    )
    assert got.breaks == ((1410, 1455), (1560, 1590))
    assert shift(start="20:00", end="23:00", breaks=[{"start": "21:00", "end": "21:15"}]).breaks == (
        (1260, 1275),
    )


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon", {0}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        (["mon", "wed-thu", "sun"], {0, 2, 3, 6}),
        ("daily", set(range(7))),
        ("SAT", {5}),
    ],
)
def test_shift_days(days: Any, expected: set[int]) -> None:
    assert shift(days=days, start="09:00", end="17:00").days == frozenset(expected)


def test_created_at_becomes_epoch_seconds() -> None:
    escalation = parse(EscalationIn, escalation_data(created_at="2026-12-01T10:30:00+01:00")).to_domain()
    assert escalation.created_s == calendar.timegm((2026, 12, 1, 9, 30, 0))
    assert parse(EscalationIn, escalation_data(created_at="2026-12-01T09:30:00Z")).to_domain().created_s == (
        escalation.created_s
    )


def test_escalation_to_domain_carries_every_field() -> None:
    data = escalation_data(
        channel="voice",
        required_skills={"legal": 3},
        preferred_skills={"billing": 2},
        complexity_tier=3,
        customer_tier="vip",
        language="es",
        customer_region="eu",
        customer_time_zone="Europe/Madrid",
        trigger="legal",
        urgency=0.5,
    )
    e = parse(EscalationIn, data).to_domain()
    assert (e.id, e.channel, dict(e.required_skills), dict(e.preferred_skills)) == (
        "e1",
        Channel.VOICE,
        {"legal": 3},
        {"billing": 2},
    )
    assert (e.complexity_tier, e.customer_tier, e.language, e.customer_region) == (3, "vip", "es", "eu")
    assert (e.customer_time_zone, e.trigger, e.urgency) == ("Europe/Madrid", "legal", 0.5)


def test_agent_to_domain() -> None:
    data = agent_data(
        skills={"billing": 4},
        tier=2,
        languages=["en", "es"],
        time_zone="Europe/Madrid",
        shifts=[{"days": "mon-fri", "start": "22:00", "end": "06:00"}],
        channels={"chat": 3, "voice": 1},
        max_total=3,
        regions=["eu"],
    )
    a = parse(AgentIn, data).to_domain()
    assert a.shifts == (WeeklyShift(frozenset(range(5)), 1320, 1800),)
    assert dict(a.channel_caps) == {Channel.CHAT: 3, Channel.VOICE: 1}
    assert (a.tier, a.languages, a.time_zone, a.max_total, a.regions) == (
        2,
        frozenset({"en", "es"}),
        "Europe/Madrid",
        3,
        frozenset({"eu"}),
    )


@pytest.mark.parametrize("shifts", ["always", None])
def test_agent_always_on_shift(shifts: str | None) -> None:
    assert parse(AgentIn, agent_data(shifts=shifts)).to_domain().shifts is None
    assert parse(AgentIn, agent_data()).to_domain().shifts is None


@pytest.mark.parametrize("name", ["Europe", "America", "x" * 300])
def test_time_zone_that_is_a_folder_or_too_long_is_a_field_error(name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(RouteRequest, request_data([agent_data(time_zone=name)]))
    assert [p.location for p in info.value.problems] == ["agents[0].time_zone"]
    assert "unknown IANA time zone" in str(info.value)


@pytest.mark.parametrize("value", [3.5, True])
def test_proficiency_must_be_a_plain_integer(value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(RouteRequest, request_data([agent_data(skills={"billing": value})]))
    (problem,) = info.value.problems
    assert problem.location == "agents[0].skills.billing"
    assert repr(value) in problem.problem


def test_an_agent_stored_as_json_reads_back_the_same() -> None:
    """The service stores ``model_dump(mode="json")`` and rebuilds its dispatchers from it."""
    shifts = [{"days": "mon-fri", "start": "20:00", "end": "23:00"}]
    agent = parse(AgentIn, agent_data(shifts=shifts))
    stored = agent.model_dump(mode="json")
    assert stored["shifts"][0]["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert AgentIn.model_validate(stored) == agent


# ------------------------------------------------------------------------------------ limits
def _nested(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth - 1):
        node["a"] = {}
        node = node["a"]
    return root


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({"context": {"summary": "x" * (limits.SUMMARY_CHARS + 1)}}, "context.summary"),
        ({"context": {"reason": "x" * (limits.REASON_CHARS + 1)}}, "context.reason"),
        ({"context": {"intent": "x" * (limits.INTENT_CHARS + 1)}}, "context.intent"),
        ({"context": {"actions_tried": ["a"] * (limits.ACTIONS_TRIED + 1)}}, "context.actions_tried"),
        (
            {"context": {"transcript": [{"role": "customer", "text": "hi"}] * (limits.TRANSCRIPT_TURNS + 1)}},
            "context.transcript",
        ),
        ({"context": {"account": _nested(limits.ACCOUNT_DEPTH + 1)}}, "context.account"),
        ({"context": {"account": {"x": float("nan")}}}, "context.account"),
        ({"required_skills": {f"s{i}": 1 for i in range(limits.ESCALATION_SKILLS + 1)}}, "required_skills"),
        ({"preferred_skills": {f"s{i}": 1 for i in range(limits.ESCALATION_SKILLS + 1)}}, "preferred_skills"),
        ({"created_at": "0001-01-01T00:00:00+01:00"}, "created_at"),
        ({"created_at": "9999-12-31T23:30:00-01:00"}, "created_at"),
    ],
)
def test_escalation_caps_name_the_field(fields: dict[str, Any], location: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(EscalationIn, escalation_data(**fields))
    assert [p.location for p in info.value.problems] == [location]


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({"skills": {f"s{i}": 1 for i in range(limits.AGENT_SKILLS + 1)}}, "skills"),
        ({"languages": [f"l{i}" for i in range(limits.AGENT_LANGUAGES + 1)]}, "languages"),
        ({"regions": [f"r{i}" for i in range(limits.AGENT_REGIONS + 1)]}, "regions"),
        ({"name": "x" * (limits.AGENT_NAME_CHARS + 1)}, "name"),
        (
            {"shifts": [{"days": "mon", "start": "09:00", "end": "17:00"}] * (limits.SHIFTS_PER_AGENT + 1)},
            "shifts",
        ),
        (
            {
                "shifts": [
                    {
                        "days": "mon",
                        "start": "09:00",
                        "end": "17:00",
                        "breaks": [{"start": "12:00", "end": "12:05"}] * (limits.BREAKS_PER_SHIFT + 1),
                    }
                ]
            },
            "shifts[0].breaks",
        ),
        (
            {"shifts": [{"days": ["mon"] * (limits.DAY_ITEMS + 1), "start": "09:00", "end": "17:00"}]},
            "shifts[0].days",
        ),
    ],
)
def test_agent_caps_name_the_field(fields: dict[str, Any], location: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(AgentIn, agent_data(**fields))
    assert [p.location for p in info.value.problems] == [location]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_not_numbers(value: float) -> None:
    """``json.loads`` and YAML read them; JSON has neither (and ``urgency`` NaN slipped past its
    bounds only by luck of the comparison)."""
    problems = rejected(escalation_data(context={"sentiment_trend": [value]}), "finite number", EscalationIn)
    assert problems[0].startswith("context.sentiment_trend[0]: ")
    rejected(escalation_data(urgency=value), "finite number", EscalationIn)


def test_values_at_the_caps_parse_and_one_more_does_not() -> None:
    escalation = parse(
        EscalationIn,
        escalation_data(
            required_skills={f"s{i}": 1 for i in range(limits.ESCALATION_SKILLS)},
            context={"summary": "x" * limits.SUMMARY_CHARS, "account": _nested(limits.ACCOUNT_DEPTH)},
            created_at="9999-12-31T23:59:59+00:00",
        ),
    )
    assert len(escalation.required_skills) == limits.ESCALATION_SKILLS
    one_more = {f"s{i}": 1 for i in range(limits.ESCALATION_SKILLS + 1)}
    rejected(escalation_data(required_skills=one_more), "required_skills", EscalationIn)
    agent = parse(AgentIn, agent_data(skills={f"s{i}": 1 for i in range(limits.AGENT_SKILLS)}))
    assert len(agent.skills) == limits.AGENT_SKILLS


def test_the_json_tree_check_never_recurses() -> None:
    """A structure far deeper than the interpreter's recursion limit is refused, not a crash."""
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    assert limits.json_tree_problem(deep) == f"nested more than {limits.ACCOUNT_DEPTH} levels deep"
    assert limits.json_tree_problem({"a": [1, "x", None, {"b": 2.5}]}) is None
    wide = {"a": list(range(limits.ACCOUNT_ITEMS))}
    assert limits.json_tree_problem(wide) == f"more than {limits.ACCOUNT_ITEMS} keys and items in all"
    assert limits.json_tree_problem({"x": float("-inf")}) == "NaN and Infinity are not JSON numbers"
