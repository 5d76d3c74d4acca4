"""The SimPy model: exact outcomes of tiny replayed scenarios, shrinkage and staffing over long runs,
determinism and common random numbers, and (hypothesis) conservation and eligibility on random small
scenarios, with the dispatcher's own audit clean at every step."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from routing.decisions import AgentStatusChanged, Assigned, Decision, Offer
from routing.domain import AgentStatus, CustomerTier, EscalationState
from routing.shifts import shift_state
from simulator.demand import Arrivals, generate_demand
from simulator.metrics import escalation_metrics, summarise
from simulator.model import Model, simulate
from simulator.records import ABANDONED, ASSIGNED, COMPLETED, DEFERRED, OUTCOMES, WAITING, RunRecords
from simulator.scenario import Scenario
from simulator.streams import replication_seeds

DAY = "2026-12-01"  # a Tuesday
HEADER = "created_at,channel,skills,customer_tier,language,handle_time_s,patience_s"
RECORD_ARRAYS = (
    "first_offer_s",
    "accepted_s",
    "finished_s",
    "outcome",
    "agent",
    "agent_group",
    "offers",
    "offered_on_arrival",
    "agent_groups",
    "away_agent",
    "away_start_s",
    "away_end_s",
)


def seq(seed: int = 0, r: int = 0) -> np.random.SeedSequence:
    return replication_seeds(seed, r + 1)[r]


def write_log(
    tmp_path: Path, rows: list[tuple[str, float | str, float | str]], skills: str = "general:1"
) -> Path:
    """A replay log of chat escalations: (UTC time of day, handle_time_s, patience_s) per row."""
    path = tmp_path / "log.csv"
    lines = [HEADER] + [
        f"{DAY}T{when}+00:00,chat,{skills},standard,en,{handle},{patience}" for when, handle, patience in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def replay_scenario(log: Path, **over: Any) -> Scenario:
    """One always-on agent with skill general:3, instant accept, no relaxation, replayed arrivals."""
    data: dict[str, Any] = {
        "name": "tiny",
        "start": f"{DAY}T00:00:00",
        "duration_h": 1,
        "replay": {"log": str(log), "handle_time": {"distribution": "fixed", "mean_s": 100}},
        "roster": [{"group": "agents", "count": 1, "skills": {"general": 3}}],
        "offers": {"accept_delay": {"distribution": "fixed", "mean_s": 0}, "timeout_s": 20},
        "routing": {"relaxation": []},
    }
    data.update(over)
    return Scenario.model_validate(data)


def run(
    scenario: Scenario,
    seed: int = 0,
    *,
    accept_delay_s: list[float] | None = None,
    drain_s: float = 3600.0,
    model_class: type[Model] = Model,
) -> tuple[Model, RunRecords]:
    """Run one replication; ``accept_delay_s`` overrides the first-offer accept delays."""
    r = seq(seed)
    arrivals = generate_demand(scenario, r)
    if accept_delay_s is not None:
        arrivals = dataclasses.replace(arrivals, accept_delay_s=np.asarray(accept_delay_s, dtype=np.float64))
    model = model_class(scenario, arrivals, r, drain_s=drain_s)
    return model, model.run()


def rel(records: RunRecords, values: np.ndarray) -> list[float]:
    """Times relative to each escalation's creation (NaN stays NaN)."""
    return (values - records.arrivals.created_s).tolist()


def outcomes(records: RunRecords) -> list[str]:
    return [OUTCOMES[o] for o in records.outcome.tolist()]


def nan_list(values: list[float]) -> list[float | None]:
    return [None if math.isnan(v) else v for v in values]


# ------------------------------------------------------------------------- exact small runs
def test_one_agent_two_escalations_ten_seconds_apart(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("00:10:00", 100, ""), ("00:10:10", 100, "")])
    model, rec = run(replay_scenario(log))
    assert rec.handoff_s.tolist() == [0.0, 90.0]
    assert outcomes(rec) == ["completed", "completed"]
    assert rel(rec, rec.first_offer_s) == [0.0, 90.0]
    assert rel(rec, rec.finished_s) == [100.0, 190.0]  # the second works 100 s from 10:10 + 90
    assert rec.offered_on_arrival.tolist() == [True, False]
    assert rec.offers.tolist() == [1, 1]
    assert rec.agent_group.tolist() == [0, 0]
    assert rec.group_names == ("agents",)
    assert rec.group_counts == (1,)
    assert model.dispatcher.violations() == []


def test_accept_delay_is_the_handoff_time(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("00:10:00", 100, "")])
    s = replay_scenario(log, offers={"accept_delay": {"distribution": "fixed", "mean_s": 5}, "timeout_s": 20})
    _, rec = run(s)
    assert rec.handoff_s.tolist() == [5.0]
    assert rel(rec, rec.first_offer_s) == [0.0]
    assert rec.offered_on_arrival.tolist() == [True]  # offered at once, even if accepted later
    assert rel(rec, rec.finished_s) == [105.0]


