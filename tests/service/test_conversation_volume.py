"""``/v1/conversation-volume``: the AI platform's conversations per interval and segment, the
escalation rate's denominator; idempotent per interval start and segment, never overlapping."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Api

NINE = "2026-01-01T09:00:00.000Z"
NINE_15 = "2026-01-01T09:15:00.000Z"


def report(api: Api, *intervals: dict[str, Any], key: str | None = None) -> Any:
    return api.post("/v1/conversation-volume", {"intervals": list(intervals)}, key)


def read(api: Api, **params: Any) -> list[dict[str, Any]]:
    params = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z", **params}
    answer = api.get("/v1/conversation-volume", **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["intervals"])


def test_a_report_again_replaces_and_segments_are_apart(api: Api) -> None:
    first = report(
        api,
        {"interval_start": NINE, "interval_s": 900, "segment": "billing", "conversations": 40},
        {"interval_start": NINE, "interval_s": 900, "segment": "sales", "conversations": 7},
        {"interval_start": NINE_15, "interval_s": 900, "segment": "billing", "conversations": 52},
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"stored": 3, "replaced": 0}
    api.clock.advance(60)
    again = report(api, {"interval_start": NINE, "segment": "billing", "conversations": 44})
    assert again.json() == {"stored": 0, "replaced": 1}
    rows = read(api)
    assert [(r["interval_start"], r["segment"], r["conversations"]) for r in rows] == [
        (NINE, "billing", 44),
        (NINE, "sales", 7),
        (NINE_15, "billing", 52),
    ]
    assert rows[0]["reported_at"] == "2026-01-01T09:01:00.000Z"
    assert rows[1]["reported_at"] == NINE
    assert [r["conversations"] for r in read(api, segment="sales")] == [7]
    other = api.get(
        "/v1/conversation-volume", key=api.other_key, **{"from": NINE, "to": "2026-01-01T10:00:00Z"}
    )
    assert other.json()["intervals"] == []  # another tenant sees none of them


def test_without_a_segment_the_count_is_of_all_segments(api: Api) -> None:
    assert report(api, {"interval_start": NINE, "interval_s": 3600, "conversations": 300}).status_code == 200
    assert [(r["segment"], r["interval_s"]) for r in read(api)] == [(None, 3600)]


def test_overlapping_intervals_are_refused(api: Api) -> None:
    overlapping = report(
        api,
        {"interval_start": NINE, "interval_s": 3600, "conversations": 1},
        {"interval_start": NINE_15, "interval_s": 900, "conversations": 1},
    )
    assert overlapping.status_code == 422
    assert "intervals[1] overlaps intervals[0]" in overlapping.json()["errors"][0]["problem"]
    assert report(api, {"interval_start": NINE_15, "interval_s": 900, "conversations": 5}).status_code == 200
    clash = report(api, {"interval_start": NINE, "interval_s": 3600, "conversations": 9})
    assert clash.status_code == 409
    assert (
        "overlaps the stored interval of segment (all segments) starting 2026-01-01T09:15:00.000Z"
        in (clash.json()["detail"])
    )
    assert [r["conversations"] for r in read(api)] == [5]  # nothing of the refused report stored


def test_bad_counts_and_periods_name_the_field(api: Api) -> None:
    cases = {
        "body.intervals[0].conversations": {"interval_start": NINE, "conversations": -1},
        "body.intervals[0].interval_s": {"interval_start": NINE, "interval_s": 700, "conversations": 1},
        "body.intervals[0].interval_start": {"interval_start": "2026-01-01T09:00:00", "conversations": 1},
    }
    for field, item in cases.items():
        answer = report(api, item)
        assert answer.status_code == 422, answer.text
        assert field in {e["field"] for e in answer.json()["errors"]}
    assert api.post("/v1/conversation-volume", {"intervals": []}).status_code == 422
    backwards = api.get("/v1/conversation-volume", **{"from": NINE, "to": "2026-01-01T08:00:00Z"})
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "query.to"
    too_long = api.get("/v1/conversation-volume", **{"from": NINE, "to": "2026-03-01T08:00:00Z"})
    assert too_long.status_code == 422
