"""Round trip: escalations created through the service -> ``handoff history export`` -> the
simulator's replay loader gives the same escalations (time, channel, skills, customer tier,
language), in the same 15-minute intervals, with the handle times and patience the service
observed."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from reports.cli import app
from routing import timestamps
from routing.domain import CHANNELS
from simulator.scenario.escalation_log import load_escalation_log
from tests.service.conftest import T0, Api, agent_body

INTERVAL_S = 900
KINDS = [  # channel, required skills, customer tier, language
    ("chat", {"billing": 2}, "standard", "en"),
    ("chat", {"billing": 2, "refunds": 1}, "priority", "en"),
    ("voice", {"billing": 1}, "standard", "es"),
    ("email", {}, "standard", "en"),
    ("chat", {"legal": 4}, "standard", "fr"),  # nobody has it: deferred, replayed all the same
]


def test_service_to_export_to_replay_gives_the_same_escalations_in_the_same_intervals(
    api: Api, tmp_path: Path
) -> None:
    rng = np.random.default_rng(14)
    api.post(
        "/v1/agents", agent_body("ana", skills={"billing": 3, "refunds": 2}, channels={"chat": 3, "email": 5})
    )
    api.post(
        "/v1/agents", agent_body("bob", skills={"billing": 2}, languages=["en", "es"], channels={"voice": 1})
    )
    created: list[tuple[float, str, dict[str, int], str, str]] = []
    handled: dict[float, float] = {}
    abandoned: dict[float, float] = {}
    for n in range(40):  # about three hours of arrivals, every kind, some ending each way
        api.clock.advance(float(rng.exponential(270.0)) + 0.123)
        channel, skills, tier, language = KINDS[n % len(KINDS)]
        body = {"channel": channel, "required_skills": skills, "customer_tier": tier, "language": language}
        now = api.clock.now_s()
        answer = api.escalate(f"e{n}", created_at=timestamps.iso(now), **body)
        assert answer.status_code == 201, answer.text
        recorded = api.get(f"/v1/escalations/e{n}").json()["created_at"]  # to the millisecond
        created_s = datetime.fromisoformat(recorded).timestamp()
        created.append((created_s, channel, skills, tier, language))
        decision = answer.json()["decision"]
        if decision["outcome"] == "offered" and n % 3 != 2:
            api.clock.advance(5)
            api.post(f"/v1/offers/{decision['offer_id']}/accept")
            api.clock.advance(100.0 + n)
            api.post(f"/v1/escalations/e{n}/complete", {"resolved": True, "wrap_up_s": 0})
            handled[created_s] = 100.0 + n
        elif decision["outcome"] in ("offered", "queued"):
            api.clock.advance(20)
            api.post(f"/v1/escalations/e{n}/cancel", {"reason": "customer_left"})
            abandoned[created_s] = round(api.clock.now_s() - created_s, 3)
    assert handled
    assert abandoned
    assert {"legal": 4} in [c[2] for c in created]

    out = tmp_path / "day.csv.gz"
    day = timestamps.iso(T0)[:10]
    options = {
        "--database": api.service.db.url,
        "--tenant": "acme",
        "--from": day,
        "--to": day,
        "--out": str(out),
    }
    result = CliRunner().invoke(
        app, ["history", "export", *(part for pair in options.items() for part in pair)]
    )
    assert result.exit_code == 0, result.output
    log = load_escalation_log(out)

    replayed = [
        (
            float(log.created_s[i]),
            CHANNELS[int(log.channel[i])].value,
            dict(log.skills[i]),
            log.customer_tier[i].value,
            log.language[i],
        )
        for i in range(len(log))
    ]
    assert replayed == created  # the same escalations, in time order
    start_s = T0 - T0 % INTERVAL_S

    def per_interval(times: list[float]) -> Counter[int]:
        return Counter(int((t - start_s) // INTERVAL_S) for t in times)

    assert per_interval([c[0] for c in replayed]) == per_interval([c[0] for c in created])
    assert len(per_interval([c[0] for c in created])) > 5  # spread over many intervals
    for i in range(len(log)):
        when = float(log.created_s[i])
        assert (when in handled) == (not math.isnan(log.handle_time_s[i]))
        assert (when in abandoned) == (not math.isnan(log.patience_s[i]))
        if when in handled:
            assert log.handle_time_s[i] == handled[when]
        if when in abandoned:
            assert log.patience_s[i] == abandoned[when]