@pytest.mark.parametrize("recovery_s", [50.0, 80.0])
def test_an_offer_slower_than_its_timeout_expires_and_the_agent_recovers(
    tmp_path: Path, recovery_s: float
) -> None:
    # Two agents. #0 arrives at 10:00, its first offer would be answered after 30 s > timeout 20 s:
    # it expires at 10:20, the agent goes not-responding, the other agent gets it and accepts at
    # once (handoff 20 s) and works 100 s. #1 arrives at 10:30: one agent busy, the other not
    # responding until 10:20 + recovery.
    log = write_log(tmp_path, [("00:10:00", 100, ""), ("00:10:30", 100, "")])
    s = replay_scenario(
        log,
        roster=[{"group": "agents", "count": 2, "skills": {"general": 3}}],
        offers={
            "accept_delay": {"distribution": "fixed", "mean_s": 0},
            "timeout_s": 20,
            "not_responding_recovery_s": recovery_s,
        },
    )
    model, rec = run(s, accept_delay_s=[30.0, 0.0], model_class=AuditedModel)
    assert rec.handoff_s.tolist() == [20.0, 20.0 + recovery_s - 30.0]
    assert rec.offers.tolist() == [2, 1]
    assert outcomes(rec) == ["completed", "completed"]
    assert rec.offered_on_arrival.tolist() == [True, False]
    assert rec.agent.tolist() == [1, 0]  # the second goes to the recovered agent
    assert model.dispatcher.violations() == []
    assert isinstance(model, AuditedModel)
    t0 = float(rec.arrivals.created_s[0])
    status = [
        (now - t0, d.agent_id, d.status) for now, d in model.decisions if isinstance(d, AgentStatusChanged)
    ]
    assert status == [(20.0, "agents#0", AgentStatus.NOT_RESPONDING)]
    offers = [(now - t0, d.escalation_id, d.agent_id) for now, d in model.decisions if isinstance(d, Offer)]
    assert offers == [(0.0, "0", "agents#0"), (20.0, "0", "agents#1"), (20.0 + recovery_s, "1", "agents#0")]


def test_an_offer_slower_than_its_timeout_goes_back_to_the_agent_once_recovered(tmp_path: Path) -> None:
    # the only agent lets it lapse (20 s) and is not responding for 60 s; nothing waits in a void:
    # the re-offer policy gives it back to them once they are available again (80 s)
    log = write_log(tmp_path, [("00:10:00", 100, 200)])
    _, rec = run(replay_scenario(log), accept_delay_s=[25.0])
    assert outcomes(rec) == ["completed"]
    assert rec.offers.tolist() == [2]
    [accepted] = rel(rec, rec.accepted_s)
    assert 80.0 <= accepted < 100.0


def test_declined_by_both_agents_then_abandoned_at_its_patience(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("00:10:00", 100, 60)])
    s = replay_scenario(
        log,
        roster=[{"group": "agents", "count": 2, "skills": {"general": 3}}],
        offers={"accept_delay": {"distribution": "fixed", "mean_s": 0}, "decline_probability": 1},
    )
    model, rec = run(s)
    assert outcomes(rec) == ["abandoned"]
    assert rec.offers.tolist() == [2]
    assert rel(rec, rec.first_offer_s) == [0.0]
    assert np.isnan(rec.accepted_s).all()
    assert rec.agent_group.tolist() == [-1]
    assert rel(rec, rec.finished_s) == [60.0]
    assert model.dispatcher.violations() == []


def test_patience_shorter_than_the_wait_abandons_never_accepted(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("00:10:00", 100, ""), ("00:10:10", 100, 30), ("00:10:20", 100, 85)])
    _, rec = run(replay_scenario(log))
    # #1 would wait 90 s but leaves after 30; #2 waits 80 s < 85 and is served when #0 finishes
    assert outcomes(rec) == ["completed", "abandoned", "completed"]
    assert nan_list(rec.handoff_s.tolist()) == [0.0, None, 80.0]
    assert rec.offers.tolist() == [1, 0, 1]
    assert nan_list(rel(rec, rec.first_offer_s)) == [0.0, None, 80.0]
    assert rel(rec, rec.finished_s) == [100.0, 30.0, 180.0]
    m = escalation_metrics(rec, 30.0, slice(None))
    assert (m["offered"], m["accepted"], m["abandoned"], m["in_system"]) == (3, 2, 1, 0)


