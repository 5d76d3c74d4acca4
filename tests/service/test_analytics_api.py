"""``GET /v1/analytics/summary``: the weekly review of the service's own history (read scope),
its figures checked against a day done by hand through the API (tests/service/test_history_export.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import Api
from tests.service.test_history_export import a_day

PERIOD = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}


def summary(api: Api, **params: Any) -> dict[str, Any]:
    answer = api.get("/v1/analytics/summary", **{**PERIOD, **params})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_summary_holds_the_days_figures(api: Api) -> None:
    a_day(api)  # e1 completed (4 s), e2 accepted (3 s), e3 abandoned unaccepted, e4 cancelled
    body = summary(api, group_by="trigger,channel")
    total = body["total"]
    assert total["escalations"]["value"] == 4
    assert total["accepted"]["value"] == 2
    # decided: all but the cancelled e4; within 30 s: e1 and e2
    assert total["service_level"]["value"] == pytest.approx(2 / 3)
    assert total["service_level"]["n"] == 3
    assert total["csat_mean"]["value"] == 2.0
    assert total["csat_mean"]["n"] == 1
    assert total["ai_could_have_handled_rate"]["value"] == 1.0
    assert total["handoff_p50_s"]["value"] == pytest.approx(3.5)
    assert total["abandoned"]["value"] == 1
    assert body["target"] == {"threshold_s": 30.0, "service_level": 0.8}  # the service's settings
    assert body["volume_given"] is False
    assert total["escalation_rate"]["value"] is None
    assert total["escalation_rate"]["missing"]  # says what it needs, never 0
    assert body["period"] == {
        "start_at": "2026-01-01T00:00:00.000Z",
        "end_at": "2026-01-02T00:00:00.000Z",
        "time_zone": "UTC",
    }
    assert set(body["groups"]) == {"trigger", "channel"}
    channels = {g["group"]: g["total"]["escalations"]["value"] for g in body["groups"]["channel"]}
    assert channels == {"chat": 3, "voice": 1}
    assert sum(map(sum, body["heatmap"]["escalations"])) == 4
    assert body["heatmap"]["escalations"][3][9] == 4  # Thursday, 09:00 UTC
    assert body["triggers"]["too_early"][0]["trigger"] == "low_confidence"


def test_conversation_volume_gives_the_escalation_rate(api: Api) -> None:
    a_day(api)
    api.post(
        "/v1/conversation-volume",
        {"intervals": [{"interval_start": "2026-01-01T09:00:00Z", "conversations": 40}]},
    )
    body = summary(api)
    assert body["volume_given"] is True
    assert body["total"]["conversations"]["value"] == 40
    assert body["total"]["escalation_rate"]["value"] == pytest.approx(4 / 40)


def test_bad_queries_name_the_parameter(api: Api) -> None:
    a_day(api)

    def problem(**params: Any) -> str:
        answer = api.get("/v1/analytics/summary", **{**PERIOD, **params})
        assert answer.status_code == 422, answer.text
        return str(answer.json()["errors"][0]["field"])

    assert problem(group_by="weather") == "query.group_by"
    assert problem(to="2025-12-31T00:00:00Z") == "query.to"
    assert problem(to="2026-06-01T00:00:00Z") == "query.to"
    assert problem(time_zone="Mars/Olympus") == "query.time_zone"
    assert problem(**{"from": "2026-02-01T00:00:00Z", "to": "2026-02-02T00:00:00Z"}) == "query.from"
    assert api.get("/v1/analytics/summary", key=api.other_key, **PERIOD).status_code == 422  # none of acme's
