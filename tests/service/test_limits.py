"""Limits on every input (issue 12 §3): the request body size (413 before parsing), caps on every
string, list and map of an escalation and an agent (422 naming the field), the depth of the
account data, NaN and Infinity, ``created_at`` against the server clock, and problem bodies that
never echo what the caller sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from routing import limits
from routing.service.app import create_app
from routing.service.settings import ServiceSettings
from tests.service.conftest import T0, Api, agent_body, escalation_body, make_api

LIMIT = 64 * 1024  # the body limit of these tests' service


@pytest.fixture
def sq(tmp_path: Path) -> Iterator[Api]:
    """The app on SQLite (the limits are the same on every storage), with a 64 KiB body limit."""
    yield from make_api(f"sqlite:///{tmp_path / 'h.db'}", limits={"max_body_bytes": LIMIT})


def problem_of(r: Any, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    return body


def fields_of(r: Any) -> list[str]:
    return [e["field"] for e in problem_of(r)["errors"]]


def nested(depth: int) -> dict[str, Any]:
    """A map ``depth`` levels deep: {"a": {"a": ... {}}}."""
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth - 1):
        node["a"] = {}
        node = node["a"]
    return root


# ---------------------------------------------------------------------------------- body size
def _asgi_call(
    app: Any, headers: list[tuple[bytes, bytes]], chunks: Iterator[bytes]
) -> tuple[int, bytes, int]:
    """Call ``app`` (ASGI) with a POST whose body comes from ``chunks``; returns (status, body,
    bytes the app pulled)."""
    pulled = 0
    status = 0
    body = b""

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/escalations",
        "raw_path": b"/v1/escalations",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return status, body, pulled


def _endless(chunk_bytes: int, total_bytes: int = 4 * 1024 * 1024) -> Iterator[bytes]:
    """Chunks of spaces: ``total_bytes`` of them, so that an app without a limit ends too."""
    for _ in range(total_bytes // chunk_bytes):
        yield b" " * chunk_bytes


def test_a_declared_length_over_the_limit_is_413_before_a_byte_is_read(tmp_path: Path) -> None:
    app = create_app(ServiceSettings(database_url=f"sqlite:///{tmp_path / 'h.db'}", tick_interval_s=0))
    hundred_mb = str(100 * 1024 * 1024).encode()
    status, body, pulled = _asgi_call(app, [(b"content-length", hundred_mb)], _endless(65_536))
    assert status == 413
    assert pulled == 0  # answered from the header alone: the 100 MB never reached memory
    problem = json.loads(body)
    assert problem["status"] == 413
    assert problem["title"] == "Content too large"
    assert "1048576 bytes" in problem["detail"]


def test_a_chunked_body_is_cut_off_at_the_limit(tmp_path: Path) -> None:
    """No Content-Length (chunked): counted as it streams, refused by the chunk that crosses the
    limit -- an endless body would otherwise never end."""
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 'h.db'}", tick_interval_s=0, limits={"max_body_bytes": LIMIT}
    )
    status, body, pulled = _asgi_call(create_app(settings), [], _endless(8192))
    assert status == 413
    assert LIMIT < pulled <= LIMIT + 8192
    assert json.loads(body)["status"] == 413


def test_over_the_limit_through_a_client_is_a_413_problem(sq: Api) -> None:
    big = escalation_body("big", context={"summary": "x" * LIMIT})
    r = sq.post("/v1/escalations", big, **{"Idempotency-Key": "big"})
    assert problem_of(r, 413)["instance"] == "/v1/escalations"

    def chunks() -> Iterator[bytes]:
        data = json.dumps(big).encode()
        for i in range(0, len(data), 4096):
            yield data[i : i + 4096]

    r = sq.client.post(
        "/v1/escalations",
        content=chunks(),
        headers=sq.h(**{"Idempotency-Key": "big", "content-type": "application/json"}),
    )
    problem_of(r, 413)
    assert sq.get("/v1/escalations/big").status_code == 404  # nothing stored
    # under the limit, the same request is parsed
    assert sq.escalate("big", context={"summary": "x" * limits.SUMMARY_CHARS}).status_code == 201


# ------------------------------------------------------------------------------------- caps
def _context(**fields: Any) -> dict[str, Any]:
    return {"context": {**escalation_body("x")["context"], **fields}}


many_skills = {f"s{i}": 1 for i in range(limits.ESCALATION_SKILLS + 1)}
ESCALATION_CAPS = [
    ("summary", _context(summary="x" * (limits.SUMMARY_CHARS + 1)), "body.context.summary"),
    ("reason", _context(reason="x" * (limits.REASON_CHARS + 1)), "body.context.reason"),
    ("intent", _context(intent="x" * (limits.INTENT_CHARS + 1)), "body.context.intent"),
    ("actions", _context(actions_tried=["a"] * (limits.ACTIONS_TRIED + 1)), "body.context.actions_tried"),
    ("action", _context(actions_tried=["a" * (limits.ACTION_CHARS + 1)]), "body.context.actions_tried[0]"),
    (
        "turns",
        _context(transcript=[{"role": "customer", "text": "hi"}] * (limits.TRANSCRIPT_TURNS + 1)),
        "body.context.transcript",
    ),
    (
        "turn text",
        _context(transcript=[{"role": "customer", "text": "x" * (limits.TURN_CHARS + 1)}]),
        "body.context.transcript[0].text",
    ),
    (
        "sentiment",
        _context(sentiment_trend=[0.0] * (limits.SENTIMENT_POINTS + 1)),
        "body.context.sentiment_trend",
    ),
    (
        "account keys",
        _context(account={f"k{i}": 1 for i in range(limits.ACCOUNT_KEYS + 1)}),
        "body.context.account",
    ),
    (
        "account items",
        _context(account={"orders": [[1] * 50 for _ in range(limits.ACCOUNT_ITEMS // 50)]}),
        "body.context.account",
    ),
    (
        "account string",
        _context(account={"note": "x" * (limits.ACCOUNT_STRING_CHARS + 1)}),
        "body.context.account",
    ),
    ("account depth", _context(account=nested(limits.ACCOUNT_DEPTH + 1)), "body.context.account"),
    ("required skills", {"required_skills": many_skills}, "body.required_skills"),
    ("preferred skills", {"preferred_skills": many_skills}, "body.preferred_skills"),
]


@pytest.mark.parametrize(("case", "fields", "field"), ESCALATION_CAPS, ids=[c[0] for c in ESCALATION_CAPS])
def test_each_escalation_cap_is_a_422_naming_the_field(sq: Api, case: str, fields: Any, field: str) -> None:
    body = {**escalation_body("e1"), **fields}
    r = sq.post("/v1/escalations", body, **{"Idempotency-Key": case})
    assert field in fields_of(r)


def _shift(**fields: Any) -> dict[str, Any]:
    return {"days": "mon-fri", "start": "09:00", "end": "17:00", **fields}


AGENT_CAPS = [
    ("skills", {"skills": {f"s{i}": 1 for i in range(limits.AGENT_SKILLS + 1)}}, "body.skills"),
    ("languages", {"languages": [f"l{i}" for i in range(limits.AGENT_LANGUAGES + 1)]}, "body.languages"),
    ("regions", {"regions": [f"r{i}" for i in range(limits.AGENT_REGIONS + 1)]}, "body.regions"),
    ("name", {"name": "x" * (limits.AGENT_NAME_CHARS + 1)}, "body.name"),
    ("shifts", {"shifts": [_shift()] * (limits.SHIFTS_PER_AGENT + 1)}, "body.shifts"),
    (
        "breaks",
        {"shifts": [_shift(breaks=[{"start": "12:00", "end": "12:05"}] * (limits.BREAKS_PER_SHIFT + 1))]},
        "body.shifts[0].breaks",
    ),
    ("days", {"shifts": [_shift(days=["mon"] * (limits.DAY_ITEMS + 1))]}, "body.shifts[0].days"),
]


@pytest.mark.parametrize(("case", "fields", "field"), AGENT_CAPS, ids=[c[0] for c in AGENT_CAPS])
def test_each_agent_cap_is_a_422_naming_the_field(sq: Api, case: str, fields: Any, field: str) -> None:
    assert field in fields_of(sq.post("/v1/agents", agent_body("ana", **fields)))


def test_the_caps_are_in_the_openapi_schema(sq: Api) -> None:
    schemas = sq.client.get("/openapi.json").json()["components"]["schemas"]
    packet = schemas["ContextPacket-Input"]["properties"]
    assert packet["summary"]["maxLength"] == limits.SUMMARY_CHARS
    assert packet["transcript"]["maxItems"] == limits.TRANSCRIPT_TURNS
    assert packet["account"]["maxProperties"] == limits.ACCOUNT_KEYS
    assert f"nested at most {limits.ACCOUNT_DEPTH} deep" in packet["account"]["description"]
    assert (
        schemas["EscalationCreate"]["properties"]["required_skills"]["maxProperties"]
        == limits.ESCALATION_SKILLS
    )


@pytest.mark.parametrize("depth", [limits.ACCOUNT_DEPTH + 1, 300, 900])
def test_a_deep_account_is_a_422_naming_it_never_a_500(sq: Api, depth: int) -> None:
    """300 levels gave a 500 (serialisation ran out of depth); 900 is near json.loads' own limit,
    where a recursive check would overflow the stack."""
    r = sq.escalate("deep", context={"account": nested(depth)})
    problem = problem_of(r)
    assert [e["field"] for e in problem["errors"]] == ["body.context.account"]
    assert f"nested more than {limits.ACCOUNT_DEPTH} levels deep" in problem["detail"]


def test_an_account_at_the_depth_cap_is_kept_one_deeper_is_not(sq: Api) -> None:
    account = nested(limits.ACCOUNT_DEPTH)
    assert sq.escalate("e1", context={"account": account}).status_code == 201
    assert sq.get("/v1/escalations/e1").json()["context"]["account"] == account
    assert fields_of(sq.escalate("e2", context={"account": {"a": account}})) == ["body.context.account"]


# ------------------------------------------------------------------------------- NaN, Infinity
@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"urgency": float("nan")}, "urgency"),
        ({"context": {"account": {"balance": float("inf")}}}, "context.account.balance"),
        ({"context": {"sentiment_trend": [0.1, float("-inf")]}}, "context.sentiment_trend[1]"),
    ],
)
def test_nan_and_infinity_are_422_never_stored_as_null(sq: Api, fields: Any, where: str) -> None:
    raw = json.dumps(escalation_body("e1", **fields))  # json.dumps writes NaN / Infinity
    assert "NaN" in raw or "Infinity" in raw
    r = sq.client.post(
        "/v1/escalations",
        content=raw,
        headers=sq.h(**{"Idempotency-Key": "k", "content-type": "application/json"}),
    )
    assert f"{where}: NaN and Infinity are not JSON numbers" in problem_of(r)["detail"]
    assert sq.get("/v1/escalations/e1").status_code == 404


def test_nan_in_an_agent_is_422(sq: Api) -> None:
    raw = json.dumps(agent_body("ana", tier=float("nan")))
    r = sq.client.post("/v1/agents", content=raw, headers=sq.h(**{"content-type": "application/json"}))
    assert "NaN and Infinity" in problem_of(r)["detail"]


# ---------------------------------------------------------------------------------- created_at
def _iso(epoch_s: float) -> str:
    from routing.timestamps import iso

    return iso(epoch_s)


def test_created_at_far_ahead_of_the_server_clock_is_422(sq: Api) -> None:
    r = sq.escalate("e1", created_at=_iso(T0 + 301))
    problem = problem_of(r)
    assert fields_of(r) == ["body.created_at"]
    assert "ahead of the server clock (2026-01-01T09:00:00.000Z) by more than 300 s" in problem["detail"]


def test_created_at_slightly_ahead_is_taken_as_now(sq: Api) -> None:
    """Within the tolerance it is clamped to now: the handoff time is never negative, in the
    response, the stored escalation or /metrics."""
    assert sq.post("/v1/agents", agent_body("ana")).status_code == 201
    r = sq.escalate("e1", created_at=_iso(T0 + 299))
    assert r.status_code == 201, r.text
    assert sq.get("/v1/escalations/e1").json()["created_at"] == _iso(T0)
    sq.clock.advance(2)
    accepted = sq.post(f"/v1/offers/{quote(r.json()['decision']['offer_id'])}/accept")
    assert accepted.json()["handoff_s"] == 2.0
    metrics = sq.client.get("/metrics", headers=sq.h(sq.metrics_key)).text
    assert "handoff_handoff_seconds_sum 2" in metrics
    assert 'handoff_handoff_seconds_bucket{le="5"} 1' in metrics


def test_created_at_older_than_the_tolerance_is_422(sq: Api) -> None:
    week_s = 7 * 86_400
    r = sq.escalate("old", created_at=_iso(T0 - week_s - 1))
    assert fields_of(r) == ["body.created_at"]
    assert "behind the server clock" in problem_of(r)["detail"]
    assert sq.escalate("recent", created_at=_iso(T0 - week_s + 60)).status_code == 201


def test_the_tolerances_are_settings(tmp_path: Path) -> None:
    limits_ = {"created_at_future_s": 0, "created_at_past_s": 10}
    for api in make_api(f"sqlite:///{tmp_path / 'h.db'}", limits=limits_):
        assert fields_of(api.escalate("ahead", created_at=_iso(T0 + 1))) == ["body.created_at"]
        assert fields_of(api.escalate("behind", created_at=_iso(T0 - 11))) == ["body.created_at"]
        assert api.escalate("now", created_at=_iso(T0 - 10)).status_code == 201


def test_times_outside_years_1_to_9999_are_422_never_stored(sq: Api) -> None:
    outside = [
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC: was a 500
        "9999-12-31T23:30:00-01:00",  # year 10000 in UTC: was a 500
        "10000-01-01T00:00:00Z",
        1e300,
        -1e20,
    ]
    for i, created_at in enumerate(outside):
        assert fields_of(sq.escalate(f"e{i}", created_at=created_at)) == ["body.created_at"], created_at
        assert sq.get(f"/v1/escalations/e{i}").status_code == 404


def test_a_transcript_time_outside_the_years_is_422(sq: Api) -> None:
    turn = {"role": "customer", "text": "hi", "sent_at": "0001-01-01T00:00:00+05:00"}
    r = sq.escalate("e1", context={"transcript": [turn]})
    assert fields_of(r) == ["body.context.transcript[0].sent_at"]


# ------------------------------------------------------------------------------------ no echo
SECRET = "sk_live_9f8e7d6c5b4a_SECRET"


def test_problems_never_echo_what_the_caller_sent(sq: Api) -> None:
    """A secret-like string in every kind of bad field: never in any problem body. These used to
    be quoted: time zones, day names and HH:MM times (our validators' messages), and the
    Idempotency-Key of a reused key."""
    bad_escalations: list[dict[str, Any]] = [
        {"customer_time_zone": SECRET},
        {"created_at": SECRET},
        {"channel": SECRET},
        {"trigger": SECRET},
        {"customer_tier": SECRET},
        {"urgency": SECRET},
        {"complexity_tier": SECRET},
        {"required_skills": {"billing": SECRET}},
        {"language": SECRET * 20},
        {"context": {"transcript": [{"role": SECRET, "text": "hi", "sent_at": SECRET}]}},
        {"context": {"summary": SECRET * 1000, "sentiment_trend": [SECRET], "intent": SECRET * 20}},
        {"context": {"account": {"k": [SECRET * 1000]}}},
        {"context": {"account": SECRET}},
        {"id": SECRET + "/"},
    ]
    bodies = []
    for i, fields in enumerate(bad_escalations):
        r = sq.post("/v1/escalations", escalation_body("e1", **fields), **{"Idempotency-Key": f"k{i}"})
        bodies.append(problem_of(r))
    bad_agents: list[dict[str, Any]] = [
        {"time_zone": SECRET},
        {"shifts": [{"days": [SECRET], "start": "09:00", "end": "17:00"}]},
        {"shifts": [{"days": "mon", "start": SECRET[:5], "end": "17:00"}]},
        {
            "shifts": [
                {"days": "mon", "start": "09:00", "end": "17:00", "breaks": [{"start": "abcde", "end": "x"}]}
            ]
        },
        {"skills": {"billing": SECRET}},
        {"channels": {SECRET: 1}},
        {"status": SECRET},
    ]
    for fields in bad_agents:
        bodies.append(problem_of(sq.post("/v1/agents", agent_body("ana", **fields))))
    # an Idempotency-Key reused with another body
    assert sq.post("/v1/escalations", escalation_body("e2"), **{"Idempotency-Key": SECRET}).status_code == 201
    r = sq.post("/v1/escalations", escalation_body("e3"), **{"Idempotency-Key": SECRET})
    bodies.append(problem_of(r))
    for body in bodies:
        text = json.dumps(body)
        for shown in (SECRET, SECRET[:5], "abcde"):
            assert shown not in text, text


def test_problems_still_say_what_is_wrong(sq: Api) -> None:
    r = sq.post("/v1/agents", agent_body("ana", time_zone="Mars/Olympus"))
    assert problem_of(r)["errors"] == [
        {"field": "body.time_zone", "problem": "unknown IANA time zone '...' (e.g. 'Europe/Paris')"}
    ]
    r = sq.post("/v1/agents", agent_body("ana", skills={"billing": 7}))
    assert problem_of(r)["errors"] == [{"field": "body.skills.billing", "problem": "proficiency must be 1-5"}]