def test_a_late_arrival_gets_its_outcome_after_the_horizon(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("00:59:00", 100, ""), ("00:59:30", 100, "")])
    _, rec = run(replay_scenario(log))
    assert rec.handoff_s.tolist() == [0.0, 70.0]  # accepted at 01:00:40, after the 01:00 end
    assert rec.accepted_s[1] > rec.end_s
    assert outcomes(rec) == ["completed", "assigned"]  # the run stops when nobody waits any more
    assert rec.stopped_s == rec.accepted_s[1]


def test_the_drain_is_bounded(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("00:59:00", 100, ""), ("00:59:30", 100, "")])
    model, rec = run(replay_scenario(log), drain_s=10.0)
    assert outcomes(rec) == ["assigned", "waiting"]
    assert model.waiting == 1
    assert rec.stopped_s <= rec.end_s + 10.0
    m = escalation_metrics(rec, 30.0, slice(None))
    assert m["offered"] == m["accepted"] + m["abandoned"] + m["deferred"] + m["in_system"] == 2


# -------------------------------------------------------------------------------- relaxation
def test_relaxation_lowers_the_minimum_proficiency_after_30_s(tmp_path: Path) -> None:
    # nobody has general:4; the default ladder lowers the minimum by one after 30 s (a timer the
    # model must wake the dispatcher for: no other event happens in between)
    log = write_log(tmp_path, [("00:10:00", 100, "")], skills="general:4")
    _, rec = run(replay_scenario(log, routing={}))
    assert rec.handoff_s[0] == pytest.approx(30.0, abs=1e-6)
    assert outcomes(rec) == ["completed"]
    assert not rec.offered_on_arrival[0]


def test_without_relaxation_an_unmatched_escalation_is_deferred(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("00:10:00", 100, "")], skills="general:4")
    _, rec = run(replay_scenario(log))  # relaxation: []
    assert outcomes(rec) == ["deferred"]


def test_an_agent_tiers_above_the_work_waits_for_the_tier_step(tmp_path: Path) -> None:
    # complexity 1, headroom 1: a tier-3 agent is allowed only after the 60 s step
    log = write_log(tmp_path, [("00:10:00", 100, "")])
    s = replay_scenario(
        log, routing={}, roster=[{"group": "experts", "count": 1, "skills": {"general": 5}, "tier": 3}]
    )
    _, rec = run(s)
    assert rec.handoff_s[0] == pytest.approx(60.0, abs=1e-6)


def test_preferred_skills_are_dropped_after_10_s() -> None:
    s = Scenario.model_validate(
        {
            "name": "preferred",
            "start": f"{DAY}T00:00:00",
            "duration_h": 3,
            "demand": [
                {
                    "segment": "general",
                    "channel": "chat",
                    "skills": {"general": 1},
                    "preferred_skills": {"vip_care": 2},
                    "arrivals_per_hour": 3,
                    "handle_time": {"distribution": "fixed", "mean_s": 1},
                }
            ],
            "roster": [{"group": "agents", "count": 1, "skills": {"general": 3}}],
        }
    )
    _, rec = run(s, seed=4)
    assert len(rec.arrivals) >= 5
    assert rec.handoff_s == pytest.approx(np.full(len(rec.arrivals), 10.0), abs=1e-6)


# ------------------------------------------------------------------------------------ shifts
def shift_scenario(log: Path, **group: Any) -> Scenario:
    agents = {"group": "day", "count": 1, "skills": {"general": 3}, **group}
    return replay_scenario(log, start=f"{DAY}T08:00:00", duration_h=14, roster=[agents])


def test_an_arrival_before_the_shift_is_accepted_when_it_starts(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("08:55:00", 100, ""), ("20:00:00", 100, "")])
    s = shift_scenario(log, shifts=[{"days": ["mon-fri"], "start": "09:00", "end": "17:00"}])
    model, rec = run(s)
    assert rec.handoff_s[0] == 300.0
    assert rel(rec, rec.first_offer_s)[0] == 300.0
    assert not rec.offered_on_arrival[0]
    # 20:00: the next shift starts in 13 h, beyond the 15 min deferral horizon: deferred at once
    assert outcomes(rec) == ["completed", "deferred"]
    assert rel(rec, rec.finished_s)[1] == 0.0
    assert rec.offers[1] == 0
    m = escalation_metrics(rec, 30.0, slice(None))
    assert (m["deferred"], m["abandoned"], m["deferral_rate"], m["abandon_rate"]) == (1, 0, 0.5, 0.0)
    assert model.dispatcher.violations() == []


def test_shifts_follow_the_agents_time_zone(tmp_path: Path) -> None:
    # 09:00 in New York in December is 14:00 UTC
    log = write_log(tmp_path, [("13:55:00", 100, ""), ("14:30:00", 100, "")])
    s = shift_scenario(
        log, time_zone="America/New_York", shifts=[{"days": ["tue"], "start": "09:00", "end": "17:00"}]
    )
    _, rec = run(s)
    assert rec.handoff_s.tolist() == [300.0, 0.0]


