"""``handoff history export`` and ``handoff roster export``: the service's escalations as a history
log (every column checked against what was done through the API), its conversation volume, and
its agents as a roster a scenario loads; on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from reports.cli import app
from routing.domain import CancelReason, Channel, CustomerTier, Trigger
from routing.history import HistoryRecord, Outcome, read_history, read_volume
from routing.service.history_cli import parse_period
from simulator.scenario import Scenario
from tests.service.conftest import T0, Api, agent_body

DAY = "2026-01-01"
SHIFTS = [
    {"days": "mon-fri", "start": "08:00", "end": "16:30", "breaks": [{"start": "12:00", "end": "12:30"}]}
]


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def export(api: Api, tmp_path: Path, name: str = "history.csv", *extra: str) -> Any:
    out = tmp_path / name
    result = run(
        "history",
        "export",
        "--database",
        api.service.db.url,
        "--tenant",
        "acme",
        "--from",
        DAY,
        "--to",
        DAY,
        "--out",
        str(out),
        *extra,
    )
    assert result.exit_code == 0, result.output
    return out, result


def a_day(api: Api) -> None:
    """Escalations of every kind on 2026-01-01 (times from T0 = 09:00:00Z)."""
    api.post("/v1/agents", agent_body("ana", shifts=SHIFTS, time_zone="Europe/Paris"))
    api.post("/v1/agents", agent_body("bob", shifts=SHIFTS, time_zone="Europe/Paris"))
    api.post(
        "/v1/agents",
        agent_body("cleo", skills={"billing": 3, "refunds": 2}, channels={"chat": 1, "voice": 1}),
    )
    # e1: ana accepts after 4 s, views the context 2 s later, completes after 300 s with feedback
    offer = api.escalate(
        "e1",
        conversation_started_at="2026-01-01T08:58:00Z",
        customer_id="cust-1",
        segment="billing-en",
        trigger="low_confidence",
        language="en",
    ).json()["decision"]
    assert offer["agent_id"] == "ana"
    api.clock.advance(4)
    api.post(f"/v1/offers/{offer['offer_id']}/accept")
    api.clock.advance(2)
    api.post("/v1/escalations/e1/context-viewed")
    api.clock.advance(298)
    feedback = {"csat": 2, "first_contact_resolved": False, "ai_could_have_handled": True, "wrap_up_s": 0}
    assert api.post("/v1/escalations/e1/complete", {"resolved": True, **feedback}).status_code == 200
    # e2 at 09:05:04: declined by its first agent, accepted by the next 3 s later
    offer = api.escalate("e2", created_at="2026-01-01T09:05:04Z").json()["decision"]
    first = offer["agent_id"]
    api.post(f"/v1/offers/{offer['offer_id']}/decline")
    api.clock.advance(3)
    again = api.get("/v1/escalations/e2").json()
    assert again["agent_id"] != first
    api.post(f"/v1/offers/{again['offer_id']}/accept")
    # e3 at 09:05:07 on voice: only cleo takes voice, and she is away; the customer leaves after 40 s
    assert api.put("/v1/agents/cleo/status", {"status": "away"}).status_code == 200
    api.escalate("e3", created_at="2026-01-01T09:05:07Z", channel="voice", customer_id="cust-1")
    api.clock.advance(40)
    cancel = api.post("/v1/escalations/e3/cancel", {"reason": "customer_left"})
    assert cancel.status_code == 200, cancel.text
    # e4 at 09:05:47: offered, and the AI resolved it before the agent answered
    assert api.escalate("e4", created_at="2026-01-01T09:05:47Z").json()["state"] == "offered"
    api.clock.advance(10)
    api.post("/v1/escalations/e4/cancel", {"reason": "resolved_by_ai"})


def by_id(records: list[HistoryRecord]) -> dict[str, HistoryRecord]:
    return {r.escalation_id: r for r in records}


def test_every_column_says_what_the_service_recorded(api: Api, tmp_path: Path) -> None:
    a_day(api)
    out, result = export(api, tmp_path)
    assert "wrote 4 escalations" in result.output
    records = read_history(out)
    assert [r.escalation_id for r in records] == ["e1", "e2", "e3", "e4"]
    got = by_id(records)
    ref = api.get("/v1/escalations/e1").json()["customer_ref"]
    assert got["e1"] == HistoryRecord(
        escalation_id="e1",
        created_at_s=T0,
        conversation_started_at_s=T0 - 120,
        channel=Channel.CHAT,
        skills={"billing": 2},
        preferred_skills={},
        tier=1,
        customer_tier=CustomerTier.STANDARD,
        language="en",
        customer_timezone=None,
        trigger=Trigger.LOW_CONFIDENCE,
        segment="billing-en",
        queue="chat:billing",
        customer_ref=ref,
        outcome=Outcome.COMPLETED,
        cancel_reason=None,
        offers=1,
        declines=0,
        expiries=0,
        first_offered_at_s=T0,
        accepted_at_s=T0 + 4,
        handoff_s=4.0,
        agent_id="ana",
        agent_group="billing-t1",
        context_viewed_at_s=T0 + 6,
        completed_at_s=T0 + 304,
        handle_time_s=300.0,
        wrap_up_s=0.0,
        patience_s=None,
        transfers=0,
        csat=2,
        first_contact_resolved=False,
        ai_could_have_handled=True,
    )
    e2 = got["e2"]
    assert (e2.outcome, e2.offers, e2.declines, e2.expiries) == (Outcome.ASSIGNED, 2, 1, 0)
    assert (e2.first_offered_at_s, e2.accepted_at_s, e2.handoff_s) == (T0 + 304, T0 + 307, 3.0)
    assert e2.agent_group == "billing-t1"  # ana and bob: one profile, one group
    assert (e2.completed_at_s, e2.handle_time_s, e2.csat, e2.context_viewed_at_s) == (None, None, None, None)
    e3 = got["e3"]
    assert (e3.outcome, e3.cancel_reason, e3.patience_s) == (
        Outcome.ABANDONED,
        CancelReason.CUSTOMER_LEFT,
        40.0,
    )
    assert (e3.offers, e3.accepted_at_s, e3.handoff_s, e3.agent_id) == (0, None, None, None)
    assert e3.customer_ref == ref  # the same customer escalated again: the same reference
    assert e3.queue == "voice:billing"
    e4 = got["e4"]
    assert (e4.outcome, e4.cancel_reason, e4.patience_s) == (
        Outcome.CANCELLED,
        CancelReason.RESOLVED_BY_AI,
        None,
    )
    assert (e4.offers, e4.declines, e4.expiries, e4.accepted_at_s) == (1, 0, 0, None)
    assert "cust-1" not in out.read_text()


def test_the_period_selects_by_creation_and_the_file_may_be_compressed(api: Api, tmp_path: Path) -> None:
    a_day(api)
    out, _ = export(api, tmp_path, "h.csv.gz")
    with gzip.open(out, "rt") as f:
        assert f.readline().startswith("escalation_id,created_at,")
    assert len(read_history(out)) == 4
    late = tmp_path / "late.csv"
    result = run(
        "history", "export", "--database", api.service.db.url, "--tenant", "acme",
        "--from", "2026-01-01T09:05:05Z", "--to", "2026-01-01T09:05:47Z", "--out", str(late),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r.escalation_id for r in read_history(late)] == ["e3"]  # [from, to): e4 at 09:05:47 is out
    empty = tmp_path / "none.csv"
    other_day = ["--from", "2026-01-02", "--to", "2026-01-02", "--out", str(empty)]
    result = run("history", "export", "--database", api.service.db.url, "--tenant", "acme", *other_day)
    assert "wrote 0 escalations" in result.output


def test_the_conversation_volume_is_written_beside(api: Api, tmp_path: Path) -> None:
    a_day(api)
    intervals = [
        {"interval_start": "2026-01-01T09:00:00Z", "segment": "billing-en", "conversations": 31},
        {"interval_start": "2026-01-01T09:15:00Z", "segment": "billing-en", "conversations": 12},
        {
            "interval_start": "2026-01-02T09:00:00Z",
            "segment": "billing-en",
            "conversations": 99,
        },  # not that day
    ]
    assert api.post("/v1/conversation-volume", {"intervals": intervals}).status_code == 200
    _, result = export(api, tmp_path, "h.csv.gz")
    volume_path = tmp_path / "h-volume.csv.gz"
    assert f"wrote 2 volume intervals to {volume_path}" in result.output.replace("\n", "")
    volume = read_volume(volume_path)
    assert [(v.interval_start_s, v.interval_s, v.segment, v.conversations) for v in volume] == [
        (T0, 900, "billing-en", 31),
        (T0 + 900, 900, "billing-en", 12),
    ]


def test_without_volume_no_volume_file(api: Api, tmp_path: Path) -> None:
    api.escalate("e1")
    _, result = export(api, tmp_path)
    assert "no conversation volume reported" in result.output
    assert not (tmp_path / "history-volume.csv").exists()


def test_the_roster_loads_as_a_scenario_roster(api: Api, tmp_path: Path) -> None:
    a_day(api)
    api.post(
        "/v1/agents",
        agent_body("dan", skills={"billing": 3, "refunds": 2}, channels={"chat": 1, "voice": 1}, tier=2),
    )
    api.post("/v1/agents", agent_body("eve", skills={"billing": 3}, channels={"chat": 3}))
    api.post("/v1/agents", agent_body("gone"))
    api.client.delete("/v1/agents/gone", headers=api.h())
    out = tmp_path / "roster.yaml"
    result = run("roster", "export", "--database", api.service.db.url, "--tenant", "acme", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "# billing-t1: ana, bob" in text
    document = yaml.safe_load(text)
    scenario = Scenario.model_validate(
        {
            "name": "tomorrow",
            "start": "2026-01-05T08:00:00",
            "duration_h": 8,
            "demand": [
                {"segment": "billing", "channel": "chat", "skills": {"billing": 2}, "arrivals_per_hour": 30,
                 "handle_time": {"distribution": "exponential", "mean_s": 300}},
            ],
            "roster": document["roster"],
        }
    )  # fmt: skip
    groups = {g.group: g for g in scenario.roster}
    assert {name: g.count for name, g in groups.items()} == {
        "billing-t1": 2,  # ana, bob: shifts in Paris
        "billing+refunds-t1": 1,  # cleo
        "billing+refunds-t2": 1,  # dan
        "billing-t1-2": 1,  # eve: same skills and tier as ana, other caps
    }  # "gone" was deactivated: not on tomorrow's roster
    paris = groups["billing-t1"]
    assert (paris.time_zone, paris.skills, dict(paris.channels)) == (
        "Europe/Paris",
        {"billing": 3},
        {Channel.CHAT: 2},
    )
    assert paris.shifts is not None
    assert [(sorted(s.days), s.start, s.end, [(b.start, b.end) for b in s.breaks]) for s in paris.shifts] == [
        ([0, 1, 2, 3, 4], "08:00", "16:30", [("12:00", "12:30")])
    ]
    cleo = groups["billing+refunds-t1"]
    assert cleo.shifts is None  # always on shift
    assert dict(cleo.channels) == {Channel.CHAT: 1, Channel.VOICE: 1}
    # the history's agent_group names the same groups
    history, _ = export(api, tmp_path)
    assert {r.agent_group for r in read_history(history) if r.agent_id} <= groups.keys()


def test_bad_options_are_clear_errors(api: Api, tmp_path: Path) -> None:
    url = api.service.db.url
    out = str(tmp_path / "h.csv")
    cases = {
        ("--tenant", "nobody", "--from", DAY, "--to", DAY, "--out", out): "no tenant 'nobody'",
        ("--tenant", "acme", "--from", "yesterday", "--to", DAY, "--out", out): "--from: expected a date",
        ("--tenant", "acme", "--from", DAY, "--to", "2025-12-31", "--out", out): "must be after --from",
        ("--tenant", "acme", "--from", "2026-01-01T09:00", "--to", DAY, "--out", out): "needs a UTC offset",
        (
            "--tenant",
            "acme",
            "--from",
            DAY,
            "--to",
            DAY,
            "--out",
            str(tmp_path / "h.txt"),
        ): "must end in .csv",
    }
    for args, message in cases.items():
        result = run("history", "export", "--database", url, *args)
        assert result.exit_code == 2, result.output
        assert message in result.output.replace("\n", "")
    missing = run(
        "history",
        "export",
        "--database",
        str(tmp_path / "nope.db"),
        "--tenant",
        "acme",
        "--from",
        DAY,
        "--to",
        DAY,
        "--out",
        out,
    )
    assert missing.exit_code == 2
    assert "no SQLite file" in missing.output
    assert not (tmp_path / "nope.db").exists()
    (tmp_path / "empty.db").write_bytes(b"")
    empty = run(
        "roster", "export", "--database", str(tmp_path / "empty.db"), "--tenant", "acme", "--out", out
    )
    assert empty.exit_code == 2
    assert "holds no routing service schema" in empty.output.replace("\n", "")
    no_agents = run(
        "roster", "export", "--database", url, "--tenant", "globex", "--out", str(tmp_path / "r.yaml")
    )
    assert no_agents.exit_code == 2
    assert "no active agents" in no_agents.output


@pytest.mark.parametrize(
    ("start", "end", "zone", "expected"),
    [
        ("2026-01-01", "2026-01-01", "UTC", (1_767_225_600.0, 1_767_312_000.0)),
        ("2026-01-01", "2026-01-02", "Europe/Paris", (1_767_222_000.0, 1_767_394_800.0)),
        ("2026-01-01T09:00:00Z", "2026-01-01T10:00:00+01:00", "UTC", (T0, T0)),
    ],
)
def test_periods(start: str, end: str, zone: str, expected: tuple[float, float]) -> None:
    if expected[0] == expected[1]:
        with pytest.raises(ValueError, match="must be after"):
            parse_period(start, end, zone)
    else:
        assert parse_period(start, end, zone) == expected
