"""The time convention (:mod:`routing.timestamps`): the formatter, inputs read either way, and
``handoff route --json`` walked for every time-like field (:mod:`tests.time_convention`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reports.cli import app
from routing.decisions import Deferred, Offer, decision_as_dict
from routing.domain import DeferralMode
from routing.schemas import ContextPacket, EscalationIn, parse
from routing.timestamps import epoch_s, iso, to_ms, utc, with_iso
from tests.time_convention import time_problems

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "route_example.yaml"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()


def test_iso_is_utc_to_the_millisecond_with_z() -> None:
    assert iso(T0 + 20) == "2026-12-01T09:00:20.000Z"
    assert iso(T0 + 20.1236) == "2026-12-01T09:00:20.124Z"  # rounded, as epoch_s rounds
    assert epoch_s(T0 + 20.1236) == round(T0 + 20.124, 3)
    assert iso(T0 + 65, timespec="seconds") == "2026-12-01T09:01:05Z"
    paris = timezone(timedelta(hours=1))
    assert iso(datetime(2026, 12, 1, 10, 0, 0, 123999, tzinfo=paris)) == "2026-12-01T09:00:00.123Z"
    assert utc(T0 + 0.5) == datetime(2026, 12, 1, 9, 0, 0, 500000, tzinfo=UTC)
    with pytest.raises(ValueError, match="UTC offset"):
        iso(datetime(2026, 12, 1, 9, 0))
    assert to_ms(datetime(2026, 12, 1, 10, 0, 0, 999999, tzinfo=paris)) == datetime(
        2026, 12, 1, 9, 0, 0, 999000, tzinfo=UTC
    )


def test_with_iso_puts_the_iso_twin_before_each_epoch_instant() -> None:
    out = with_iso({"kind": "offer", "expires_at_s": T0 + 20.00049, "next_open_at_s": None, "eta_s": 3.0})
    assert list(out) == ["kind", "expires_at", "expires_at_s", "next_open_at", "next_open_at_s", "eta_s"]
    assert out["expires_at"] == "2026-12-01T09:00:20.000Z"
    assert out["expires_at_s"] == T0 + 20
    assert out["next_open_at"] is None
    assert with_iso({"expires_at": "kept", "expires_at_s": T0}) == {"expires_at": "kept", "expires_at_s": T0}


def test_decisions_as_dicts_carry_both_forms_of_each_instant() -> None:
    offer = decision_as_dict(Offer("esc-1#1", "esc-1", "ana", T0 + 20))
    assert offer["expires_at"] == "2026-12-01T09:00:20.000Z"
    assert offer["expires_at_s"] == T0 + 20
    deferred = decision_as_dict(Deferred("esc-2", DeferralMode.CALLBACK, None, "nobody on shift"))
    assert deferred["next_open_at"] is None
    assert deferred["next_open_at_s"] is None
    assert time_problems([offer, deferred]) == []


def test_inputs_take_an_instant_as_iso_with_any_offset_or_as_epoch_seconds() -> None:
    base = {"id": "e1", "channel": "chat"}
    as_iso = parse(EscalationIn, {**base, "created_at": "2026-12-01T10:00:20.5+01:00"})
    as_epoch = parse(EscalationIn, {**base, "created_at": T0 + 20.5})
    assert as_iso.created_at == as_epoch.created_at == datetime(2026, 12, 1, 9, 0, 20, 500000, tzinfo=UTC)
    assert as_iso.to_domain().created_s == T0 + 20.5
    assert as_iso.model_dump(mode="json")["created_at"] == "2026-12-01T09:00:20.500Z"
    # a transcript turn's time was ``at`` before it was ``sent_at``: both are read
    old = ContextPacket.model_validate({"transcript": [{"role": "customer", "text": "hi", "at": T0}]})
    new = ContextPacket.model_validate({"transcript": [{"role": "customer", "text": "hi", "sent_at": T0}]})
    assert old == new
    assert old.model_dump(mode="json")["transcript"][0]["sent_at"] == "2026-12-01T09:00:00.000Z"


def test_the_walker_finds_each_kind_of_break() -> None:
    bad: dict[str, Any] = {
        "timestamp": "2026-12-01T09:00:00Z",  # ISO outside an *_at key
        "expires_at": "2026-12-01T09:00:20+00:00",  # not Z, no milliseconds
        "created_at": 1796115600.0,  # epoch under an *_at key
        "next_open_at_s": 1796162400.0,  # epoch without its ISO twin
        "events": [{"at": "2026-12-01 09:00"}, 1796115600],
        "done_at": "2026-12-01T09:00:20.000Z",
        "done_at_s": 1796115600.0,  # not the instant of done_at
    }
    problems = time_problems(bad)
    assert [p.split(":")[0] for p in problems] == [
        "$.timestamp",
        "$.expires_at",
        "$.created_at",
        "$.next_open_at_s",
        "$.events[0].at",
        "$.events[1]",
        "$.done_at_s",
    ]
    assert time_problems({"eta_s": 200.0, "reason": "until 2026-12-01T09:05:00Z (in 300 s)"}) == []


def test_route_json_follows_the_time_convention() -> None:
    result = CliRunner().invoke(app, ["route", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert time_problems(rows) == []
    kinds = {row["kind"] for row in rows}
    assert {"offer", "deferred", "queued", "assigned"} <= kinds  # the instants of each kind are seen
    first = rows[0]
    assert first["occurred_at"] == "2026-12-01T09:00:00.000Z"
    assert first["elapsed_s"] == 0
    deferred = next(row for row in rows if row["kind"] == "deferred")
    assert deferred["next_open_at"].endswith(":00.000Z")