def test_a_break_holds_work_until_it_ends(tmp_path: Path) -> None:
    log = write_log(tmp_path, [("12:20:00", 100, ""), ("12:05:00", 100, "")])
    s = shift_scenario(
        log,
        shifts=[
            {
                "days": ["daily"],
                "start": "09:00",
                "end": "17:00",
                "breaks": [{"start": "12:00", "end": "12:30"}],
            }
        ],
    )
    _, rec = run(s)
    # in time order: 12:05 (25 min to wait > 15 min horizon: deferred), 12:20 (10 min: waits)
    assert outcomes(rec) == ["deferred", "completed"]
    assert nan_list(rec.handoff_s.tolist()) == [None, 600.0]


# -------------------------------------------------------------------------------- shrinkage
def shrinkage_scenario(count: int, shrinkage: float, duration_h: float, **over: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "shrinkage",
        "start": f"{DAY}T00:00:00",
        "duration_h": duration_h,
        "interval_min": 60,
        "demand": [
            {
                "segment": "general",
                "channel": "chat",
                "skills": {"general": 1},
                "arrivals_per_hour": 0,
                "handle_time": {"distribution": "fixed", "mean_s": 60},
            }
        ],
        "roster": [
            {
                "group": "agents",
                "count": count,
                "skills": {"general": 3},
                "shrinkage": shrinkage,
                "away_episode_min": 5,
            }
        ],
        "routing": {"relaxation": []},
    }
    data.update(over)
    return Scenario.model_validate(data)


def test_away_time_is_the_groups_shrinkage_over_a_long_run() -> None:
    s = shrinkage_scenario(count=4, shrinkage=0.25, duration_h=150)
    rec = simulate(s, seq(3))
    span = rec.stopped_s - rec.start_s
    assert rec.stopped_s == rec.end_s  # nobody waits: no drain
    assert rec.agent_groups.tolist() == [0, 0, 0, 0]
    assert set(rec.away_agent.tolist()) == {0, 1, 2, 3}
    assert (rec.away_end_s >= rec.away_start_s).all()
    assert rec.away_start_s.min() >= rec.start_s
    assert rec.away_end_s.max() <= rec.stopped_s
    away_share = float((rec.away_end_s - rec.away_start_s).sum()) / (4 * span)
    assert away_share == pytest.approx(0.25, abs=0.03)
    for agent in range(4):  # each agent, not just the group on average
        mine = rec.away_agent == agent
        share = float((rec.away_end_s[mine] - rec.away_start_s[mine]).sum()) / span
        assert share == pytest.approx(0.25, abs=0.05), agent
        # one agent's episodes never overlap
        order = np.argsort(rec.away_start_s[mine])
        assert (rec.away_start_s[mine][order][1:] >= rec.away_end_s[mine][order][:-1]).all(), agent
    # episodes last about away_episode_min on average
    assert float(np.mean(rec.away_end_s - rec.away_start_s)) == pytest.approx(300, rel=0.15)

    summary = summarise(rec, s)
    staffed = summary.intervals["staffed_agents"]
    assert staffed.shape == (150,)
    assert ((staffed >= 0) & (staffed <= 4)).all()
    assert float(staffed.mean()) == pytest.approx(4 * (1 - 0.25), abs=0.12)
    # and the staffed column is exactly the away episodes seen from the other side
    assert float(staffed.sum()) * 3600 == pytest.approx(
        4 * span - float((rec.away_end_s - rec.away_start_s).sum())
    )


def test_without_shrinkage_nobody_is_away() -> None:
    rec = simulate(shrinkage_scenario(count=3, shrinkage=0.0, duration_h=5), seq())
    assert rec.away_agent.size == 0
    assert (
        summarise(rec, shrinkage_scenario(count=3, shrinkage=0.0, duration_h=5)).intervals["staffed_agents"]
        == 3
    ).all()


def test_an_away_agent_is_never_handed_work() -> None:
    # steady patient demand: no agent accepts anything inside one of its own away episodes
    s = shrinkage_scenario(
        count=3,
        shrinkage=0.4,
        duration_h=12,
        demand=[
            {
                "segment": "general",
                "channel": "chat",
                "skills": {"general": 1},
                "arrivals_per_hour": 30,
                "handle_time": {"distribution": "exponential", "mean_s": 240},
            }
        ],
    )
    model = Model(s, generate_demand(s, seq(8)), seq(8))
    rec = model.run()
    accepted = np.flatnonzero(~np.isnan(rec.accepted_s))
    assert accepted.size > 200
    assert rec.away_start_s.size > 50
    for agent in range(3):
        at = rec.accepted_s[accepted[rec.agent[accepted] == agent]]
        assert at.size > 20, agent
        mine = rec.away_agent == agent
        inside = (at[:, None] > rec.away_start_s[mine][None, :]) & (
            at[:, None] < rec.away_end_s[mine][None, :]
        )
        assert not inside.any(), agent
    assert model.dispatcher.violations() == []


# ------------------------------------------------------------ determinism and common random numbers
def busy_scenario(**over: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "busy",
        "start": f"{DAY}T08:00:00",
        "duration_h": 2,
        "warmup_h": 0.5,
        "demand": [
            {
                "segment": "billing",
                "channel": "chat",
                "skills": {"billing": 2},
                "arrivals_per_hour": 120,
                "handle_time": {"distribution": "lognormal", "mean_s": 240, "cv": 0.7},
                "patience": {"distribution": "exponential", "mean_s": 120},
                "customer_tiers": {"standard": 0.8, "vip": 0.2},
            },
            {
                "segment": "tech",
                "channel": "voice",
                "skills": {"technical": 3},
                "arrivals_per_hour": 40,
                "handle_time": {"distribution": "exponential", "mean_s": 300},
                "patience": {"distribution": "exponential", "mean_s": 90},
            },
        ],
        "roster": [
            {
                "group": "billing",
                "count": 4,
                "skills": {"billing": 3},
                "tier": 2,
                "channels": {"chat": 2},
                "shrinkage": 0.2,
            },
            {
                "group": "tech",
                "count": 3,
                "skills": {"technical": 4, "billing": 1},
                "channels": {"voice": 1, "chat": 1},
                "max_total": 1,
                "shifts": [{"days": ["daily"], "start": "08:30", "end": "09:45"}],
            },
        ],
        "offers": {
            "accept_delay": {"distribution": "exponential", "mean_s": 6},
            "decline_probability": 0.1,
            "timeout_s": 15,
        },
    }
    data.update(over)
    return Scenario.model_validate(data)


def assert_same_records(a: RunRecords, b: RunRecords) -> None:
    for name in RECORD_ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    assert (a.start_s, a.end_s, a.stopped_s, a.events) == (b.start_s, b.end_s, b.stopped_s, b.events)


def test_the_same_seed_gives_bit_identical_records() -> None:
    s = busy_scenario()
    a, b = simulate(s, seq(12)), simulate(s, seq(12))
    assert_same_records(a, b)
    assert len(a.arrivals) > 100
    # something happened worth comparing: every outcome kind but deferral shows up
    assert {OUTCOMES[o] for o in a.outcome.tolist()} >= {"completed", "abandoned"}
    assert a.offers.max() >= 2  # re-offers after declines or timeouts


def test_another_seed_gives_other_records() -> None:
    s = busy_scenario()
    a, b = simulate(s, seq(12)), simulate(s, seq(13))
    assert not np.array_equal(a.arrivals.created_s[:50], b.arrivals.created_s[:50])


def test_staffing_candidates_see_the_same_customers() -> None:
    s = busy_scenario()
    base = simulate(s, seq(21))
    more = simulate(s, seq(21), counts={"billing": 9})
    fewer = simulate(s, seq(21), counts={"billing": 1, "tech": 0})
    assert base.group_counts == (4, 3)
    assert more.group_counts == (9, 3)
    assert fewer.group_counts == (1, 0)
    for other in (more, fewer):
        for name in ("created_s", "kind", "handle_s", "patience_s", "accept_delay_s", "declines"):
            assert np.array_equal(getattr(base.arrivals, name), getattr(other.arrivals, name)), name
    # ... and the roster made a difference
    assert np.count_nonzero(fewer.outcome == ABANDONED) > np.count_nonzero(more.outcome == ABANDONED)


def test_counts_naming_an_unknown_group_are_rejected() -> None:
    s = busy_scenario()
    with pytest.raises(ValueError, match=r"counts names unknown group\(s\): nobody"):
        Model(s, generate_demand(s, seq()), seq(), counts={"nobody": 3})


def test_the_dispatcher_is_sound_after_a_busy_run() -> None:
    s = busy_scenario()
    model = Model(s, generate_demand(s, seq(5)), seq(5))
    rec = model.run()
    assert model.dispatcher.violations() == []
    check_conservation(model, rec)


# --------------------------------------------------------------------- conservation (hypothesis)
#: The dispatcher's events a running model sends (its set-up's are not audited).
DISPATCHER_EVENTS = (
    "escalation_arrived",
    "escalation_arrived_and_accepted",
    "offer_accepted",
    "offer_declined",
    "escalation_abandoned",
    "work_completed",
    "set_agent_status",
    "tick",
)


class AuditedModel(Model):
    """The model, keeping every decision with its time and the dispatcher's audit after each event.

    It listens at the dispatcher (each event method of this model's dispatcher wrapped), not in
    the model, so every path the model takes to the dispatcher is seen.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decisions: list[tuple[float, Decision]] = []
        self.audit: list[tuple[float, str]] = []
        for name in DISPATCHER_EVENTS:
            setattr(self.dispatcher, name, self._audited(getattr(self.dispatcher, name)))

    def _audited(self, event: Callable[..., list[Decision]]) -> Callable[..., list[Decision]]:
        def call(*args: Any) -> list[Decision]:
            decisions = event(*args)
            now = self.env.now
            self.decisions.extend((now, d) for d in decisions)
            self.audit.extend((now, problem) for problem in self.dispatcher.violations())
            return decisions

        return call


def check_conservation(model: Model, rec: RunRecords) -> None:
    """Every escalation has exactly one consistent outcome, and the dispatcher agrees."""
    n = len(rec.arrivals)
    out = rec.outcome
    created = rec.arrivals.created_s
    counts = {name: int(np.count_nonzero(out == code)) for code, name in enumerate(OUTCOMES)}
    assert sum(counts.values()) == n
    states = model.dispatcher.counts()
    assert sum(states.values()) == n  # every arrival reached the dispatcher
    assert (
        counts["waiting"] == states[EscalationState.QUEUED] + states[EscalationState.OFFERED] == model.waiting
    )
    assert counts["assigned"] == states[EscalationState.ASSIGNED]
    assert counts["completed"] == states[EscalationState.COMPLETED]
    assert counts["abandoned"] == states[EscalationState.ABANDONED]
    assert counts["deferred"] == states[EscalationState.DEFERRED]

    m = escalation_metrics(rec, 30.0, slice(None))
    assert m["offered"] == n
    assert m["offered"] == m["accepted"] + m["abandoned"] + m["deferred"] + m["in_system"]

    accepted = ~np.isnan(rec.accepted_s)
    assert np.array_equal(accepted, (out == ASSIGNED) | (out == COMPLETED))
    assert np.array_equal(~np.isnan(rec.finished_s), np.isin(out, (COMPLETED, ABANDONED, DEFERRED)))
    assert np.array_equal(rec.agent_group >= 0, accepted)
    assert np.array_equal(rec.agent >= 0, accepted)
    assert rec.agent_groups.tolist() == [g for g, count in enumerate(rec.group_counts) for _ in range(count)]
    assert np.array_equal(rec.agent_groups[rec.agent[accepted]], rec.agent_group[accepted])
    assert np.array_equal(rec.offers > 0, ~np.isnan(rec.first_offer_s))
    assert (rec.offers[accepted] >= 1).all()
    handoff = rec.handoff_s[accepted]
    assert (handoff >= 0).all()
    assert (rec.first_offer_s[accepted] <= rec.accepted_s[accepted]).all()
    offered = ~np.isnan(rec.first_offer_s)
    assert (rec.first_offer_s[offered] >= created[offered]).all()
    assert (rec.first_offer_s[rec.offered_on_arrival] == created[rec.offered_on_arrival]).all()
    done = out == COMPLETED
    # epoch seconds near 1.8e9 carry about 2.4e-7 s of rounding
    assert rec.finished_s[done] - rec.accepted_s[done] == pytest.approx(rec.arrivals.handle_s[done], abs=1e-6)
    gone = out == ABANDONED
    assert rec.finished_s[gone] - created[gone] == pytest.approx(rec.arrivals.patience_s[gone], abs=1e-6)
    deferred = out == DEFERRED
    assert (rec.finished_s[deferred] >= created[deferred]).all()
    if model.waiting:  # left waiting only when the drain ran out
        assert model.env.peek() > rec.end_s + model.drain_s
    assert model.dispatcher.violations() == []


def eligible_at(scenario: Scenario, arrivals: Arrivals, i: int, group: int, now: float) -> bool:
    """Could an agent of ``group`` take escalation ``i`` at ``now`` (static rules, relaxation
    included, plus the agent's shift)? Mirrors routing.eligibility, written independently."""
    g = scenario.roster[group]
    channel, required, _, complexity, customer_tier, language = arrivals.templates[int(arrivals.kind[i])][:6]
    settings = scenario.effective_routing
    waited = now - float(arrivals.created_s[i]) + 1e-6  # a relaxation step fires at created + after_s
    steps = [step for step in settings.relaxation if step.after_s <= waited]
    lowered = sum(step.lower_min_proficiency_by for step in steps)
    extra_tiers = sum(step.extra_tiers_above for step in steps)
    if g.channels.get(channel, 0) <= 0 or language not in g.languages:
        return False
    for skill, minimum in required.items():
        have = g.skills.get(skill, 0)
        if have == 0 or have < max(1, minimum - lowered):
            return False
    if not complexity <= g.tier <= min(3, complexity + settings.tier_headroom + extra_tiers):
        return False
    if g.tier < settings.min_agent_tier.get(customer_tier, 1):
        return False
    shifts = None if g.shifts is None else tuple(sh.to_domain() for sh in g.shifts)
    # an event at the very instant a shift ends may still see the agent on it
    return shift_state(shifts, g.time_zone, now)[0] or shift_state(shifts, g.time_zone, now - 1e-6)[0]


SKILLS = ("billing", "refunds", "technical")


@st.composite
def distributions(draw: st.DrawFn, means: list[float]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["fixed", "exponential", "lognormal"]))
    dist: dict[str, Any] = {"distribution": kind, "mean_s": draw(st.sampled_from(means))}
    if kind == "lognormal":
        dist["cv"] = draw(st.sampled_from([0.5, 1.2]))
    if kind != "fixed" and dist["mean_s"] == 0:
        dist["mean_s"] = 1.0
    return dist


@st.composite
def small_groups(draw: st.DrawFn, g: int) -> dict[str, Any]:
    chat, voice = draw(st.integers(0, 3)), draw(st.integers(0, 2))
    group: dict[str, Any] = {
        "group": f"g{g}",
        "count": draw(st.sampled_from([0, 1, 1, 2, 3])),
        "skills": draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1, max_size=3)),
        "tier": draw(st.integers(1, 3)),
        "languages": draw(st.sampled_from([["en"], ["en", "es"]])),
        "channels": {"chat": chat or (0 if voice else 1), "voice": voice},
        "shrinkage": draw(st.sampled_from([0.0, 0.0, 0.2, 0.5])),
        "away_episode_min": 5,
    }
    if draw(st.booleans()):
        group["max_total"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        start_min = draw(st.integers(0, 8)) * 15 + 7 * 60 + 30  # 07:30 .. 09:30
        end_min = start_min + draw(st.integers(1, 6)) * 15
        group["shifts"] = [
            {
                "days": ["daily"],
                "start": f"{start_min // 60:02d}:{start_min % 60:02d}",
                "end": f"{end_min // 60:02d}:{end_min % 60:02d}",
            }
        ]
        group["time_zone"] = draw(st.sampled_from(["UTC", "Europe/London"]))
    return group


@st.composite
def small_segments(draw: st.DrawFn, s: int, roster: list[dict[str, Any]]) -> dict[str, Any]:
    """A segment modelled on one group (so someone can usually serve it, sometimes only after
    relaxation), or now and then on nobody in particular."""
    g = draw(st.sampled_from(roster))
    if draw(st.integers(0, 5)) == 0:
        channel = draw(st.sampled_from(["chat", "voice"]))
        skills = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=2))
        complexity = draw(st.integers(1, 3))
        languages = draw(st.sampled_from([{"en": 1}, {"en": 0.5, "es": 0.5}]))
    else:
        channel = draw(st.sampled_from([c for c, cap in g["channels"].items() if cap > 0]))
        own = draw(st.lists(st.sampled_from(sorted(g["skills"])), unique=True, max_size=2))
        skills = {
            name: min(5, max(1, g["skills"][name] + draw(st.sampled_from([-2, -1, 0, 0, 1])))) for name in own
        }
        complexity = draw(st.integers(max(1, g["tier"] - 1), g["tier"]))
        languages = {"en": 1} if g["languages"] == ["en"] else {"en": 0.5, "es": 0.5}
    segment: dict[str, Any] = {
        "segment": f"seg{s}",
        "channel": channel,
        "skills": skills,
        "complexity_tier": complexity,
        "arrivals_per_hour": draw(st.sampled_from([5, 20, 60])),
        "handle_time": draw(distributions([30.0, 120.0, 600.0])),
        "customer_tiers": draw(
            st.sampled_from([{"standard": 1}, {"standard": 1}, {"standard": 0.5, "vip": 0.5}])
        ),
        "languages": languages,
    }
    if draw(st.booleans()):
        segment["patience"] = draw(distributions([0.0, 20.0, 90.0, 300.0]))
    return segment


@st.composite
def small_scenarios(draw: st.DrawFn) -> Scenario:
    roster = [draw(small_groups(g)) for g in range(draw(st.integers(1, 3)))]
    demand = [draw(small_segments(s, roster)) for s in range(draw(st.integers(1, 3)))]
    routing: dict[str, Any] = draw(
        st.sampled_from([{}, {}, {"relaxation": []}, {"deferral": {"horizon_s": 0}, "tier_headroom": 0}])
    )
    return Scenario.model_validate(
        {
            "name": "random",
            "start": f"{DAY}T08:00:00",
            "duration_h": draw(st.sampled_from([0.5, 1.0, 1.5])),
            "warmup_h": draw(st.sampled_from([0.0, 0.25])),
            "demand": demand,
            "roster": roster,
            "offers": {
                "accept_delay": draw(distributions([0.0, 0.0, 3.0, 25.0])),
                "decline_probability": draw(st.sampled_from([0.0, 0.0, 0.3, 1.0])),
                "timeout_s": draw(st.sampled_from([10.0, 20.0])),
                "not_responding_recovery_s": draw(st.sampled_from([30.0, 120.0])),
            },
            "routing": routing,
        }
    )


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=small_scenarios(), seed=st.integers(0, 2**16), drain_s=st.sampled_from([0.0, 600.0, 3600.0]))
def test_conservation_and_eligibility_on_random_small_scenarios(
    scenario: Scenario, seed: int, drain_s: float
) -> None:
    r = seq(seed)
    arrivals = generate_demand(scenario, r)
    model = AuditedModel(scenario, arrivals, r, drain_s=drain_s)
    rec = model.run()
    assert model.audit == []  # the dispatcher's invariants held after every event
    check_conservation(model, rec)

    group_of = {name: g for g, name in enumerate(rec.group_names)}
    holder: dict[int, str] = {}
    offered_to: dict[int, list[str]] = {}
    assigned: dict[int, str] = {}
    limit = scenario.routing.reoffer.max_offers_per_agent or math.inf
    for now, d in model.decisions:
        if isinstance(d, Offer):
            i, agent = int(d.escalation_id), d.agent_id
            group = group_of[agent.partition("#")[0]]
            assert eligible_at(scenario, arrivals, i, group, now), (i, agent, now)
            # re-offered to one agent only as the re-offer policy allows
            assert offered_to.setdefault(i, []).count(agent) < limit, "offered too often to one agent"
            offered_to[i].append(agent)
            holder[i] = agent
        elif isinstance(d, Assigned):
            i = int(d.escalation_id)
            assert i not in assigned, f"escalation {i} accepted twice"
            assert holder.get(i) == d.agent_id  # accepted by the agent it was offered to
            assigned[i] = d.agent_id
            assert d.handoff_s >= 0
            assert rec.accepted_s[i] == now
            name, _, k = d.agent_id.partition("#")
            assert rec.agent_group[i] == group_of[name]
            assert rec.agent[i] == sum(rec.group_counts[: group_of[name]]) + int(k)
    accepted = np.flatnonzero(~np.isnan(rec.accepted_s))
    assert sorted(assigned) == accepted.tolist()
    assert all(rec.offers[i] == len(agents) for i, agents in offered_to.items())
    check_summary(scenario, rec)


def check_summary(scenario: Scenario, rec: RunRecords) -> None:
    """Per-interval counts add up, occupancy is a share, staffed agents stay within the roster."""
    out = summarise(rec, scenario)
    iv = out.intervals
    assert iv["offered"].sum() == out.overall["offered"]
    assert np.array_equal(iv["offered"], iv["accepted"] + iv["abandoned"] + iv["deferred"] + iv["in_system"])
    occupancy = iv["occupancy"][~np.isnan(iv["occupancy"])]
    assert ((occupancy >= 0) & (occupancy <= 1 + 1e-9)).all(), iv["occupancy"]
    assert math.isnan(out.overall["occupancy"]) or 0 <= out.overall["occupancy"] <= 1 + 1e-9
    for g, name in enumerate(rec.group_names):
        staffed = iv[f"staffed_{name}"]
        assert ((staffed >= -1e-9) & (staffed <= rec.group_counts[g] + 1e-9)).all(), name
    assert sum(s["offered"] for s in out.segments.values()) == out.overall["offered"]


def test_the_strategy_reaches_every_outcome() -> None:
    """Guard the property above against a strategy too tame to test anything: one fixed example
    of the same shape reaches waiting, assigned, completed, abandoned and deferred."""
    s = busy_scenario(
        duration_h=1,
        warmup_h=0,
        routing={"deferral": {"horizon_s": 0}},
        demand=[
            *busy_scenario().demand[:1],
            busy_scenario().demand[1].model_copy(update={"patience": None}),
        ],
        offers={"accept_delay": {"distribution": "fixed", "mean_s": 0}, "decline_probability": 0.5},
    )
    model = AuditedModel(s, generate_demand(s, seq(2)), seq(2), drain_s=60)
    rec = model.run()
    assert model.audit == []
    check_conservation(model, rec)
    seen = {OUTCOMES[o] for o in rec.outcome.tolist()}
    assert {"waiting", "assigned", "completed", "abandoned", "deferred"} <= seen, seen
    assert CustomerTier.VIP in {t[4] for t in rec.arrivals.templates}
    assert WAITING in rec.outcome
    assert DEFERRED in rec.outcome
